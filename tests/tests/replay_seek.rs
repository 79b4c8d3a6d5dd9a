//! Seeking replays with checkpoints, against the real binary: a playback that starts
//! from a checkpoint sends exactly the events of one re-simulated from tick 0, and
//! the real verifier checks every checkpoint (a forged one is reported).
//!
//! The recordings are scripted matches (`tickcast_tests::replay_match`) written
//! into the server's replay directory before it starts: the same match twice, with
//! a checkpoint every 5 s and with none.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod replay_common;
#[path = "sse_common/mod.rs"]
mod sse_common;

use replay_common::{TempDir, server, verify_with_client};
use sse_common::all_events;
use tickcast_shared::codec::{decode_value, encode_value};
use tickcast_shared::protocol::Tick;
use tickcast_shared::sim::WorldState;
use tickcast_shared::sim::spectate::ArenaEvent;
use tickcast_shared::spectate::{EventId, SseEvent};
use tickcast_tests::http;
use tickcast_tests::replay_match::{MatchScript, replay_bytes};

/// 40 s at 60 Hz, 60 drones, 4 players (one leaves at 16 s, one joins at 20 s).
fn script(checkpoint_secs: u32) -> MatchScript {
    MatchScript {
        ticks: 2400,
        drones: 60,
        players: 4,
        seed: 17,
        checkpoint_secs,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_seek_from_a_checkpoint_sends_the_events_of_a_seek_from_tick_zero() {
    let dir = TempDir::new("replay-seek");
    let replays = dir.path().join("replays");
    std::fs::create_dir_all(&replays).unwrap();
    let with = replay_bytes(&script(5), "scripted");
    let without = replay_bytes(&script(0), "scripted");
    assert!(with.len() > without.len());
    std::fs::write(replays.join("with-checkpoints.tcr"), &with).unwrap();
    std::fs::write(replays.join("from-zero.tcr"), &without).unwrap();
    let server = server(&dir, &[]).await;

    let (status, list) = http::get(server.addr, "/api/replays").await;
    assert_eq!(status, 200);
    assert_eq!(list.as_array().map(Vec::len), Some(2), "{list}");

    // (query, tick of the first event): `from` starts at the keyframe at or before
    // it; `lastEventId` at the tick of that event, between checkpoints.
    let game = EventId::game(Tick(1234));
    let late = EventId::game(Tick(2222));
    let seeks = [
        ("from=1000".to_string(), 900),
        ("from=2399".to_string(), 2100),
        (format!("lastEventId={game}"), 1234),
        (format!("lastEventId={late}"), 2222),
        ("from=0".to_string(), 0),
    ];
    for (query, first_tick) in seeks {
        let path = |id: &str| format!("/api/replays/{id}/events?speed=16&{query}");
        let fast = all_events(&server, &path("with-checkpoints")).await;
        let slow = all_events(&server, &path("from-zero")).await;
        assert_eq!(
            fast.first().map(ArenaEvent::tick),
            Some(Tick(first_tick)),
            "{query}"
        );
        assert!(
            matches!(fast.last(), Some(ArenaEvent::End(e)) if e.tick == Tick(2400)),
            "{query}: {:?}",
            fast.last()
        );
        if first_tick == 0 {
            // The whole match: joins, a leave, hits and kills are in the compared part.
            assert!(fast.iter().any(|e| matches!(e, ArenaEvent::Game(_))));
        }
        assert_eq!(fast.len(), slow.len(), "{query}");
        for (f, s) in fast.iter().zip(&slow) {
            assert_eq!(f, s, "{query}: the streams differ at tick {}", s.tick().0);
        }
    }
    server.stop().await;
}

/// The record framing (`len:u32le crc:u32le kind:u8 payload`, after a 10-byte
/// prefix): each record's kind and byte range.
fn records(bytes: &[u8]) -> Vec<(u8, std::ops::Range<usize>)> {
    let mut at = 10;
    let mut out = Vec::new();
    while at < bytes.len() {
        let len = u32::from_le_bytes(bytes[at..at + 4].try_into().unwrap()) as usize;
        out.push((bytes[at + 8], at..at + 8 + len));
        at += 8 + len;
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_verifier_checks_every_checkpoint_and_reports_a_forged_one() {
    let dir = TempDir::new("replay-seek-verify");
    let bytes = replay_bytes(&script(5), "scripted");
    let good = dir.path().join("good.tcr");
    std::fs::write(&good, &bytes).unwrap();
    let v = verify_with_client(&good).await;
    assert!(v.ok, "{} {}", v.report, v.stderr);
    assert_eq!(v.report["checkpoints_checked"], 9, "{}", v.report); // 0, 300, ..., 2400
    assert_eq!(v.report["mismatches"], 0);

    // Give the checkpoint of tick 1200 one more point of score, with a valid checksum.
    let (_, range) = records(&bytes)
        .into_iter()
        .filter(|(kind, _)| *kind == 6)
        .nth(4)
        .unwrap();
    let payload = &bytes[range.start + 9..range.end];
    assert_eq!(payload[..4], 1200u32.to_le_bytes());
    let mut state: WorldState = decode_value(&payload[4..], 1 << 24).unwrap();
    state.players[0].score += 1;
    let mut body = vec![6u8];
    body.extend_from_slice(&payload[..4]);
    body.extend_from_slice(&encode_value(&state));
    let mut forged = bytes[..range.start].to_vec();
    forged.extend_from_slice(&(body.len() as u32).to_le_bytes());
    forged.extend_from_slice(&crc32fast::hash(&body).to_le_bytes());
    forged.extend_from_slice(&body);
    forged.extend_from_slice(&bytes[range.end..]);
    let bad = dir.path().join("forged.tcr");
    std::fs::write(&bad, &forged).unwrap();
    let v = verify_with_client(&bad).await;
    assert!(!v.ok, "{}", v.report);
    assert_eq!(v.report["mismatches"], 1, "{}", v.report);
    assert_eq!(v.report["first_mismatch"], 1200, "{}", v.report);
    assert!(v.report["stopped_at"].is_null(), "{}", v.report);
}
