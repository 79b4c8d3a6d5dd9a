//! QUIC against the real server: the client library plays over QUIC and sees the
//! same world as a WebSocket player, the bots binary runs with `--transport quic`,
//! hostile raw QUIC peers are closed with the right codes while another player and
//! the server go on, and a resume token brings the same player back over QUIC.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::sync::Arc;
use tickcast_client::{Client, ClientConfig, ClientError, RoomId, Target, Transport, Update};
use tickcast_shared::protocol::{ErrorCode, HelloAuth, PROTOCOL_VERSION, ServerMsg};
use tickcast_shared::quic::{close, frame, len_prefix};
use tickcast_shared::sim::{Buttons, GameEvent, PlayerInput};
use tickcast_shared::sim::{EntityKind, Snapshot};
use tickcast_tests::http;
use tickcast_tests::player::{CloseInfo, WAIT, create_room};
use tickcast_tests::quic_player::{QuicPeer, quic_seat};
use tickcast_tests::server::{TestServer, bots_report};

fn quic() -> ClientConfig {
    ClientConfig {
        transport: Transport::Quic,
        ..ClientConfig::default()
    }
}

/// The next applied snapshot (acknowledged with an idle input).
async fn next_snapshot(client: &mut Client) -> Arc<Snapshot> {
    tokio::time::timeout(WAIT, async {
        loop {
            if let Update::Snapshot { .. } = client.next_update().await.unwrap() {
                client.send_input(PlayerInput::default()).await.unwrap();
                return client.world_shared().unwrap();
            }
        }
    })
    .await
    .expect("a snapshot within the wait")
}

