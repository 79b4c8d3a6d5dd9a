//! The native client library and the `bots` binary against the real server.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use tickcast_client::ws_link::WsLink;
use tickcast_client::{Client, ClientConfig, Update};
use tickcast_shared::sim::{Buttons, PlayerInput};
use tickcast_tests::player::{WAIT, create_room};
use tickcast_tests::server::{TestServer, bots_report, client_binary};

#[tokio::test]
async fn the_library_joins_applies_deltas_and_moves_its_player() {
    let s = TestServer::start(&[]).await;
    create_room(s.addr, r#"{"drones":100}"#).await;
    let config = ClientConfig::default();
    let mut client = Client::matchmake(&s.url, "lib", &config).await.unwrap();
    let right = PlayerInput {
        buttons: Buttons(Buttons::RIGHT),
        aim: 0.0,
    };
    let mut start_x = None;
    let mut snapshots = 0;
    while snapshots < 30 {
        let update = tokio::time::timeout(WAIT, client.next_update())
            .await
            .unwrap()
            .unwrap();
        if let Update::Snapshot { .. } = update {
            snapshots += 1;
            let me = client.own().expect("own entity in the world view");
            start_x.get_or_insert(me.x);
            for _ in 0..3 {
                client.send_input(right).await.unwrap();
            }
        }
    }
    let counts = client.view_counts();
    assert_eq!(counts.keyframes, 1, "{counts:?}");
    assert_eq!(counts.deltas, 29, "{counts:?}");
    assert_eq!(client.world().unwrap().entities.len(), 101);
    let moved = client.own().unwrap().x - start_x.unwrap();
    assert!(moved > 16 * 50, "moved only {moved} steps");
    client.leave().await.unwrap();
}

#[tokio::test]
async fn the_bots_binary_prints_its_report() {
    let s = TestServer::start(&[]).await;
    let report = bots_report(&s.url, &["--count", "3", "--duration", "2s"]).await;
    assert_eq!(report["bots"], 3);
    assert_eq!(report["decode_errors"], 0);
    assert!(report["snapshots"].as_u64().unwrap() >= 3 * 20, "{report}");
    assert!(report["deltas"].as_u64().unwrap() > 0, "{report}");
    assert!(report["bytes_per_bot_per_sec"].as_f64().unwrap() > 0.0);
    for key in [
        "seconds",
        "keyframes",
        "bytes_received",
        "rtt_ms_p50",
        "rtt_ms_p99",
    ] {
        assert!(report.get(key).is_some(), "missing {key} in {report}");
    }
}

/// `bots --game NAME` matchmakes into a room of that game and plays it with the
/// game's own brain (the arena's moves and shoots); a game the server does not host
/// is the lobby's refusal in the report, not a hang or a crash.
#[tokio::test]
async fn bots_play_the_game_they_are_asked_for() {
    let s = TestServer::start(&[]).await;
    let args = ["--count", "2", "--duration", "2s", "--game", "arena"];
    let report = bots_report(&s.url, &args).await;
    assert_eq!(report["connected"], 2, "{report}");
    assert_eq!(report["decode_errors"], 0, "{report}");
    assert!(
        report["frames"].as_u64().unwrap() > 0,
        "they played: {report}"
    );
    let (_, rooms) = tickcast_tests::http::get(s.addr, "/api/rooms").await;
    assert!(
        rooms
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["game"] == "arena"),
        "{rooms}"
    );

    let args = ["--count", "1", "--duration", "2s", "--game", "no_such_game"];
    let (status, report) = tickcast_tests::server::bots_run(&s.url, &args).await;
    assert!(!status.success(), "no bot connected: {report}");
    assert_eq!(report["connected"], 0, "{report}");
    let error = report["first_error"].as_str().unwrap();
    assert!(error.contains("unknown game"), "{error}");
}

/// A server's per-address ticket limits (`[lobby] max_tickets_per_ip`, 8, and half a
/// room's seats) do not stop one address's bots from all taking seats at the defaults:
/// they seat a few at a time and ask again when a limit refuses them.
#[tokio::test]
async fn more_bots_than_an_address_may_hold_tickets_all_take_seats() {
    let s = TestServer::start(&[]).await;
    let report = bots_report(&s.url, &["--count", "40", "--duration", "3s"]).await;
    assert_eq!(report["bots"], 40);
    assert_eq!(report["connected"], 40, "{report}");
}

#[tokio::test]
async fn a_refused_plain_connection_is_reported_as_refused_not_as_tls() {
    // A port nothing listens on: bound, then let go.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .unwrap()
        .port();
    let url = format!("ws://127.0.0.1:{port}/ws?ticket=t");
    let err = WsLink::open(&url, 1 << 16, WAIT).await.unwrap_err();
    assert_eq!(
        err.to_string(),
        format!("connect: connection refused (ws://127.0.0.1:{port})")
    );

    let run = tokio::process::Command::new(client_binary())
        .args(["bots", "--server", &format!("http://127.0.0.1:{port}")])
        .args(["--count", "1", "--duration", "1s"])
        .output();
    let out = tokio::time::timeout(WAIT, run)
        .await
        .expect("the client gives up in time")
        .expect("run tickcast-client bots");
    // The bots report their first error with the report.
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        said.contains(&format!(
            "connect: connection refused (http://127.0.0.1:{port})"
        )),
        "{said}"
    );
    assert!(!said.contains("tls"), "{said}");
    assert!(
        !out.status.success(),
        "no bot connected, so the run failed: {said}"
    );
    assert!(
        said.contains("no bot connected"),
        "the failure says why: {said}"
    );
}

#[tokio::test]
async fn bots_json_names_the_server_and_room_and_rounds_its_figures() {
    let s = TestServer::start(&[]).await;
    let room = create_room(s.addr, r#"{"name":"bench room"}"#).await;
    let report = bots_report(
        &s.url,
        &["--count", "2", "--duration", "2s", "--room", &room],
    )
    .await;
    assert_eq!(report["server"], s.url.as_str(), "{report}");
    let rooms = report["rooms"].as_array().expect("rooms");
    assert_eq!(rooms.len(), 1, "{report}");
    assert_eq!(rooms[0]["id"].as_str(), Some(room.as_str()), "{report}");
    assert_eq!(rooms[0]["name"], "bench room", "{report}");
    // Figures are rounded for people: at most three decimals.
    for key in [
        "seconds",
        "bytes_per_bot_per_sec",
        "rtt_ms_p50",
        "rtt_ms_p99",
        "corrections_pct",
        "extrapolated_pct",
    ] {
        let Some(v) = report[key].as_f64() else {
            continue;
        };
        let shown = report[key].to_string();
        let decimals = shown.split('.').nth(1).map_or(0, str::len);
        assert!(decimals <= 3, "{key} = {shown} in {report}");
        assert!((v * 1000.0 - (v * 1000.0).round()).abs() < 1e-6, "{key}");
    }
}
