//! More of the client library against the real server: the own entity and the
//! prediction follow the server, a keyframe comes first, idle bots seated in a
//! given room (`bots --room ID --idle`) report clean JSON, and idle bots that only
//! ping (no answer to snapshots on WebSocket) keep their seats and get deltas,
//! while `--silent` ones send nothing at all (the idle timeout is all that sees them).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;
use tickcast_client::{Client, ClientConfig, RoomId, Update};
use tickcast_shared::sim::{Buttons, PlayerInput};
use tickcast_shared::sim::{EntityKind, EntityState};
use tickcast_tests::player::{WAIT, create_room};
use tickcast_tests::server::{TestServer, bots_report};

#[tokio::test]
async fn own_entity_and_prediction_follow_the_server() {
    let s = TestServer::start(&[]).await;
    let room = create_room(s.addr, r#"{"drones":0}"#).await;
    let config = ClientConfig::default();
    let mut client = Client::join(&s.url, &RoomId(room.clone()), "pred", &config)
        .await
        .unwrap();
    assert_eq!(client.welcome().map, "arena");
    assert!(client.map().is_some(), "prediction loads the arena");
    // Events (e.g. our own join) may come first; the first snapshot is a keyframe.
    let first = tokio::time::timeout(WAIT, async {
        loop {
            let update = client.next_update().await.unwrap();
            if let Update::Snapshot { keyframe, .. } = update {
                return keyframe;
            }
        }
    })
    .await
    .unwrap();
    assert!(first, "the first snapshot is a keyframe");
    let me = *client.own().expect("own entity in the first snapshot");
    assert_eq!(me.kind, EntityKind::Player);
    assert_eq!(me.owner, client.welcome().player.0);
    assert_eq!(me.flags & EntityState::FLAG_DEAD, 0);
    let start = me.pos();
    let towards_centre = if start.x < 1000.0 {
        Buttons::RIGHT
    } else {
        Buttons::LEFT
    };
    let walk = PlayerInput {
        buttons: Buttons(towards_centre),
        aim: 0.0,
    };
    // 30 inputs at the tick rate (the server consumes at most one per tick), then
    // wait until the server consumed the last; meanwhile keep applying snapshots.
    let mut ticker = tokio::time::interval(Duration::from_millis(16));
    let mut sent = 0;
    let mut predicted_end = None;
    tokio::time::timeout(WAIT, async {
        while client.last_input().0 < 30 {
            tokio::select! {
                update = client.next_update() => { update.unwrap(); }
                _ = ticker.tick(), if sent < 30 => {
                    client.send_input(walk).await.unwrap();
                    sent += 1;
                    if sent == 30 {
                        predicted_end = client.predicted();
                    }
                }
            }
        }
    })
    .await
    .expect("the server consumed every input");
    let predicted_end = predicted_end.expect("predicting while alive");
    assert!(
        (predicted_end.pos.x - start.x).abs() > 20.0,
        "prediction moves"
    );
    let server = client.own().unwrap().pos();
    let reconciled = client.predicted().unwrap();
    assert!((server.x - start.x).abs() > 20.0, "{start} -> {server}");
    assert!((server.y - start.y).abs() < 1.0, "sideways walk keeps y");
    assert!(
        (reconciled.pos - server).length() < 0.1,
        "{reconciled:?} vs {server}"
    );
    assert!(
        (predicted_end.pos - server).length() < 1.0,
        "prediction was right"
    );
    client.leave().await.unwrap();
}

#[tokio::test]
async fn idle_bots_in_a_given_room_report_clean_json() {
    let s = TestServer::start(&[]).await;
    let room = create_room(s.addr, r#"{"drones":8}"#).await;
    let room = room.to_string();
    let args = [
        "--count",
        "2",
        "--duration",
        "2s",
        "--idle",
        "--room",
        &room,
    ];
    let report = bots_report(&s.url, &args).await;
    assert_eq!(report["bots"], 2);
    assert_eq!(report["connected"], 2, "{report}");
    assert_eq!(report["decode_errors"], 0, "{report}");
    let snapshots = report["snapshots"].as_u64().unwrap();
    let keyframes = report["keyframes"].as_u64().unwrap();
    let deltas = report["deltas"].as_u64().unwrap();
    assert!(snapshots > 0, "{report}");
    assert_eq!(keyframes + deltas, snapshots, "{report}");
    assert_eq!(
        keyframes, 2,
        "one keyframe per bot on a reliable transport: {report}"
    );
    assert!(
        report["rtt_ms_p50"].as_f64().is_some(),
        "pongs arrived: {report}"
    );
    // Both bots sat in the given room, not in a matchmade one.
    let (_, rooms) = tickcast_tests::http::get(s.addr, "/api/rooms").await;
    let rooms = rooms.as_array().unwrap();
    assert_eq!(rooms.len(), 1, "{rooms:?}");
}

#[tokio::test]
async fn idle_bots_that_only_ping_stay_seated_and_get_deltas() {
    // An idle timeout of 2 s (the server's own pings come only every 5 s): the
    // bots' runs of 6 s outlast it three times over, with nothing from them but
    // their pings, one a second.
    let s = TestServer::start(&["--idle-timeout-secs=2"]).await;
    let room = create_room(s.addr, r#"{"drones":8}"#).await;
    let args = [
        "--count",
        "2",
        "--duration",
        "6s",
        "--idle",
        "--room",
        &room,
    ];
    let report = bots_report(&s.url, &args).await;
    assert_eq!(report["connected"], 2, "{report}");
    assert_eq!(report["disconnects"], 0, "nobody was closed: {report}");
    assert_eq!(report["reconnects"], 0, "nobody had to come back: {report}");
    assert_eq!(report["decode_errors"], 0, "{report}");
    assert_eq!(
        report["keyframes"], 2,
        "one keyframe per bot: a written snapshot is a baseline without an ack: {report}"
    );
    // 20 snapshots/s for about 6 s (seating included), two bots.
    let deltas = report["deltas"].as_u64().unwrap();
    assert!(deltas > 100, "deltas, not only keyframes: {report}");
    assert!(
        report["rtt_ms_p50"].as_f64().is_some(),
        "the pings were answered: {report}"
    );
    // On plain HTTP/1 the room wrote (most of) those snapshots itself.
    let (_, metrics) = tickcast_tests::http::get_text(s.addr, "/metrics").await;
    let direct: f64 = metrics
        .lines()
        .find_map(|l| l.strip_prefix("tickcast_ws_direct_snapshots_total "))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0.0);
    assert!(direct > 50.0, "direct writes: {direct}");
}

#[tokio::test]
async fn silent_bots_send_nothing_so_only_the_idle_timeout_sees_them() {
    // `--silent` bots send nothing after their Hello: no pings. With an idle timeout
    // of 1 s (and the server's own pings only every 5 s) the server closes them
    // for idleness, which it never does to bots that ping (see above).
    let s = TestServer::start(&["--idle-timeout-secs=1"]).await;
    let room = create_room(s.addr, r#"{"drones":8}"#).await;
    let args = [
        "--count",
        "2",
        "--duration",
        "4s",
        "--idle",
        "--silent",
        "--room",
        &room,
    ];
    let report = bots_report(&s.url, &args).await;
    assert!(
        report["rtt_ms_p50"].is_null(),
        "no pings, no round trips: {report}"
    );
    assert!(
        report["reconnects"].as_u64().unwrap_or(0) >= 2,
        "the server heard nothing from either bot and closed both (they came back): {report}"
    );
}
