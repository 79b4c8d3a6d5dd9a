//! Spectator limits per room and per server answer 503 with a JSON error, and a
//! freed place can be taken again.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod sse_common;

use sse_common::{Spectator, events_path, room};
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
