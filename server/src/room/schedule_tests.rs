//! The room core's clock and lifecycle with virtual time: catch-up and skips,
//! finishing, input buffering, the send schedule.

use super::Control;
use super::JoinAuth;
use super::RoomState;
use super::core::TickReport;
use super::core_tests::{DT_NS, Room, config, world};
use super::players::{ConnId, Welcomed};
use crate::metrics::FinishReason;
use std::time::Duration;
use tickcast_shared::protocol::PlayerId;
use tickcast_shared::protocol::{InputSeq, Tick};
use tickcast_shared::sim::{Buttons, PlayerInput};

#[test]
fn a_late_tick_catches_up_a_bounded_number_of_steps_and_skips_the_rest() {
    let mut room = Room::new(config(4));
    assert_eq!(room.tick_at(0), TickReport::default(), "nothing due yet");
    assert_eq!(
        room.tick_at(1),
        TickReport {
            steps: 1,
            skipped: 0
        }
    );
    assert_eq!(
        room.tick_at(21),
        TickReport {
            steps: 5,
            skipped: 15
        }
    );
    assert_eq!(world(&room.core).tick(), Tick(6));
    assert_eq!(room.metrics.ticks_skipped.get(), 15);
    let next = room.t0 + Duration::from_nanos(DT_NS * 22);
    assert_eq!(room.core.next_deadline(), next);
    assert_eq!(
        room.tick_at(22),
        TickReport {
            steps: 1,
            skipped: 0
        }
    );
}

#[test]
fn an_empty_room_with_a_reserved_seat_does_not_finish_and_a_finishing_one_takes_no_ticket() {
    let mut room = Room::new(config(4));
    assert!(room.status.reserve_seat(), "a ticket is out");
    room.tick_at(60 * 31);
    assert_eq!(room.core.finished(), None);
    room.status.release_seat(); // the ticket expired
    room.tick_at(60 * 32);
    room.tick_at(60 * 61);
    assert_eq!(room.core.finished(), None, "30 s empty not reached yet");
    room.tick_at(60 * 62 + 1);
    assert_eq!(room.core.finished(), Some(FinishReason::Empty));
    assert_eq!(room.status.state(), RoomState::Finished);
    assert!(!room.status.reserve_seat(), "no ticket for a finished room");
    let request = room.request("late", JoinAuth::Seat { sub: None });
    assert!(matches!(room.answer(request), Some(Err(_))));
    assert_eq!(
        room.step(),
        TickReport::default(),
        "a finished room does not step"
    );
}

#[test]
fn inputs_are_buffered_one_per_step_and_late_duplicate_or_flooding_ones_dropped() {
    let mut room = Room::new(config(4));
    let w = room.join("ada");
    for seq in 1..=6 {
        room.input(&w, seq);
    }
    assert_eq!(room.metrics.inputs_dropped.get(), 2, "buffer holds 4");
    room.step();
    room.step();
    let consumed: Vec<usize> = room.fx.steps.iter().map(|s| s.inputs.len()).collect();
    assert_eq!(
        consumed,
        vec![0, 1, 1],
        "join step, then one input per step"
    );
    room.input(&w, 1);
    assert_eq!(
        room.metrics.inputs_dropped.get(),
        3,
        "already consumed: late"
    );
    room.input(&w, 9);
    room.input(&w, 9);
    assert_eq!(room.metrics.inputs_dropped.get(), 4, "duplicate");
}

#[test]
fn snapshots_go_out_every_send_tick_and_spectators_get_frames_when_they_want() {
    let mut room = Room::new(config(4));
    let a = room.join("a");
    let b = room.join("b");
    room.fx.snapshots.clear();
    room.tick_at(3);
    let sent: Vec<ConnId> = room.fx.snapshots.iter().map(|(c, _)| *c).collect();
    assert_eq!(sent, vec![a.conn, b.conn]);
    assert_eq!(room.metrics.keyframes_sent.get(), 2);
    room.tick_at(5);
    assert_eq!(room.fx.snapshots.len(), 2, "no send on ticks 4 and 5");
    room.fx.spectate = true;
    room.tick_at(6);
    assert_eq!(room.fx.spectator_frames, vec![Tick(6)]);
    let names: Vec<(PlayerId, &str)> = room.fx.rosters[0]
        .iter()
        .map(|p| (p.player, p.name.as_str()))
        .collect();
    assert_eq!(
        names,
        vec![(a.player, "a"), (b.player, "b")],
        "the frame names who is in the room"
    );
    assert_eq!(room.metrics.snapshots_sent.get(), 4);
}

