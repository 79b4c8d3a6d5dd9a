//! Hostile recording files against the real server and the real client: headers
//! out of bounds (with valid checksums) are refused with a reason and abort nothing,
//! a symlink in the replay directory is not followed, and a flipped bit early in a
//! match loses only the ticks up to the next checkpoint.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod replay_common;
#[path = "sse_common/mod.rs"]
mod sse_common;

use replay_common::{TempDir, get_bytes, server, verify_with_client};
use sse_common::all_events;
use std::path::Path;
use tickcast_shared::protocol::Tick;
use tickcast_shared::replay::{Record, ReplayReader};
use tickcast_shared::sim::WorldConfig;
use tickcast_shared::sim::replay4::{self, ArenaHeader};
use tickcast_shared::sim::spectate::ArenaEvent;
use tickcast_shared::spectate::SseEvent;
use tickcast_tests::http;
use tickcast_tests::replay_match::{MatchScript, arena_header, replay_bytes};
use tickcast_tests::server::TestServer;

/// A header-only format-4 recording (valid magic, version and checksum) of
/// `header`.
fn header_only(header: &ArenaHeader) -> Vec<u8> {
    replay4::writer(header, 4).take_bytes()
}

fn scripted(ticks: u32) -> MatchScript {
    MatchScript {
        ticks,
        drones: 20,
        players: 3,
        seed: 5,
        checkpoint_secs: 5,
    }
}

/// The hostile headers: what each says, and a word the refusal must name.
fn hostile_headers() -> Vec<(&'static str, ArenaHeader, &'static str)> {
    let base = arena_header(&scripted(60), "hostile");
    let mut fast = base.clone();
    fast.config = WorldConfig {
        tick_rate: u32::MAX,
        ..base.config.clone()
    };
    let walls_text = |n: usize| {
        format!(
            "size 2000 1200\nspawn 10 10\n{}",
            "wall 100 100 1 1\n".repeat(n)
        )
    };
    let mut huge_map = base.clone();
    huge_map.map_text = walls_text(300_000);
    let mut walls = base.clone();
    walls.map_text = walls_text(5000);
    let mut drones = base.clone();
    drones.config.drones = u32::MAX;
    let mut speed = base.clone();
    speed.config.rules.projectile_speed = f32::NAN;
    vec![
        ("1-tick-rate", fast, "tick rate"),
        ("2-huge-map", huge_map, "bytes"),
        ("5-walls", walls, "walls"),
        ("3-drones", drones, "drones"),
        ("4-rules", speed, "projectile_speed"),
    ]
}

