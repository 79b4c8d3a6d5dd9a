//! What the writer writes, the reader reads back exactly.

use super::{arena_schema, header, record};
use crate::protocol::{PlayerId, Tick};
use crate::replay::{
    MAX_ENTRIES_PER_TICK, Record, ReplayIndex, ReplayReader, ReplayWriter, TickCommands, TickItem,
    WriteError,
};
use crate::sim::{Buttons, PlayerInput};
use crate::sim::{TickInput, legacy};
use proptest::prelude::*;

/// A tick input as the recorded commands: exact values (an aim's float bits, so
/// NaNs and ±0 are told apart).
type Key = TickCommands;

fn key(t: &TickInput) -> Key {
    legacy::commands(t)
}

/// Every recorded tick input of a replay, in order (empty runs expanded).
fn read_inputs(bytes: &[u8]) -> Vec<Key> {
    let mut reader = ReplayReader::open(bytes).unwrap();
    let mut out = Vec::new();
    for record in reader.by_ref() {
        if let Record::Ticks { first, items } = record {
            assert_eq!(first.0 as usize, out.len());
            for item in items {
                match item {
                    TickItem::Empty(n) => out.extend((0..n).map(|_| TickCommands::default())),
                    TickItem::Input(t) => out.push(t),
                }
            }
        }
    }
    assert_eq!(reader.stop(), None);
    out
}

fn arb_input() -> impl Strategy<Value = PlayerInput> {
    // Mostly a few values (so inputs repeat, as they do), sometimes any bits at all.
    let aim = prop_oneof![
        3 => prop::sample::select(vec![0.0f32, 1.0, -2.5]),
        1 => any::<u32>().prop_map(f32::from_bits),
    ];
    (prop_oneof![3 => Just(0u8), 1 => any::<u8>()], aim).prop_map(|(b, aim)| PlayerInput {
        buttons: Buttons(b),
        aim,
    })
}

fn arb_tick() -> impl Strategy<Value = TickInput> {
    let ids = || prop::collection::vec(prop_oneof![4 => 0u32..6, 1 => any::<u32>()], 0..4);
    let inputs = prop::collection::vec((0u32..8, arb_input()), 0..8);
    let rewinds = prop::collection::vec(
        (0u32..8, prop_oneof![3 => 1u32..20, 1 => any::<u32>()]),
        0..3,
    );
    prop_oneof![
        2 => Just(TickInput::default()),
        // A steady roster sending inputs in id order (the common case).
        3 => prop::collection::vec(arb_input(), 4).prop_map(|v| TickInput {
            inputs: v.into_iter().enumerate().map(|(i, x)| (PlayerId(i as u32), x)).collect(),
            ..TickInput::default()
        }),
        1 => (ids(), ids(), inputs, rewinds).prop_map(|(j, l, i, r)| TickInput {
            joins: j.into_iter().map(PlayerId).collect(),
            leaves: l.into_iter().map(PlayerId).collect(),
            inputs: i.into_iter().map(|(p, x)| (PlayerId(p), x)).collect(),
            rewinds: r.into_iter().map(|(p, back)| (PlayerId(p), back)).collect(),
        }),
    ]
}

proptest! {
    #[test]
    fn any_tick_inputs_read_back_exactly(
        ticks in prop::collection::vec((arb_tick(), any::<u8>()), 0..300),
    ) {
        let mut w = ReplayWriter::new(&header(0, 1), arena_schema());
        let mut bytes = Vec::new();
        for (t, action) in &ticks {
            w.push_tick(&key(t)).unwrap();
            match action % 8 {
                0 => w.push_hash(w.tick(), u64::from(*action)).unwrap(),
                1 => w.flush(),
                _ => {}
            }
            if action % 3 == 0 {
                bytes.extend(w.take_bytes());
            }
        }
        w.end().unwrap();
        bytes.extend(w.take_bytes());
        let want: Vec<Key> = ticks.iter().map(|(t, _)| key(t)).collect();
        prop_assert_eq!(read_inputs(&bytes), want);
        let index = ReplayIndex::build(&bytes).unwrap();
        prop_assert!(index.complete);
        prop_assert_eq!(index.ticks as usize, ticks.len());
    }
}

