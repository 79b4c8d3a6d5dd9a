//! Replays anywhere: two real nodes on a real redis-server, each recording into its
//! own directory; any node lists both nodes' recordings (with `node` and `url`) and
//! redirects a download or playback to the node that has the file.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod cluster_common;

use cluster_common::{id_text, node};
use std::time::{Duration, Instant};
use tickcast_shared::protocol::HelloAuth;
use tickcast_tests::http::{get, get_location, request_raw};
use tickcast_tests::player::{Player, open};
use tickcast_tests::redis::RedisServer;

/// A fresh directory under the system's temporary directory.
fn temp_dir(tag: &str) -> std::path::PathBuf {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let dir = std::env::temp_dir().join(format!("tickcast-{tag}-{}-{nanos}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[tokio::test]
async fn every_node_lists_and_serves_every_recording() {
    let redis = RedisServer::start().await;
    let (d1, d2) = (temp_dir("replays-n1"), temp_dir("replays-n2"));
    let args = |d: &std::path::PathBuf| {
        vec![
            "--replay-dir".to_owned(),
            d.to_str().unwrap().to_owned(),
            "--empty-room-secs".to_owned(),
            "0.5".to_owned(),
            "--resume-grace-secs".to_owned(),
            "0".to_owned(),
        ]
    };
    let a1 = args(&d1);
    let a2 = args(&d2);
    let n1 = node(
        &redis,
        "n1",
        &a1.iter().map(String::as_str).collect::<Vec<_>>(),
    )
    .await;
    let n2 = node(
        &redis,
        "n2",
        &a2.iter().map(String::as_str).collect::<Vec<_>>(),
    )
    .await;
    let (_, r1) = tickcast_tests::http::post(n1.addr, "/api/rooms", "{}").await;
    let (_, r2) = tickcast_tests::http::post(n2.addr, "/api/rooms", "{}").await;
    let rooms = [id_text(&r1["id"]), id_text(&r2["id"])];
    // A player joins each room (a recording starts with the first player) and goes.
    for (room, n) in rooms.iter().zip([&n1, &n2]) {
        let (_, seat) = tickcast_tests::http::post(
            n.addr,
            &format!("/api/rooms/{room}/join"),
            r#"{"name":"a"}"#,
        )
        .await;
        let ticket = seat["ticket"].as_str().unwrap().to_owned();
        let ws = open(n.addr, &format!("/ws?ticket={ticket}")).await;
        let mut player = Player::hello(ws, HelloAuth::Ticket(ticket), "a").await;
        player.next_snapshot().await;
    }

    // Both rooms finish 0.5 s after their player left; the recordings show up everywhere.
    let give_up = Instant::now() + Duration::from_secs(20);
    let list = loop {
        let (status, list) = get(n2.addr, "/api/replays").await;
        assert_eq!(status, 200, "{list}");
        let done = list
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["complete"] == true)
            .count();
        if done == 2 {
            break list;
        }
        assert!(Instant::now() < give_up, "recordings never listed: {list}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    for (room, n) in rooms.iter().zip([&n1, &n2]) {
        let entry = list
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["id"].as_str().unwrap().ends_with(room.as_str()))
            .unwrap_or_else(|| panic!("{room} in {list}"));
        let want = if std::ptr::eq(n, &n1) { "n1" } else { "n2" };
        assert_eq!(entry["node"], want, "{entry}");
        assert_eq!(entry["url"], n.url.as_str(), "{entry}");
    }
    let (_, same) = get(n1.addr, "/api/replays").await;
    assert_eq!(same, list, "every node lists the same");

    // n1's recording asked of n2: redirected to n1, which serves it.
    let r1_entry = list
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["node"] == "n1")
        .unwrap();
    let id = r1_entry["id"].as_str().unwrap();
    for path in [
        format!("/api/replays/{id}"),
        format!("/api/replays/{id}/events?speed=2"),
    ] {
        let (status, location) = get_location(n2.addr, &path).await;
        assert_eq!(status, 307, "{path}");
        assert_eq!(location, Some(format!("{}{path}", n1.url)));
    }
    let (status, bytes) = request_raw(n1.addr, "GET", &format!("/api/replays/{id}"), None).await;
    assert_eq!(status, 200);
    assert_eq!(bytes.len() as u64, r1_entry["size"].as_u64().unwrap());
    // Its own recordings a node serves itself; unknown ones are 404 as alone.
    let (status, _) = get_location(n1.addr, &format!("/api/replays/{id}")).await;
    assert_eq!(status, 200);
    let (status, _) = get(n2.addr, "/api/replays/nosuchreplay").await;
    assert_eq!(status, 404);

    let _ = std::fs::remove_dir_all(d1);
    let _ = std::fs::remove_dir_all(d2);
}
