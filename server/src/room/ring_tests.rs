//! What the snapshot ring keeps: every snapshot a connected player may still take
//! as its baseline, and no more (acknowledgements only move forward; a player that
//! acknowledged nothing may acknowledge what its connection was sent).

use super::core::Command;
use super::core_tests::{Room, config};
use super::players::Welcomed;
use tickcast_shared::protocol::Tick;

/// Step until `n` more send ticks went out; the tick of the newest snapshot sent.
fn send_ticks(room: &mut Room, n: usize) -> Tick {
    let before = room.fx.snapshots.len();
    let mut sends = 0;
    while sends < n {
        let sent = room.fx.snapshots.len();
        room.step();
        sends += usize::from(room.fx.snapshots.len() > sent);
    }
    assert!(room.fx.snapshots.len() > before);
    room.fx.snapshots.last().map(|(_, f)| f.tick()).unwrap()
}

/// The client of `w` has the snapshot of `tick` (a write on a reliable transport,
/// or an ack).
fn delivered(room: &mut Room, w: &Welcomed, tick: Tick) {
    room.handle(Command::Delivered {
        player: w.player,
        conn: w.conn,
        tick,
    });
}

#[test]
fn the_ring_keeps_only_what_connected_players_may_still_take_as_baselines() {
    let mut room = Room::new(config(4));
    let ada = room.join("ada");
    let first = send_ticks(&mut room, 1);
    send_ticks(&mut room, 9);
    assert_eq!(room.core.ring_len(), 10, "nothing acknowledged: all kept");
    // An ack of the first snapshot, as a datagram client's: still a baseline.
    delivered(&mut room, &ada, first);
    send_ticks(&mut room, 1);
    assert_eq!(room.last_baseline(ada.conn), Some(Some(first)));
    let newest = send_ticks(&mut room, 1);
    delivered(&mut room, &ada, newest);
    send_ticks(&mut room, 1);
    assert_eq!(room.last_baseline(ada.conn), Some(Some(newest)));
    assert_eq!(
        room.core.ring_len(),
        2,
        "the baseline and the snapshot sent"
    );

    // A new player has acknowledged nothing: whatever it was sent may become its
    // baseline, so the ring keeps it all, from its first snapshot on.
    let bob = room.join("bob");
    let bobs_first = send_ticks(&mut room, 1);
    let newest = send_ticks(&mut room, 3);
    delivered(&mut room, &ada, newest);
    send_ticks(&mut room, 1);
    assert_eq!(
        room.core.ring_len(),
        5,
        "bob's first, three more, the newest"
    );
    delivered(&mut room, &bob, bobs_first);
    send_ticks(&mut room, 1);
    assert_eq!(room.last_baseline(bob.conn), Some(Some(bobs_first)));

    // A dropped player does not hold the ring (a resume starts from a keyframe).
    room.handle(Command::Disconnect {
        player: bob.player,
        conn: bob.conn,
    });
    let newest = send_ticks(&mut room, 1);
    delivered(&mut room, &ada, newest);
    send_ticks(&mut room, 1);
    assert_eq!(room.core.ring_len(), 2);
    assert_eq!(room.last_baseline(ada.conn), Some(Some(newest)));
}
