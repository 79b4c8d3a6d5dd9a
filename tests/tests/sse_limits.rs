//! Spectator limits per room and per server answer 503 with a JSON error, a freed
//! place can be taken again, and viewers that stop reading give their places back
//! after `write_timeout_secs`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod sse_common;

use sse_common::{Spectator, events_path, room, server_with};
use tickcast_tests::server::TestServer;
use tickcast_tests::sse::SseClient;

async fn refused(server: &TestServer, path: &str) -> String {
    let mut c = SseClient::connect(server.addr, path, None).await.unwrap();
    assert_eq!(c.status, 503);
    let body: serde_json::Value = serde_json::from_str(&c.body_text().await.unwrap()).unwrap();
    body["error"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn limits_per_room_and_per_server_answer_503() {
    let dir = std::env::temp_dir().join(format!("tickcast-sse-limits-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let config = dir.join("limits.toml");
    std::fs::write(&config, "[spectators]\nmax_per_room = 2\nmax_total = 3\n").unwrap();
    let server = TestServer::start(&["--config", config.to_str().unwrap()]).await;
    let a = events_path(&room(&server, 1).await);
    let b = events_path(&room(&server, 1).await);
    let mut a1 = Spectator::connect(&server, &a, None).await;
    let _a2 = Spectator::connect(&server, &a, None).await;
    assert!(refused(&server, &a).await.contains("room"));
    let _b1 = Spectator::connect(&server, &b, None).await;
    assert!(refused(&server, &b).await.contains("server"));
    a1.frames(1).await;
    drop(a1);
    // The place is given back when the server sees the socket close; poll for it.
    let deadline = tokio::time::Instant::now() + sse_common::ITEM_WAIT;
    loop {
        let c = SseClient::connect(server.addr, &b, None).await.unwrap();
        if c.status == 200 {
            break;
        }
        assert_eq!(c.status, 503);
        assert!(
            tokio::time::Instant::now() < deadline,
            "the place was not freed"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    server.stop().await;
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn viewers_that_stop_reading_are_dropped_after_the_write_timeout() {
    let (server, _dir) = server_with(
        "sse-stall",
        "write_timeout_secs = 1\nmax_per_room = 256",
        // The room has no players: keep it open for the whole test.
        &["--empty-room-secs", "600"],
    )
    .await;
    let path = events_path(&room(&server, 1000).await);
    // Every place of the room (256) taken by a viewer that never reads.
    let mut stalled = Vec::new();
    for _ in 0..256 {
        let c = SseClient::connect_small_window(server.addr, &path, 4096)
            .await
            .unwrap();
        assert_eq!(c.status, 200);
        stalled.push(c);
    }
    assert!(refused(&server, &path).await.contains("room"));
    // Their sockets fill up; a second after that the server drops them. Poll (the
    // server's buffers, not an event, decide when) for a place, bounded.
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(60);
    let mut viewer = loop {
        let c = SseClient::connect(server.addr, &path, None).await.unwrap();
        if c.status == 200 {
            break c;
        }
        assert_eq!(c.status, 503);
        assert!(
            tokio::time::Instant::now() < deadline,
            "stalled viewers kept every place"
        );
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    };
    // The new viewer gets the stream.
    loop {
        match viewer.next_within(sse_common::ITEM_WAIT).await {
            Some(tickcast_tests::sse::SseItem::Event { event, .. }) => {
                assert_eq!(event, "keyframe");
                break;
            }
            Some(_) => {}
            None => panic!("stream ended"),
        }
    }
    let metrics = tickcast_client::lobby::Lobby::new(&server.url)
        .unwrap()
        .metrics_text()
        .await
        .unwrap();
    let timeouts: u64 = metrics
        .lines()
        .find_map(|l| l.strip_prefix("tickcast_spectator_write_timeouts_total "))
        .and_then(|v| v.parse().ok())
        .unwrap();
    assert!(timeouts >= 1, "{metrics}");
    drop(stalled);
    server.stop().await;
}
