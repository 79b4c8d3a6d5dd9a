//! What a flood of recordings and a full file-size limit get, against the real
//! binary: one-player rooms do not push real matches out of `max_files`, one
//! address keeps at most `max_files_per_ip` recordings, and a process file-size
//! limit (`ulimit -f`) stops the recording, not the server.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod replay_common;

use replay_common::{TempDir, complete_replay_of, config_file, play, room, server};
use std::net::SocketAddr;
use std::path::Path;
use std::time::{Duration, Instant};
use tickcast_tests::http;
use tickcast_tests::server::TestServer;

/// Longest wait for the server to finish rooms and apply retention.
const PATIENCE: Duration = Duration::from_secs(30);

async fn counter(addr: SocketAddr, name: &str) -> u64 {
    let (_, text) = http::get_text(addr, "/metrics").await;
    text.lines()
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(' '))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

/// The listed recordings' room ids.
async fn listed_rooms(server: &TestServer) -> Vec<String> {
    let (status, list) = http::get(server.addr, "/api/replays").await;
    assert_eq!(status, 200);
    list.as_array()
        .unwrap()
        .iter()
        .map(|r| r["room_id"].as_str().unwrap().to_owned())
        .collect()
}

/// Poll (bounded) until the directory holds `n` recordings.
async fn wait_for_files(dir: &TempDir, n: usize) {
    let deadline = Instant::now() + PATIENCE;
    while dir.files("replays").len() != n {
        assert!(Instant::now() < deadline, "{:?}", dir.files("replays"));
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// One player takes a seat and leaves soon after: a short one-player recording.
async fn flood_room(server: &TestServer) -> String {
    let info = room(server, 0).await;
    play(server, &info.id, 1, Duration::from_millis(200)).await;
    complete_replay_of(server, &info.id).await;
    info.id.0
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_player_rooms_do_not_push_real_matches_out() {
    let dir = TempDir::new("replay-fair");
    let config = config_file(&dir, "[replays]\nmax_files = 3\n");
    let args = ["--config", &config, "--replay-min-match-secs", "1"];
    let server = server(&dir, &args).await;
    let mut matches = Vec::new();
    for _ in 0..2 {
        let info = room(&server, 0).await;
        play(&server, &info.id, 2, Duration::from_millis(1500)).await;
        let entry = complete_replay_of(&server, &info.id).await;
        assert_eq!(entry["players"], 2, "{entry}");
        matches.push(info.id.0);
    }
    let mut flood = Vec::new();
    for _ in 0..4 {
        flood.push(flood_room(&server).await);
    }
    wait_for_files(&dir, 3).await;
    let kept = listed_rooms(&server).await;
    for m in &matches {
        assert!(kept.contains(m), "match {m} was pushed out: {kept:?}");
    }
    // The newest one-player recording is the third.
    assert!(kept.contains(flood.last().unwrap()), "{kept:?}");
    // Three were removed (more if one finished while the next was recording).
    assert!(counter(server.addr, "tickcast_replays_pruned_total").await >= 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_address_keeps_at_most_its_quota_of_recordings() {
    let dir = TempDir::new("replay-quota");
    let server = server(&dir, &["--replay-files-per-ip", "2"]).await;
    let mut rooms = Vec::new();
    for _ in 0..4 {
        rooms.push(flood_room(&server).await);
    }
    wait_for_files(&dir, 2).await;
    let kept = listed_rooms(&server).await;
    // Newest first: the address's two latest.
    assert_eq!(kept, [rooms[3].clone(), rooms[2].clone()]);
    assert_eq!(
        counter(server.addr, "tickcast_replays_quota_pruned_total").await,
        2
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_size_limit_stops_the_recording_not_the_server() {
    let dir = TempDir::new("replay-fsize");
    let replays = dir.path().join("replays");
    let root = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/.."));
    // 4 KiB: the first second of a 300-drone match is more (its checkpoint alone).
    let wrapper = ["bash", "-c", "ulimit -f 4; exec \"$0\" \"$@\""];
    let args = [
        "--replay-dir",
        replays.to_str().unwrap(),
        "--empty-room-secs",
        "1",
    ];
    let mut server = TestServer::start_wrapped(root, &wrapper, &args).await;
    let info = room(&server, 300).await;
    let report = play(&server, &info.id, 2, Duration::from_secs(3)).await;
    assert_eq!(report.disconnects, 0, "{report:?}");
    assert!(report.first_error.is_none(), "{report:?}");
    assert!(report.snapshots > 40, "{report:?}");
    assert!(!server.has_exited(), "the server died");
    let (status, _) = http::get(server.addr, "/healthz").await;
    assert_eq!(status, 200);
    let deadline = Instant::now() + PATIENCE;
    while counter(server.addr, "tickcast_replay_write_failures_total").await < 1 {
        assert!(Instant::now() < deadline, "no write failure counted");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let files = dir.files("replays");
    assert_eq!(files.len(), 1, "{files:?}");
    assert!(std::fs::metadata(&files[0]).unwrap().len() <= 4096);
    // The server still makes and plays rooms.
    let next = room(&server, 0).await;
    play(&server, &next.id, 1, Duration::from_millis(300)).await;
    assert!(!server.has_exited());
}
