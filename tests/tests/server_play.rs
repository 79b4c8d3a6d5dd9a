//! Playing on the real binary: a full join with deltas against acknowledged
//! baselines, inputs moving the player, a stalled reader not delaying the room, and
//! resume after a dropped connection.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use tickcast_shared::protocol::{HelloAuth, NetId};
use tickcast_shared::sim::{Buttons, PlayerInput};
use tickcast_tests::http::get;
use tickcast_tests::player::{Player, create_room, open, ticket};
use tickcast_tests::server::TestServer;

#[tokio::test]
async fn a_player_joins_gets_deltas_and_moves() {
    let s = TestServer::start(&[]).await;
    let room = create_room(s.addr, r#"{"drones":50}"#).await;
    let mut p = Player::join(s.addr, &room, "mover").await;
    assert!(p.entity > 0);
    let first = p.next_snapshot().await;
    let me = *first
        .get(NetId(p.entity))
        .expect("own entity in the first snapshot");
    assert_eq!(first.entities.len(), 51, "50 drones and the player");
    assert_eq!(p.keyframes, 1);

    // Hold RIGHT for a while; every snapshot after the first is a delta.
    let right = PlayerInput {
        buttons: Buttons(Buttons::RIGHT),
        aim: 0.0,
    };
    let mut last = first.tick;
    let mut moved = None;
    for _ in 0..20 {
        for _ in 0..3 {
            p.send_input(right, Some(last)).await;
        }
        let snap = p.next_snapshot().await;
        last = snap.tick;
        moved = Some(*snap.get(NetId(p.entity)).unwrap());
    }
    let moved = moved.unwrap();
    assert_eq!(
        p.keyframes, 1,
        "deltas against acknowledged baselines after the first"
    );
    assert!(
        moved.x > me.x + 16 * 20,
        "player moved right: {} -> {}",
        me.x,
        moved.x
    );

    let (_, info) = get(s.addr, &format!("/api/rooms/{room}")).await;
    assert_eq!(info["players"], 1);
    assert_eq!(info["state"], "running");
}

#[tokio::test]
async fn a_stalled_reader_does_not_delay_the_room() {
    let s = TestServer::start(&[]).await;
    let room = create_room(s.addr, r#"{"drones":2000}"#).await;
    // The staller joins and then never reads again: the server's writes to it back
    // up in the socket buffers while its outbox keeps only the newest snapshot.
    let _staller = Player::join(s.addr, &room, "staller").await;
    let mut reader = Player::join(s.addr, &room, "reader").await;
    let mut last = reader.next_snapshot().await.tick.0;
    for _ in 0..100 {
        let tick = reader.next_snapshot().await.tick.0;
        assert_eq!(tick, last + 3, "the reader missed a snapshot");
        last = tick;
    }
}

/// The value of an unlabelled metric line `name value`.
/// The sum of every series of `name` (any labels) in a /metrics text.
fn metric(text: &str, name: &str) -> f64 {
    let values: Vec<f64> = text
        .lines()
        .filter_map(|l| {
            let rest = l.strip_prefix(name)?;
            let rest = match rest.strip_prefix('{') {
                Some(labelled) => labelled.split_once('}')?.1,
                None => rest,
            };
            rest.strip_prefix(' ')?.parse().ok()
        })
        .collect();
    assert!(!values.is_empty(), "no {name} in\n{text}");
    values.iter().sum()
}

#[tokio::test]
async fn the_server_measures_round_trips_and_counts_what_it_sends() {
    let dir = std::env::temp_dir().join(format!("tickcast-ping-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let config = dir.join("fast-ping.toml");
    std::fs::write(&config, "ping_interval_secs = 0.2\n").unwrap();
    let s = TestServer::start(&["--config", config.to_str().unwrap()]).await;
    let room = create_room(s.addr, "{}").await;
    let mut p = Player::join(s.addr, &room, "pinged").await;
    // Reading lets the client library answer the server's pings; 20 snapshots are
    // one second, five ping periods.
    for _ in 0..20 {
        p.next_snapshot().await;
    }
    let (status, text) = tickcast_tests::http::get_text(s.addr, "/metrics").await;
    assert_eq!(status, 200);
    assert!(metric(&text, "tickcast_rtt_seconds_count") >= 1.0, "{text}");
    assert!(
        text.contains("tickcast_rtt_seconds_bucket{le=\"+Inf\",transport=\"ws\"}")
            || text.contains("tickcast_rtt_seconds_bucket{transport=\"ws\",le=\"+Inf\"}"),
        "RTT is a histogram labelled by transport:\n{text}"
    );
    assert!(metric(&text, "tickcast_delivery_delay_seconds_count") >= 20.0);
    assert!(metric(&text, "tickcast_tick_duration_seconds_count") >= 1.0);
    assert_eq!(metric(&text, "tickcast_rooms_finished_total"), 0.0);
    assert!(metric(&text, "tickcast_snapshots_sent_total") >= 20.0);
    assert!(metric(&text, "tickcast_bytes_sent_total") > 0.0);
    assert_eq!(metric(&text, "tickcast_sessions"), 1.0);
    assert_eq!(metric(&text, "tickcast_players"), 1.0);
    std::fs::remove_dir_all(&dir).ok();
}

#[tokio::test]
async fn resume_after_a_drop_returns_the_same_player() {
    let s = TestServer::start(&[]).await;
    let room = create_room(s.addr, "{}").await;
    let mut p = Player::join(s.addr, &room, "phoenix").await;
    let (player, entity, token) = (p.player, p.entity, p.resume_token.clone());
    p.next_snapshot().await;
    p.next_snapshot().await;
    drop(p); // the TCP connection drops without a close handshake

    let ws = open(s.addr, &format!("/ws?resume={token}")).await;
    let mut back = Player::hello(ws, HelloAuth::Resume(token.clone()), "phoenix").await;
    assert_eq!((back.player, back.entity), (player, entity));
    assert_eq!(back.resume_token, token);
    let snap = back.next_snapshot().await;
    assert_eq!(back.keyframes, 1, "a resumed player starts from a keyframe");
    assert!(snap.get(NetId(entity)).is_some());

    let (_, info) = get(s.addr, &format!("/api/rooms/{room}")).await;
    assert_eq!(info["players"], 1, "no second player was created");

    // A seat ticket cannot be presented as a resume token.
    let (t, _) = ticket(s.addr, &room, "x").await;
    let ws = open(s.addr, &format!("/ws?resume={token}")).await;
    let mut ws = ws;
    use futures_util::SinkExt;
    let hello = tickcast_shared::protocol::ClientMsg::Hello {
        version: tickcast_shared::protocol::PROTOCOL_VERSION,
        auth: HelloAuth::Ticket(t),
        name: "x".into(),
        schema: None,
    };
    ws.send(tokio_tungstenite::tungstenite::Message::Binary(
        tickcast_shared::codec::encode_client(&hello).into(),
    ))
    .await
    .unwrap();
    let close = tickcast_tests::player::expect_close(&mut ws).await;
    assert_eq!(close.code, 1008);
}
