//! The operator's commands on the room core, with virtual time: listing the seated
//! players, and kicking one (its connection closes, its seat and entity go, it
//! cannot resume).

use super::JoinAuth;
use super::core_tests::{Room, config, world};
use super::players::SessionInfo;
use super::{Control, RoomState};
use tickcast_shared::protocol::{ErrorCode, PlayerId};
use tickcast_shared::quic::close;

#[test]
fn sessions_list_the_seated_players_and_their_connections() {
    let mut room = Room::new(config(4));
    assert!(room.core.players().sessions().is_empty());
    let a = room.join("ada");
    let b = room.join("bob");
    room.handle(super::core::Command::Disconnect {
        player: b.player,
        conn: b.conn,
    });
    let list = room.core.players().sessions();
    assert_eq!(list.len(), 2, "{list:?}");
    let find = |id: PlayerId| list.iter().find(|s| s.player == id).cloned();
    let ada: SessionInfo = find(a.player).unwrap();
    assert_eq!(ada.name, "ada");
    assert_eq!(ada.conn, Some(a.conn));
    assert!(ada.connected);
    assert_eq!(ada.entity, Some(a.entity));
    let bob = find(b.player).unwrap();
    assert_eq!((bob.conn, bob.connected), (None, false), "held for resume");
}

#[test]
fn a_kick_closes_the_connection_frees_the_seat_and_refuses_resume() {
    let mut room = Room::new(config(4));
    let a = room.join("ada");
    let b = room.join("bob");
    assert_eq!(room.status.players(), 2);
    assert!(room.core.kick(a.player, &mut room.fx));
    let closes: Vec<_> = room
        .fx
        .controls
        .iter()
        .filter_map(|(c, ctl)| match ctl {
            Control::Close(code, reason) => Some((*c, *code, reason.clone())),
            Control::Frame(_) => None,
        })
        .collect();
    assert_eq!(closes.len(), 1, "{closes:?}");
    assert_eq!((closes[0].0, closes[0].1), (a.conn, close::KICKED));
    assert!(closes[0].2.contains("kicked"), "{closes:?}");
    assert!(room.fx.released.contains(&a.conn));
    assert_eq!(room.status.players(), 1);
    assert_eq!(room.metrics.players.get(), 1);
    // The next step takes the entity out of the world.
    room.step();
    assert_eq!(
        room.fx.steps.last().map(|s| s.leaves.clone()),
        Some(vec![a.player])
    );
    assert_eq!(world(&room.core).player_entity(a.player), None);
    // Kicked is gone: its token does not resume, a second kick finds no one.
    let token = Room::token(&a);
    let request = room.request("ada", JoinAuth::Resume(token));
    match room.answer(request) {
        Some(Err(refused)) => assert_eq!(refused.code, ErrorCode::BadResumeToken),
        other => panic!("resumed a kicked player: {other:?}"),
    }
    assert!(!room.core.kick(a.player, &mut room.fx));
    assert!(!room.core.kick(PlayerId(999), &mut room.fx));
    // The other player is untouched.
    assert_eq!(room.core.players().sessions().len(), 1);
    assert_eq!(room.core.players().sessions()[0].player, b.player);
}

#[test]
fn a_kick_before_the_welcome_refuses_the_join_and_the_seat_comes_back() {
    let mut room = Room::new(config(1));
    assert!(room.status.reserve_seat());
    let request = room.request("early", JoinAuth::Seat { sub: None });
    let id = room.core.players().sessions()[0].player;
    assert!(room.core.kick(id, &mut room.fx));
    match room.answer(request) {
        Some(Err(refused)) => assert!(refused.reason.contains("kicked"), "{refused:?}"),
        other => panic!("not refused: {other:?}"),
    }
    room.step();
    assert!(room.answer(request).is_none(), "answered once");
    assert_eq!(room.status.players(), 0);
    assert_eq!(room.status.seats(), 0, "the seat was given back");
    // A full room (max 1) takes the next player.
    let w = room.join("next");
    assert_eq!(room.core.players().sessions()[0].player, w.player);
    assert_eq!(room.status.state(), RoomState::Running);
}
