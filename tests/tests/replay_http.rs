//! The replay HTTP surface and recording settings against the real binary: ids are
//! validated (no path traversal), errors are JSON, `--no-replays` records nothing,
//! an unwritable directory does not stop the match, retention keeps the newest.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod replay_common;

use replay_common::{
    TempDir, complete_replay_of, complete_replays, config_file, get_bytes, play, room, server,
};
use std::time::Duration;
use tickcast_tests::http;
use tickcast_tests::server::TestServer;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ids_are_validated_and_never_reach_outside_the_directory() {
    let dir = TempDir::new("replay-ids");
    // A file beside the replay directory that no request may read.
    std::fs::write(dir.path().join("secret.tcr"), b"TICKCAST secret").unwrap();
    std::fs::create_dir_all(dir.path().join("replays")).unwrap();
    let server = server(&dir, &[]).await;
    for path in [
        "/api/replays/..%2Fsecret",
        "/api/replays/%2E%2E%2Fsecret",
        "/api/replays/..%5Csecret",
        "/api/replays/.secret",
        "/api/replays/..%2Fsecret/events",
        "/api/replays/UPPER",
    ] {
        let (status, _, body) = get_bytes(server.addr, path).await;
        assert_eq!(status, 400, "{path}");
        let json: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(json["error"], "malformed replay id", "{path}");
    }
    // Unencoded dots are resolved or refused before routing; either way no secret.
    for path in [
        "/api/replays/../secret.tcr",
        "/api/replays/../../secret.tcr",
    ] {
        let (status, _, body) = get_bytes(server.addr, path).await;
        assert_ne!(status, 200, "{path}");
        assert!(!String::from_utf8_lossy(&body).contains("secret"), "{path}");
    }
    let (status, json) = http::get(server.addr, "/api/replays/123-4").await;
    assert_eq!(
        (status, json["error"].as_str()),
        (404, Some("no such replay"))
    );
    let (status, _) = http::get(server.addr, "/api/replays/123-4/events").await;
    assert_eq!(status, 404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn playback_parameters_are_checked() {
    let dir = TempDir::new("replay-query");
    let server = server(&dir, &[]).await;
    let info = room(&server, 0).await;
    play(&server, &info.id, 1, Duration::from_millis(500)).await;
    let list = complete_replays(&server, 1).await;
    let id = list[0]["id"].as_str().unwrap();
    for query in [
        "speed=0.1",
        "speed=17",
        "speed=abc",
        "speed=NaN",
        "from=-1",
        "from=x",
    ] {
        let (status, json) =
            http::get(server.addr, &format!("/api/replays/{id}/events?{query}")).await;
        assert_eq!(status, 400, "{query}: {json}");
        assert!(json["error"].is_string(), "{query}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_replays_records_nothing() {
    let dir = TempDir::new("replay-off");
    let server = server(&dir, &["--no-replays"]).await;
    let info = room(&server, 0).await;
    play(&server, &info.id, 2, Duration::from_secs(1)).await;
    // Wait (bounded) for the room to finish: then a recorder would have written.
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    loop {
        let (_, room) = http::get(server.addr, &format!("/api/rooms/{}", info.id.0)).await;
        if room["state"] == "finished" || room.is_null() {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "{room}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(dir.files("replays").is_empty());
    let (status, list) = http::get(server.addr, "/api/replays").await;
    assert_eq!((status, list), (200, serde_json::json!([])));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unwritable_directory_does_not_stop_the_match() {
    let dir = TempDir::new("replay-unwritable");
    // A regular file where the directory should be: nothing can be created in it.
    let blocker = dir.path().join("not-a-dir");
    std::fs::write(&blocker, b"").unwrap();
    let replays = blocker.join("replays");
    let server = TestServer::start(&["--replay-dir", replays.to_str().unwrap()]).await;
    let info = room(&server, 3).await;
    let report = play(&server, &info.id, 2, Duration::from_secs(2)).await;
    assert_eq!(report.disconnects, 0, "{report:?}");
    assert!(report.snapshots > 40, "{report:?}");
    assert!(report.first_error.is_none(), "{report:?}");
    let (status, list) = http::get(server.addr, "/api/replays").await;
    assert_eq!((status, list), (200, serde_json::json!([])));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retention_keeps_the_newest_recordings() {
    let dir = TempDir::new("replay-retention");
    let config = config_file(&dir, "[replays]\nmax_files = 2\n");
    let server = server(&dir, &["--config", &config]).await;
    let mut rooms = Vec::new();
    for _ in 0..4 {
        let info = room(&server, 0).await;
        play(&server, &info.id, 1, Duration::from_millis(300)).await;
        // One at a time, so "oldest" is well defined.
        complete_replay_of(&server, &info.id).await;
        rooms.push(info.id.0);
    }
    // Wait (bounded) until retention has trimmed to two files.
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while dir.files("replays").len() > 2 {
        assert!(
            std::time::Instant::now() < deadline,
            "{:?}",
            dir.files("replays")
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let (_, list) = http::get(server.addr, "/api/replays").await;
    let kept: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap().rsplit('-').next().unwrap())
        .collect();
    // Newest first: the rooms created last.
    assert_eq!(kept, [rooms[3].as_str(), rooms[2].as_str()]);
}
