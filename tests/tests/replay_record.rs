//! Recording against the real binaries: bots play, the server records, the list,
//! the download and `tickcast-client replay --verify` agree; damaged files are
//! reported with their offset; `kill -9` leaves a readable recording.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod replay_common;

use replay_common::{
    TempDir, bot_config, complete_replays, get_bytes, play, room, server, spawn_bots,
    verify_with_client,
};
use std::time::{Duration, Instant};
use tickcast_tests::http;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_match_is_recorded_listed_downloaded_and_verifies() {
    let dir = TempDir::new("replay-record");
    let server = server(&dir, &[]).await;
    let info = room(&server, 10).await;
    play(&server, &info.id, 4, Duration::from_secs(3)).await;

    let list = complete_replays(&server, 1).await;
    let entry = &list[0];
    assert_eq!(entry["room"], "replayed");
    assert_eq!(entry["map"], "arena");
    assert_eq!(entry["players"], 4);
    assert_eq!(entry["recording"], false);
    assert_eq!(entry["damaged"], serde_json::Value::Null);
    let ticks = entry["ticks"].as_u64().unwrap();
    assert!(ticks >= 150, "{entry}");
    assert_eq!(entry["duration_ms"].as_u64().unwrap(), ticks * 1000 / 60);

    let id = entry["id"].as_str().unwrap();
    let (status, headers, body) = get_bytes(server.addr, &format!("/api/replays/{id}")).await;
    assert_eq!(status, 200);
    let header = |name: &str| {
        headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    assert_eq!(header("content-type"), Some("application/octet-stream"));
    let on_disk = std::fs::read(dir.path().join(format!("replays/{id}.tcr"))).unwrap();
    assert_eq!(body, on_disk);
    assert_eq!(entry["size"].as_u64().unwrap(), body.len() as u64);

    let file = dir.path().join("downloaded.tcr");
    std::fs::write(&file, &body).unwrap();
    let v = verify_with_client(&file).await;
    assert!(v.ok, "{}: {}", v.report, v.stderr);
    assert_eq!(v.report["ticks"].as_u64(), Some(ticks));
    assert_eq!(v.report["mismatches"], 0);
    assert_eq!(v.report["complete"], true);
    // A hash every second from tick 0, a keyframe every 5 s from tick 0.
    assert_eq!(v.report["hashes_checked"].as_u64(), Some(ticks / 60 + 1));
    assert_eq!(
        v.report["keyframes_checked"].as_u64(),
        Some(ticks / 300 + 1)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn damaged_recordings_are_reported_with_the_offset_never_a_panic() {
    let dir = TempDir::new("replay-damage");
    let server = server(&dir, &[]).await;
    let info = room(&server, 5).await;
    play(&server, &info.id, 2, Duration::from_secs(2)).await;
    let list = complete_replays(&server, 1).await;
    let id = list[0]["id"].as_str().unwrap();
    let bytes = std::fs::read(dir.path().join(format!("replays/{id}.tcr"))).unwrap();
    // A small deterministic generator for the damage positions.
    let mut x = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = |n: usize| {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        (x % n as u64) as usize
    };
    let file = dir.path().join("damaged.tcr");
    for round in 0..12 {
        let mut bad = bytes.clone();
        let at = next(bytes.len());
        if round % 2 == 0 {
            bad.truncate(at);
        } else {
            bad[at] ^= 1 << next(8);
        }
        std::fs::write(&file, &bad).unwrap();
        let v = verify_with_client(&file).await;
        if v.ok {
            // Cut exactly between two records: a clean file that ends early.
            assert!(round % 2 == 0, "flip at {at} went unnoticed: {}", v.report);
            assert_eq!(v.report["stopped_at"], serde_json::Value::Null);
            assert_eq!(v.report["complete"], false);
            continue;
        }
        // Where reading stopped, or else the first damage it skipped by resuming at
        // a later checkpoint (a flip early in a long file: the rest still reads).
        let stopped = v.report["stopped_at"]["offset"].as_u64();
        let skipped = v.report["gaps"][0]["offset"].as_u64();
        let Some(offset) = stopped.or(skipped) else {
            panic!("round {round}, damage at {at}: no offset in {}", v.report);
        };
        let offset = offset as usize;
        assert!(offset <= at, "damage at {at} reported at {offset}");
        assert!(
            v.stderr.contains(&format!("at byte {offset}")),
            "{}",
            v.stderr
        );
        assert_eq!(v.report["mismatches"], 0);
        if stopped.is_some() {
            assert_eq!(v.report["complete"], false);
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_leaves_a_readable_recording_missing_at_most_the_last_flush() {
    let dir = TempDir::new("replay-kill");
    let server = server(&dir, &[]).await;
    let info = room(&server, 5).await;
    let bots = spawn_bots(bot_config(&server, &info.id, 2, Duration::from_secs(30)));
    let path = format!("/api/rooms/{}", info.id.0);
    let room_tick = || async {
        let (_, room) = http::get(server.addr, &path).await;
        room["tick"].as_u64().unwrap_or(0)
    };
    // Wait (bounded) until the room is 2 s of match time past a tick we saw: the
    // recorder flushes every second, so everything up to that tick is on disk.
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut seen = 0;
    while seen < 120 {
        seen = room_tick().await;
        assert!(Instant::now() < deadline, "the room does not tick");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    while room_tick().await < seen + 120 {
        assert!(Instant::now() < deadline, "the room stopped ticking");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    server.stop().await; // SIGKILL
    bots.abort();

    let files = dir.files("replays");
    assert_eq!(files.len(), 1, "{files:?}");
    let v = verify_with_client(&files[0]).await;
    assert_eq!(v.report["mismatches"], 0, "{}", v.report);
    assert_eq!(v.report["complete"], false);
    let ticks = v.report["ticks"].as_u64().unwrap();
    assert!(
        ticks >= seen,
        "{ticks} ticks on disk, the room was at {seen} 2 s before the kill"
    );
    // Either the kill hit between writes (a clean, unfinished file) or it tore the
    // last record, which the reader reports.
    if let Some(reason) = v.report["stopped_at"]["reason"].as_str() {
        assert!(reason.starts_with("truncated"), "{reason}");
    } else {
        assert!(v.ok, "{}", v.stderr);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_ends_playbacks_and_completes_the_recording() {
    let dir = TempDir::new("replay-term");
    let server = server(&dir, &[]).await;
    let info = room(&server, 5).await;
    let bots = spawn_bots(bot_config(&server, &info.id, 2, Duration::from_secs(30)));
    // Wait (bounded) for the recording in progress to be listed with some ticks.
    let deadline = Instant::now() + Duration::from_secs(30);
    let id = loop {
        let (_, list) = http::get(server.addr, "/api/replays").await;
        let entry = list.as_array().and_then(|l| l.first().cloned());
        if let Some(e) = entry.filter(|e| e["recording"] == true && e["ticks"].as_u64() > Some(300))
        {
            break e["id"].as_str().unwrap().to_owned();
        }
        assert!(Instant::now() < deadline, "{list}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    // A playback of the recording so far (over 5 s of match at 0.25x: 20 s) stays
    // open until the server stops.
    let path = format!("/api/replays/{id}/events?speed=0.25");
    let mut viewer = tickcast_tests::sse::SseClient::connect(server.addr, &path, None)
        .await
        .unwrap();
    assert_eq!(viewer.status, 200);
    assert!(viewer.next_within(Duration::from_secs(10)).await.is_some());

    let status = server.terminate().await;
    assert!(status.success(), "{status:?}");
    bots.abort();
    let files = dir.files("replays");
    assert_eq!(files.len(), 1, "{files:?}");
    let v = verify_with_client(&files[0]).await;
    assert!(v.ok, "{}: {}", v.report, v.stderr);
    assert_eq!(v.report["complete"], true);
    assert_eq!(v.report["mismatches"], 0);
}