#[tokio::test]
async fn the_library_plays_over_quic_and_sees_what_a_websocket_player_sees() {
    let s = TestServer::start(&[]).await;
    let room = RoomId(create_room(s.addr, r#"{"drones":20}"#).await);
    let mut q = Client::join(&s.url, &room, "quic", &quic()).await.unwrap();
    assert_eq!(q.transport(), Transport::Quic);
    assert!(
        matches!(q.target(), Target::Quic { .. }),
        "{:?}",
        q.target()
    );
    let mut ws = Client::join(&s.url, &room, "ws", &ClientConfig::default())
        .await
        .unwrap();
    assert_eq!(ws.transport(), Transport::WebSocket);

    let right = PlayerInput {
        buttons: Buttons(Buttons::RIGHT),
        aim: 0.0,
    };
    let mut first_kind = None;
    let mut first_world: Option<Arc<Snapshot>> = None;
    let (mut quic_snapshots, mut matched) = (0, 0);
    // Worlds by tick, waiting for the other transport's view of the same tick.
    let mut from_ws: BTreeMap<u32, Arc<Snapshot>> = BTreeMap::new();
    let mut from_quic: BTreeMap<u32, Arc<Snapshot>> = BTreeMap::new();
    tokio::time::timeout(WAIT, async {
        while quic_snapshots < 40 || matched < 10 {
            tokio::select! {
                update = q.next_update() => {
                    if let Update::Snapshot { tick, keyframe } = update.unwrap() {
                        first_kind.get_or_insert(keyframe);
                        quic_snapshots += 1;
                        let world = q.world_shared().unwrap();
                        first_world.get_or_insert_with(|| world.clone());
                        match from_ws.remove(&tick.0) {
                            Some(w) => {
                                assert_eq!(*w, *world, "tick {}", tick.0);
                                matched += 1;
                            }
                            None => {
                                from_quic.insert(tick.0, world);
                            }
                        }
                        // Moving, and acknowledging the snapshot.
                        q.send_input(right).await.unwrap();
                    }
                }
                update = ws.next_update() => {
                    if let Update::Snapshot { tick, .. } = update.unwrap() {
                        let world = ws.world_shared().unwrap();
                        match from_quic.remove(&tick.0) {
                            Some(w) => {
                                assert_eq!(*w, *world, "tick {}", tick.0);
                                matched += 1;
                            }
                            None => {
                                from_ws.insert(tick.0, world);
                            }
                        }
                        ws.send_input(PlayerInput::default()).await.unwrap();
                    }
                }
            }
            while from_ws.len() > 64 {
                from_ws.pop_first();
            }
            while from_quic.len() > 64 {
                from_quic.pop_first();
            }
        }
    })
    .await
    .expect("40 QUIC snapshots, 10 of them compared with the WebSocket's");

    assert_eq!(first_kind, Some(true), "the first snapshot is a keyframe");
    let counts = q.view_counts();
    assert!(counts.keyframes >= 1 && counts.deltas > 0, "{counts:?}");
    assert!(q.bytes_received() > 0 && q.frames_received() > 40);
    let (first, last) = (first_world.unwrap(), q.world_shared().unwrap());
    assert_eq!(last.entities.len(), 22, "20 drones and 2 players");
    let drones_moved = first
        .entities
        .iter()
        .filter(|e| e.kind == EntityKind::Drone)
        .filter(|e| last.get(e.id).is_some_and(|l| l.pos() != e.pos()))
        .count();
    assert!(drones_moved > 0, "drones wander");
    let me = q.welcome().entity;
    let (x0, x1) = (first.get(me).unwrap().x, last.get(me).unwrap().x);
    assert!(x1 > x0, "the QUIC player walked right: {x0} -> {x1}");

    // Leave: the Leave goes out before the close, and the other player sees it.
    let player = q.welcome().player;
    q.leave().await.unwrap();
    tokio::time::timeout(WAIT, async {
        loop {
            if let Update::Events { events, .. } = ws.next_update().await.unwrap()
                && events
                    .iter()
                    .filter_map(tickcast_client::arena::event)
                    .any(|e| e == GameEvent::Left { player })
            {
                return;
            }
        }
    })
    .await
    .expect("the WebSocket player sees the QUIC player leave");
    let (_, info) = http::get(s.addr, &format!("/api/rooms/{room}")).await;
    assert_eq!(info["players"], 1, "{info}");
    ws.leave().await.unwrap();
}

#[tokio::test]
async fn quic_asked_of_a_server_without_it_is_a_typed_error() {
    let s = TestServer::start(&["--no-quic"]).await;
    let room = create_room(s.addr, "{}").await;
    let (status, seat) = http::post(
        s.addr,
        &format!("/api/rooms/{room}/join"),
        r#"{"name":"x"}"#,
    )
    .await;
    assert_eq!(status, 200);
    assert!(seat.get("quic").is_none(), "{seat}");
    let err = Client::join(&s.url, &RoomId(room.clone()), "q", &quic())
        .await
        .unwrap_err();
    assert!(matches!(err, ClientError::NoQuic), "{err}");
}

#[tokio::test]
async fn the_bots_binary_plays_over_quic() {
    let s = TestServer::start(&[]).await;
    let args = ["--count", "3", "--duration", "2s", "--transport", "quic"];
    let report = bots_report(&s.url, &args).await;
    assert_eq!(report["transport"], "quic", "{report}");
    assert_eq!(report["bots"], 3, "{report}");
    assert_eq!(report["connected"], 3, "{report}");
    assert_eq!(report["disconnects"], 0, "{report}");
    assert_eq!(report["decode_errors"], 0, "{report}");
    let snapshots = report["snapshots"].as_u64().unwrap();
    assert!(snapshots > 0, "{report}");
    let applied = report["keyframes"].as_u64().unwrap() + report["deltas"].as_u64().unwrap();
    assert_eq!(applied, snapshots, "{report}");
    assert!(report["deltas"].as_u64().unwrap() > 0, "{report}");
    assert!(report["bytes_per_bot_per_sec"].as_f64().unwrap() > 0.0);
    assert!(report["rtt_ms_p50"].as_f64().is_some(), "pongs: {report}");
}

/// The hostile cases, each on its own fresh connection.
#[derive(Debug, Clone, Copy)]
enum Hostile {
    TooBigFirst,
    TooBigAfterJoin,
    GarbageFirst,
    GarbageAfterJoin,
    UnknownTicket,
    UnknownResumeToken,
    WrongVersion,
}

/// Run one hostile case; returns how the server closed the connection and the
/// control messages it sent before.
async fn hostile(
    addr: std::net::SocketAddr,
    room: &str,
    case: Hostile,
) -> (CloseInfo, Vec<ServerMsg>) {
    let seat = quic_seat(addr, room, "hostile").await;
    let mut peer = match case {
        Hostile::TooBigFirst | Hostile::GarbageFirst => QuicPeer::dial(addr, &seat).await,
        Hostile::TooBigAfterJoin | Hostile::GarbageAfterJoin => {
            QuicPeer::join(addr, &seat, "hostile").await.0
        }
        Hostile::UnknownTicket => {
            let auth = HelloAuth::Ticket("deadbeef".into());
            QuicPeer::hello(addr, &seat, PROTOCOL_VERSION, auth, "h").await
        }
        Hostile::UnknownResumeToken => {
            let auth = HelloAuth::Resume("999.nope".into());
            QuicPeer::hello(addr, &seat, PROTOCOL_VERSION, auth, "h").await
        }
        Hostile::WrongVersion => {
            let auth = HelloAuth::Ticket(seat.ticket.clone());
            QuicPeer::hello(addr, &seat, 999, auth, "h").await
        }
    };
    match case {
        // Only a prefix announcing 1 MiB (the server's limit is 4096 bytes): the
        // server must refuse it without waiting for the body.
        Hostile::TooBigFirst | Hostile::TooBigAfterJoin => {
            peer.send_bytes(&len_prefix(1 << 20)).await;
        }
        Hostile::GarbageFirst => peer.send_bytes(&frame(&[0xff, 0x13, 0x37])).await,
        Hostile::GarbageAfterJoin => peer.send_bytes(&frame(&[7u8; 100])).await,
        _ => {}
    }
    peer.expect_close().await
}

#[tokio::test]
async fn hostile_quic_peers_are_closed_while_the_room_and_the_server_go_on() {
    // Dropped players are held for a resume for longer than this test runs.
    let s = TestServer::start(&["--resume-grace-secs", "300"]).await;
    let room = create_room(s.addr, r#"{"drones":20}"#).await;
    let mut good = Client::join(&s.url, &RoomId(room.clone()), "good", &quic())
        .await
        .unwrap();
    next_snapshot(&mut good).await;

    let cases = [
        (Hostile::TooBigFirst, close::TOO_BIG),
        (Hostile::TooBigAfterJoin, close::TOO_BIG),
        (Hostile::GarbageFirst, close::POLICY),
        (Hostile::GarbageAfterJoin, close::POLICY),
        (Hostile::UnknownTicket, close::UNAUTHORIZED),
        (Hostile::UnknownResumeToken, close::UNAUTHORIZED),
        (Hostile::WrongVersion, close::PROTOCOL),
    ];
    for (case, code) in cases {
        // The good player keeps reading (and acknowledging) while the case runs.
        let run = hostile(s.addr, &room, case);
        tokio::pin!(run);
        let (closed, seen) = loop {
            tokio::select! {
                result = &mut run => break result,
                update = good.next_update() => {
                    if let Update::Snapshot { .. } = update.unwrap() {
                        good.send_input(PlayerInput::default()).await.unwrap();
                    }
                }
            }
        };
        assert_eq!(closed.code, code, "{case:?}: {closed:?} after {seen:?}");
        if let Hostile::WrongVersion = case {
            match seen.as_slice() {
                [ServerMsg::Error { code, reason }] => {
                    assert_eq!(*code, ErrorCode::VersionMismatch);
                    let ours = PROTOCOL_VERSION.to_string();
                    assert!(reason.contains("999") && reason.contains(&ours), "{reason}");
                }
                other => panic!("expected one Error before the close, got {other:?}"),
            }
        }
        // Afterwards the good player still gets snapshots, newer ones, and the server
        // still answers.
        let before = good.world().unwrap().tick;
        for _ in 0..3 {
            next_snapshot(&mut good).await;
        }
        assert!(good.world().unwrap().tick > before, "{case:?}");
        let (status, body) = http::get_text(s.addr, "/healthz").await;
        assert_eq!(status, 200, "{case:?}: {body}");
    }
    // The good player, and the two that joined before their bad frame (held for a
    // resume like any dropped player); no refused Hello took a seat.
    let (_, info) = http::get(s.addr, &format!("/api/rooms/{room}")).await;
    assert_eq!(info["players"], 3, "{info}");
    good.leave().await.unwrap();
}

#[tokio::test]
async fn a_resume_token_brings_the_same_player_back_over_quic() {
    let s = TestServer::start(&[]).await;
    let room = create_room(s.addr, r#"{"drones":4}"#).await;
    let config = quic();
    let mut first = Client::join(&s.url, &RoomId(room.clone()), "phoenix", &config)
        .await
        .unwrap();
    next_snapshot(&mut first).await;
    next_snapshot(&mut first).await;
    let welcome = first.welcome().clone();
    let target = first.target().clone();
    first.disconnect().await;

    let mut back = Client::resume(&target, &welcome.resume_token, "phoenix", &config)
        .await
        .unwrap();
    assert_eq!(back.transport(), Transport::Quic);
    assert_eq!(
        (back.welcome().player, back.welcome().entity),
        (welcome.player, welcome.entity)
    );
    assert_eq!(back.welcome().resume_token, welcome.resume_token);
    let world = next_snapshot(&mut back).await;
    assert!(world.get(welcome.entity).is_some(), "own entity is back");
    assert!(
        back.view_counts().keyframes >= 1,
        "a resumed player starts from a keyframe"
    );
    let (_, info) = http::get(s.addr, &format!("/api/rooms/{room}")).await;
    assert_eq!(info["players"], 1, "no second player was created: {info}");

    // A resume token is no seat ticket.
    let seat = quic_seat(s.addr, &room, "x").await;
    let auth = HelloAuth::Ticket(welcome.resume_token.clone());
    let mut peer = QuicPeer::hello(s.addr, &seat, PROTOCOL_VERSION, auth, "x").await;
    assert_eq!(peer.expect_close().await.0.code, close::UNAUTHORIZED);
    back.leave().await.unwrap();
}
