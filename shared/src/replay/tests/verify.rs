//! Re-simulation: verification, tampering, seeking, the index.

use super::{games, record};
use crate::game::Game;
use crate::protocol::Tick;
use crate::replay::{ReplayIndex, Replayed, Resim, verify};
use crate::sim::{Arena, GameEvent};

#[test]
fn a_recorded_match_verifies_without_mismatches() {
    let rec = record(8, 20, 3000, 42, None);
    let report = verify(&rec.bytes, &games());
    assert_eq!(report.ticks, 3000);
    assert_eq!(report.hashes_checked, 51); // ticks 0, 60, ..., 3000
    assert_eq!(report.keyframes_checked, 11); // ticks 0, 300, ..., 3000
    assert_eq!(report.mismatches, 0, "{report:?}");
    assert!(report.complete && report.stopped_at.is_none() && report.is_ok());
}

#[test]
fn the_recorded_match_is_eventful() {
    // The verification above only means something if the inputs matter: players
    // join, leave, fight and die.
    let rec = record(8, 20, 3000, 42, None);
    let mut resim = Resim::new(&rec.bytes, &games()).unwrap();
    let mut kills = 0;
    let mut lefts = 0;
    while let Some((_, events)) = resim.step() {
        let events: Vec<GameEvent> = events.iter().filter_map(Arena::event_from_row).collect();
        kills += events
            .iter()
            .filter(|e| matches!(e, GameEvent::Kill { .. }))
            .count();
        lefts += events
            .iter()
            .filter(|e| matches!(e, GameEvent::Left { .. }))
            .count();
    }
    assert_eq!(resim.tick(), Tick(3000));
    assert_eq!(lefts, 1);
    assert!(kills >= 1, "no kills in the recorded match");
}

#[test]
fn a_tampered_input_is_a_mismatch_from_the_next_hash_on() {
    let tampered_at = 1234;
    let rec = record(8, 20, 3000, 42, Some(tampered_at));
    let report = verify(&rec.bytes, &games());
    assert!(report.stopped_at.is_none() && report.complete);
    assert!(report.mismatches > 0 && !report.is_ok());
    // The first hash after the tampered tick (1235) is at tick 1260.
    assert_eq!(report.first_mismatch, Some(Tick(1260)));
}

#[test]
fn seeking_lands_on_the_tick_with_the_recorded_state() {
    let rec = record(6, 10, 2000, 5, None);
    for target in [0u32, 1, 59, 60, 777, 1999, 2000] {
        let mut resim = Resim::new(&rec.bytes, &games()).unwrap();
        assert_eq!(resim.seek(Tick(target)), Tick(target));
        assert_eq!(
            resim.game().state_hash(),
            rec.hashes[target as usize],
            "{target}"
        );
    }
    // Past the end: stops at the last recorded tick.
    let mut resim = Resim::new(&rec.bytes, &games()).unwrap();
    assert_eq!(resim.seek(Tick(5000)), Tick(2000));
    assert!(resim.is_complete());
    // Never backwards.
    assert_eq!(resim.seek(Tick(10)), Tick(2000));
}

#[test]
fn hash_and_keyframe_events_come_with_the_world_at_their_tick() {
    let rec = record(3, 5, 700, 9, None);
    let mut resim = Resim::new(&rec.bytes, &games()).unwrap();
    let mut seen = 0;
    while let Some(event) = resim.next() {
        match event {
            Replayed::Hash {
                tick,
                recorded,
                actual,
            } => {
                assert_eq!((tick, recorded), (resim.tick(), actual));
                seen += 1;
            }
            Replayed::Keyframe { tick, .. } => assert_eq!(tick, resim.tick()),
            Replayed::Step { tick, .. } => assert_eq!(tick, resim.tick()),
            Replayed::End { tick } => assert_eq!(tick, Tick(700)),
            Replayed::Checkpoint { tick, .. } => assert_eq!(tick, resim.tick()),
            Replayed::Player { tick, .. } => assert_eq!(tick, resim.tick()),
            Replayed::Gap(gap) => panic!("an undamaged file has no gap: {gap}"),
        }
    }
    assert_eq!(seen, 12);
}

#[test]
fn the_index_finds_the_keyframe_at_or_before_a_tick() {
    let rec = record(4, 5, 1000, 1, None);
    let index = ReplayIndex::build(&rec.bytes).unwrap();
    assert_eq!(index.keyframes, [Tick(0), Tick(300), Tick(600), Tick(900)]);
    assert_eq!((index.ticks, index.hashes, index.players), (1000, 17, 4));
    assert!(index.complete && index.stop.is_none());
    assert_eq!(index.valid_len, rec.bytes.len());
    assert_eq!(index.duration_ms(), 16_666);
    for (tick, want) in [(0, 0), (299, 0), (300, 300), (899, 600), (5000, 900)] {
        assert_eq!(index.keyframe_at_or_before(Tick(tick)), Some(Tick(want)));
    }
}
