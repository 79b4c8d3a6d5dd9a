//! A room is recorded from the first seat taken (issue 11): rooms nobody joined leave
//! no file, so room spam cannot push real matches out of retention; a room joined
//! late is still recorded from tick 0 and verifies.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod replay_common;

use replay_common::{TempDir, complete_replay_of, play, room, server, verify_with_client};
use std::time::{Duration, Instant};
use tickcast_client::lobby::{CreateRoom, Lobby};
use tickcast_tests::http;
use tickcast_tests::server::TestServer;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_empty_rooms_leave_no_recording() {
    let dir = TempDir::new("replay-empty-rooms");
    // One test address creates them all: lift the per-address room limit.
    let server = server(&dir, &["--max-rooms-per-ip", "100"]).await;
    let lobby = Lobby::new(&server.url).unwrap();
    let mut ids = Vec::new();
    for i in 0..50 {
        let req = CreateRoom {
            name: Some(format!("spam-{i}")),
            drones: Some(2),
            ..CreateRoom::default()
        };
        ids.push(lobby.create_room(&req).await.unwrap().id);
    }
    // Every room finishes 1 s after its creation; a recorder would have written by
    // then (the header goes to disk when the recording starts).
    let deadline = Instant::now() + Duration::from_secs(30);
    for id in &ids {
        loop {
            let (status, room) = http::get(server.addr, &format!("/api/rooms/{}", id.0)).await;
            if status == 404 || room["state"] == "finished" {
                break;
            }
            assert!(Instant::now() < deadline, "room {} still {room}", id.0);
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
    assert!(
        dir.files("replays").is_empty(),
        "{:?}",
        dir.files("replays")
    );
    let (status, list) = http::get(server.addr, "/api/replays").await;
    assert_eq!((status, list), (200, serde_json::json!([])));

    // A real match beside them is recorded.
    let info = room(&server, 2).await;
    play(&server, &info.id, 2, Duration::from_secs(1)).await;
    let entry = complete_replay_of(&server, &info.id).await;
    assert_eq!(entry["players"], 2);
    assert_eq!(dir.files("replays").len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_room_joined_late_is_recorded_from_tick_0_and_verifies() {
    let dir = TempDir::new("replay-late-join");
    // The room must outlive the wait before the first join.
    let replays = dir.path().join("replays");
    let server = TestServer::start(&[
        "--replay-dir",
        replays.to_str().unwrap(),
        "--empty-room-secs",
        "30",
    ])
    .await;
    let lobby = Lobby::new(&server.url).unwrap();
    let info = room(&server, 3).await;
    let deadline = Instant::now() + Duration::from_secs(30);
    // Past tick 60 (a hash) with nobody seated.
    while lobby.room(&info.id).await.unwrap().tick < 90 {
        assert!(Instant::now() < deadline);
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(
        dir.files("replays").is_empty(),
        "nothing recorded before a seat"
    );
    play(&server, &info.id, 2, Duration::from_secs(1)).await;
    // SIGTERM finishes the room, which completes its recording.
    assert!(server.terminate().await.success());
    let files = dir.files("replays");
    assert_eq!(files.len(), 1, "{files:?}");
    let v = verify_with_client(&files[0]).await;
    assert!(v.ok, "{}: {}", v.report, v.stderr);
    let ticks = v.report["ticks"].as_u64().unwrap();
    assert!(ticks >= 150, "{}", v.report);
    assert_eq!(v.report["mismatches"], 0);
    assert_eq!(v.report["complete"], true);
    assert_eq!(v.report["hashes_checked"].as_u64(), Some(ticks / 60 + 1));
}