async fn alive(server: &mut TestServer) {
    assert!(!server.has_exited(), "the server died");
    let (status, _) = http::get(server.addr, "/healthz").await;
    assert_eq!(status, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn out_of_bounds_headers_are_refused_and_abort_nothing() {
    let dir = TempDir::new("replay-bounds");
    let replays = dir.path().join("replays");
    std::fs::create_dir_all(&replays).unwrap();
    let hostile = hostile_headers();
    for (id, header, _) in &hostile {
        std::fs::write(replays.join(format!("{id}.tcr")), header_only(header)).unwrap();
    }
    let mut server = server(&dir, &[]).await;
    for (id, _, why) in &hostile {
        for path in [
            format!("/api/replays/{id}/events?from=30"),
            format!("/api/replays/{id}/events"),
            format!("/api/replays/{id}"),
        ] {
            let (status, json) = http::get(server.addr, &path).await;
            assert_eq!(status, 422, "{path}: {json}");
            let error = json["error"].as_str().unwrap();
            assert!(
                error.contains("out of bounds") && error.contains(why),
                "{path}: {error}"
            );
            alive(&mut server).await;
        }
    }
    // The list does not offer them.
    let (status, list) = http::get(server.addr, "/api/replays").await;
    assert_eq!((status, list), (200, serde_json::json!([])));
    let (_, metrics) = http::get_text(server.addr, "/metrics").await;
    let refused: u64 = metrics
        .lines()
        .find_map(|l| l.strip_prefix("tickcast_replays_unreadable_total "))
        .and_then(|v| v.parse().ok())
        .unwrap();
    assert_eq!(refused, 3 * hostile.len() as u64);
    alive(&mut server).await;

    // The real client refuses them with the reason, and exits normally.
    for (id, _, why) in &hostile {
        let verified = verify_with_client(&replays.join(format!("{id}.tcr"))).await;
        assert!(!verified.ok, "{id}");
        assert!(verified.stderr.contains(why), "{id}: {}", verified.stderr);
        assert!(
            verified.report["stopped_at"]["reason"]
                .as_str()
                .is_some_and(|r| r.contains("out of bounds"))
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn symlinks_in_the_replay_directory_are_not_followed() {
    let dir = TempDir::new("replay-symlink");
    let replays = dir.path().join("replays");
    std::fs::create_dir_all(&replays).unwrap();
    // A real recording outside the directory, and a secret that is no recording.
    let outside = dir.path().join("outside.tcr");
    std::fs::write(&outside, replay_bytes(&scripted(120), "outside")).unwrap();
    let secret = dir.path().join("secret.txt");
    std::fs::write(&secret, b"TICKCAST secret bytes").unwrap();
    std::os::unix::fs::symlink(&outside, replays.join("1-outside.tcr")).unwrap();
    std::os::unix::fs::symlink(&secret, replays.join("2-secret.tcr")).unwrap();
    std::fs::write(
        replays.join("3-inside.tcr"),
        replay_bytes(&scripted(120), "in"),
    )
    .unwrap();
    let server = server(&dir, &[]).await;
    for id in ["1-outside", "2-secret"] {
        for path in [
            format!("/api/replays/{id}"),
            format!("/api/replays/{id}/events"),
        ] {
            let (status, _, body) = get_bytes(server.addr, &path).await;
            assert_eq!(status, 404, "{path}");
            assert!(!String::from_utf8_lossy(&body).contains("secret"), "{path}");
        }
    }
    let (_, list) = http::get(server.addr, "/api/replays").await;
    let ids: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["3-inside"]);
    let (status, _, body) = get_bytes(server.addr, "/api/replays/3-inside").await;
    assert_eq!(status, 200);
    assert_eq!(body, std::fs::read(replays.join("3-inside.tcr")).unwrap());
}

/// `bytes` with one bit flipped in the middle of its first ticks record after tick
/// `after`; the tick that record starts at.
fn flip_early_record(bytes: &[u8], after: u32) -> (Vec<u8>, u32) {
    let mut reader = ReplayReader::open(bytes).unwrap();
    let mut at = reader.offset();
    while let Some(record) = reader.next() {
        if let Record::Ticks { first, .. } = record {
            if first.0 > after {
                let mut bad = bytes.to_vec();
                let middle = at + (reader.offset() - at) / 2;
                bad[middle] ^= 0x10;
                return (bad, first.0);
            }
        }
        at = reader.offset();
    }
    panic!("no ticks record after tick {after}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flipped_bit_loses_only_the_ticks_up_to_the_next_checkpoint() {
    let dir = TempDir::new("replay-resync");
    let replays = dir.path().join("replays");
    std::fs::create_dir_all(&replays).unwrap();
    // 20 s, a checkpoint every 5 s (300 ticks); damage just after tick 60.
    let ticks = 1200;
    let (bad, damaged) = flip_early_record(&replay_bytes(&scripted(ticks), "flipped"), 60);
    assert!(damaged < 300);
    let file = replays.join("1-flipped.tcr");
    std::fs::write(&file, &bad).unwrap();
    let server = server(&dir, &[]).await;

    // Playback goes on after the damage, to the end of the match.
    let events = all_events(&server, "/api/replays/1-flipped/events?speed=16").await;
    let Some(ArenaEvent::End(end)) = events.last() else {
        panic!("no end event");
    };
    assert_eq!(
        (end.tick, end.reason.as_str()),
        (Tick(ticks), "end of replay")
    );
    // The World jumps over the damage to the checkpoint of tick 300: a keyframe at
    // its first step from there.
    assert!(
        events
            .iter()
            .any(|e| matches!(e, ArenaEvent::Keyframe(k) if k.tick == Tick(301))),
        "no keyframe where playback resumed"
    );
    assert!(
        events
            .iter()
            .all(|e| e.tick() <= Tick(damaged) || e.tick() > Tick(300))
    );
    // A seek past the damage lands where it asked.
    let late = all_events(&server, "/api/replays/1-flipped/events?speed=16&from=900").await;
    assert!(
        matches!(late.first(), Some(ArenaEvent::Keyframe(k)) if k.tick == Tick(900)),
        "{:?}",
        late.first().map(ArenaEvent::tick)
    );
    // The list names the gap.
    let (_, list) = http::get(server.addr, "/api/replays").await;
    let entry = &list[0];
    assert_eq!(entry["ticks"], ticks);
    assert!(
        entry["damaged"].as_str().unwrap().contains("lost"),
        "{entry}"
    );

    // The verifier checks the rest and reports the gap honestly.
    let verified = verify_with_client(Path::new(&file)).await;
    assert!(!verified.ok);
    let report = &verified.report;
    assert_eq!(report["ticks"], ticks, "{report}");
    assert_eq!(report["mismatches"], 0, "{report}");
    let gaps = report["gaps"].as_array().unwrap();
    assert_eq!(gaps.len(), 1, "{report}");
    assert_eq!(gaps[0]["from_tick"], damaged, "{report}");
    assert_eq!(gaps[0]["to_tick"], 300, "{report}");
    assert!(verified.stderr.contains("lost"), "{}", verified.stderr);
}