#[test]
fn a_recorded_match_reads_back_with_header_hashes_and_keyframes() {
    let rec = record(6, 10, 1200, 7, None);
    let want: Vec<Key> = rec.inputs.iter().map(key).collect();
    assert_eq!(read_inputs(&rec.bytes), want);

    let mut reader = ReplayReader::open(&rec.bytes).unwrap();
    assert_eq!(reader.header(), &header(10, 7));
    let (mut hashes, mut keyframes, mut ends) = (0, Vec::new(), 0);
    let (mut checkpoints, mut players) = (Vec::new(), Vec::new());
    for record in reader.by_ref() {
        match record {
            Record::Hash { tick, hash } => {
                assert_eq!(hash, rec.hashes[tick.0 as usize]);
                hashes += 1;
            }
            Record::Keyframe { tick, .. } => keyframes.push(tick.0),
            Record::End { tick } => {
                assert_eq!(tick, Tick(1200));
                ends += 1;
            }
            Record::Checkpoint { tick, .. } => checkpoints.push(tick.0),
            Record::Player { info, .. } => players.push(info),
            Record::Ticks { .. } => {}
            Record::Gap(gap) => panic!("an undamaged file has no gap: {gap}"),
        }
    }
    assert!(reader.is_complete() && reader.stop().is_none());
    assert_eq!((hashes, ends), (21, 1)); // ticks 0, 60, ..., 1200
    assert_eq!(keyframes, [0, 300, 600, 900, 1200]);
    assert_eq!(checkpoints, [0, 300, 600, 900, 1200]);
    // Players 0..6 join at 7 p, player 2 again at 1800 (after this recording).
    let names: Vec<(u32, &str, Option<&str>)> = players
        .iter()
        .map(|p| (p.player.0, p.name.as_str(), p.sub.as_deref()))
        .collect();
    assert_eq!(names.len(), 6);
    assert_eq!(names[1], (1, "human 1", None));
    assert_eq!(names[2], (2, "human 2", Some("user-2")));
}

#[test]
fn every_chunk_the_writer_hands_out_ends_on_a_record_boundary() {
    let mut w = ReplayWriter::new(&header(0, 3), arena_schema());
    let mut file = w.take_bytes();
    let input = TickCommands {
        joins: vec![PlayerId(1)],
        ..TickCommands::default()
    };
    let empty = TickCommands::default();
    for t in 0..500u32 {
        w.push_tick(if t == 0 { &input } else { &empty }).unwrap();
        if t % 7 == 0 {
            w.flush();
            file.extend(w.take_bytes());
            let index = ReplayIndex::build(&file).unwrap();
            assert_eq!(
                (index.stop, index.ticks, index.complete),
                (None, t + 1, false)
            );
            assert_eq!(index.players, 1);
        }
    }
}

#[test]
fn the_writer_refuses_bad_records_and_stays_usable() {
    let mut w = ReplayWriter::new(&header(0, 3), arena_schema());
    w.push_tick(&TickCommands::default()).unwrap();
    assert_eq!(
        w.push_hash(Tick(0), 1),
        Err(WriteError::TickMismatch {
            expected: 1,
            got: 0
        })
    );
    let huge = TickCommands {
        joins: (0..=MAX_ENTRIES_PER_TICK as u32).map(PlayerId).collect(),
        ..TickCommands::default()
    };
    assert_eq!(w.push_tick(&huge), Err(WriteError::TooLarge));
    assert_eq!(w.tick(), Tick(1));
    w.push_hash(Tick(1), 9).unwrap();
    w.end().unwrap();
    assert_eq!(
        w.push_tick(&TickCommands::default()),
        Err(WriteError::Ended)
    );
    assert_eq!(w.end(), Err(WriteError::Ended));
    let bytes = w.take_bytes();
    let records: Vec<Record> = ReplayReader::open(&bytes).unwrap().collect();
    assert_eq!(
        records,
        [
            Record::Ticks {
                first: Tick(0),
                items: vec![TickItem::Empty(1)]
            },
            Record::Hash {
                tick: Tick(1),
                hash: 9
            },
            Record::End { tick: Tick(1) },
        ]
    );
}