#[test]
fn shutdown_closes_every_connection_with_1001() {
    let mut room = Room::new(config(4));
    let a = room.join("a");
    room.core.finish(FinishReason::Shutdown, &mut room.fx);
    let close = room.fx.controls.iter().find_map(|(c, ctl)| match ctl {
        Control::Close(code, reason) if *c == a.conn => Some((*code, reason.clone())),
        _ => None,
    });
    assert_eq!(close, Some((1001, "server shutting down".to_owned())));
    assert_eq!(room.metrics.players.get(), 0);
    assert_eq!(room.status.state(), RoomState::Finished);
}

/// A room with `ada` seated who ran right and held fire for 12 ticks (inputs 1..=12):
/// her cooldown is over, so input 13 holding fire would shoot.
fn running_and_firing() -> (Room, Welcomed, PlayerInput) {
    let mut room = Room::new(config(4));
    let w = room.join("ada");
    let input = PlayerInput {
        buttons: Buttons(Buttons::RIGHT | Buttons::FIRE),
        aim: 0.5,
    };
    for seq in 1..=12 {
        room.input_of(&w, seq, input);
        room.step();
    }
    (room, w, input)
}

#[test]
fn a_starved_tick_repeats_the_last_input_without_fire_and_the_late_input_is_dropped() {
    // The control: input 13 on time shoots.
    let (mut control, w, input) = running_and_firing();
    let shots = world(&control.core).projectile_count();
    control.input_of(&w, 13, input);
    control.step();
    assert_eq!(world(&control.core).projectile_count(), shots + 1);

    let (mut room, w, input) = running_and_firing();
    let view = |room: &Room| world(&room.core).player(w.player).expect("seated");
    let before = view(&room).body.pos.x;
    // No input 13 in time: the tick repeats input 12 with fire released.
    room.step();
    let repeated = PlayerInput {
        buttons: Buttons(Buttons::RIGHT),
        aim: 0.5,
    };
    let stepped = room.fx.steps.last().map(|s| s.inputs.clone());
    assert_eq!(
        stepped,
        Some(vec![(w.player, repeated)]),
        "recorded as applied"
    );
    assert_eq!(room.metrics.inputs_repeated.get(), 1);
    assert!(view(&room).body.pos.x > before, "the player kept moving");
    assert_eq!(
        world(&room.core).projectile_count(),
        shots,
        "no shot from a repeat"
    );
    let consumed = room
        .core
        .players()
        .players
        .get(&w.player)
        .map(|p| p.inputs.last_consumed());
    assert_eq!(
        consumed,
        Some(InputSeq(13)),
        "the stand-in took input 13's place"
    );
    // Input 13 arrives late and is dropped; input 14 is applied at its own tick.
    let dropped = room.metrics.inputs_dropped.get();
    room.input_of(&w, 13, input);
    assert_eq!(room.metrics.inputs_dropped.get(), dropped + 1);
    room.input_of(&w, 14, input);
    room.step();
    let stepped = room.fx.steps.last().map(|s| s.inputs.clone());
    assert_eq!(stepped, Some(vec![(w.player, input)]));
    assert_eq!(world(&room.core).projectile_count(), shots + 1, "14 shoots");
    assert_eq!(room.metrics.inputs_repeated.get(), 1);
}

#[test]
fn a_stamped_shot_gets_its_rewind_clamped_to_max_rewind_and_an_unstamped_one_none() {
    // config(): 15 ticks of rewind at most (250 ms at 60 Hz).
    let mut room = Room::new(config(4));
    let w = room.join("ada");
    for _ in 0..40 {
        room.step();
    }
    let fire = PlayerInput {
        buttons: Buttons(Buttons::FIRE),
        aim: 0.5,
    };
    let walk = PlayerInput {
        buttons: Buttons(Buttons::RIGHT),
        aim: 0.5,
    };
    let tick = world(&room.core).tick().0;
    // Applied at tick + 1: seen 10 ticks before that, then 600 ms (36 ticks) before.
    room.input_seen(&w, 13, fire, Some(Tick(tick + 1 - 10)));
    room.input_seen(&w, 14, fire, Some(Tick(tick + 2 - 36)));
    room.input_seen(&w, 15, walk, Some(Tick(tick + 3 - 10)));
    room.input_seen(&w, 16, fire, None);
    let mut rewinds = Vec::new();
    for _ in 0..4 {
        room.step();
        rewinds.push(room.fx.steps.last().map(|s| s.rewinds.clone()));
    }
    let p = w.player;
    assert_eq!(
        rewinds,
        vec![
            Some(vec![(p, 10)]),
            Some(vec![(p, 15)]),
            Some(vec![]),
            Some(vec![])
        ],
        "10 ticks; 600 ms clamped to 250; no fire: nothing to rewind; unstamped: live"
    );
}
