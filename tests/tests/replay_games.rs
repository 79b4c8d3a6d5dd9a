//! Replays across games and builds, against the real server and the real client:
//! a format-4 recording (what servers wrote before replay format 5) still lists,
//! plays and verifies; a recording of another build of a game lists and plays its
//! keyframes but does not verify ("build mismatch"); a recording of a game the
//! server lacks lists with its game name and is refused playback as "unknown game
//! NAME" (counted in /metrics), while it still downloads.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod replay_common;

use replay_common::{TempDir, get_bytes, server, verify_with_client};
use serde_json::Value;
use std::time::Duration;
use tickcast_shared::game::{Game, GameEntry};
use tickcast_shared::protocol::Tick;
use tickcast_shared::replay::{ReplayHeader, ReplayWriter};
use tickcast_shared::schema::{Field, Schema};
use tickcast_shared::sim::Arena;
use tickcast_tests::http;
use tickcast_tests::replay_match::{
    MatchScript, header, record, replay_bytes, replay_bytes_format4,
};
use tickcast_tests::server::TestServer;
use tickcast_tests::sse::{SseClient, SseItem};

const WAIT: Duration = Duration::from_secs(10);

fn script() -> MatchScript {
    MatchScript {
        ticks: 900,
        drones: 10,
        players: 3,
        seed: 11,
        checkpoint_secs: 5,
    }
}

/// Every event of a playback at 16x, up to and with `end`: (name, data).
async fn play_all(server: &TestServer, id: &str) -> Vec<(String, Value)> {
    let path = format!("/api/replays/{id}/events?speed=16");
    let mut client = SseClient::connect(server.addr, &path, None).await.unwrap();
    assert_eq!(client.status, 200, "{path}");
    let mut out = Vec::new();
    loop {
        match client.next_within(WAIT).await {
            Some(SseItem::Event { event, data, .. }) => {
                let done = event == "end";
                out.push((event, serde_json::from_str(&data).unwrap()));
                if done {
                    return out;
                }
            }
            Some(_) => {}
            None => panic!("{path}: the stream ended before `end`: {out:?}"),
        }
    }
}

/// The listing's entry of recording `id`.
async fn listed(server: &TestServer, id: &str) -> Value {
    let (status, list) = http::get(server.addr, "/api/replays").await;
    assert_eq!(status, 200);
    list.as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == id)
        .cloned()
        .unwrap_or_else(|| panic!("{id} not listed: {list}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_format4_recording_still_lists_plays_and_verifies() {
    let dir = TempDir::new("replay-format4");
    let replays = dir.path().join("replays");
    std::fs::create_dir_all(&replays).unwrap();
    let file = replays.join("1700000000000-old.tcr");
    std::fs::write(&file, replay_bytes_format4(&script(), "old")).unwrap();
    assert_eq!(&std::fs::read(&file).unwrap()[8..10], &4u16.to_le_bytes());
    let server = server(&dir, &[]).await;
    let entry = listed(&server, "1700000000000-old").await;
    assert_eq!(
        (&entry["game"], &entry["ticks"], &entry["complete"]),
        (&"arena".into(), &900.into(), &true.into()),
        "{entry}"
    );
    let events = play_all(&server, "1700000000000-old").await;
    assert_eq!(events[0].0, "keyframe");
    assert!(events.iter().any(|(name, _)| name == "delta"));
    assert!(events.iter().any(|(name, _)| name == "game"));
    let (_, end) = events.last().unwrap();
    assert_eq!(
        (&end["tick"], &end["reason"]),
        (&900.into(), &"end of replay".into())
    );
    let verified = verify_with_client(&file).await;
    assert!(verified.ok, "{} {}", verified.report, verified.stderr);
    assert_eq!(verified.report["game"], "arena");
    assert_eq!(verified.report["checkpoints_checked"], 4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_build_plays_its_keyframes_and_does_not_verify() {
    let dir = TempDir::new("replay-build");
    let replays = dir.path().join("replays");
    std::fs::create_dir_all(&replays).unwrap();
    let script = script();
    let other = ReplayHeader {
        build: "0.0.0-another-build".into(),
        ..header(&script, "other")
    };
    let writer = ReplayWriter::new(&other, Arena::schema());
    let bytes = record(&script, writer, &other.config_value(), other.seed);
    let file = replays.join("1700000000000-other.tcr");
    std::fs::write(&file, &bytes).unwrap();
    // The same match from this build, for comparison.
    std::fs::write(
        replays.join("1700000000000-same.tcr"),
        replay_bytes(&script, "same"),
    )
    .unwrap();
    let server = server(&dir, &[]).await;
    assert_eq!(
        listed(&server, "1700000000000-other").await["game"],
        "arena"
    );
    let events = play_all(&server, "1700000000000-other").await;
    let frames: Vec<u64> = events
        .iter()
        .filter(|(name, _)| name != "end")
        .map(|(name, data)| {
            assert_eq!(name, "keyframe", "{data}");
            data["tick"].as_u64().unwrap()
        })
        .collect();
    assert_eq!(frames, [0, 300, 600, 900]);
    let (_, end) = events.last().unwrap();
    assert!(
        end["reason"].as_str().unwrap().contains("keyframes only"),
        "{end}"
    );
    // Its keyframes are this build's keyframes of the same ticks.
    let same = play_all(&server, "1700000000000-same").await;
    let at = |events: &[(String, Value)], tick: u64| {
        events
            .iter()
            .find(|(n, d)| n == "keyframe" && d["tick"] == tick)
            .map(|(_, d)| d["entities"].clone())
    };
    assert!(at(&same, 0).is_some());
    assert_eq!(at(&events, 0), at(&same, 0));
    let verified = verify_with_client(&file).await;
    assert!(!verified.ok, "{}", verified.report);
    assert!(
        verified.stderr.contains("build mismatch"),
        "{}",
        verified.stderr
    );
    assert_eq!(
        verified.report["build_mismatch"]["recorded"],
        "0.0.0-another-build"
    );
    assert_eq!(verified.report["mismatches"], 0);
}

/// A recording of a game named `name` that no server here has: a header, a few
/// empty ticks, the end.
fn unknown_game(name: &str) -> Vec<u8> {
    let schema = Schema::builder(name)
        .kind("blob", |k| k.field(Field::uint("size", 8)))
        .input(|i| i.field(Field::flags("jump", 1)))
        .build()
        .unwrap();
    let template = ReplayHeader::of_game(&GameEntry::of::<Arena>(), &Value::Null, 1, 60);
    let header = ReplayHeader {
        game: name.into(),
        build: "1".into(),
        descriptor: schema.canonical_json(),
        schema_hash: schema.hash(),
        config: "{}".into(),
        map_name: "void".into(),
        room_name: "elsewhere".into(),
        room_id: "elsewhere".into(),
        ..template
    };
    let mut w = ReplayWriter::new(&header, &schema);
    for _ in 0..120 {
        w.push_tick(&Default::default()).unwrap();
    }
    w.push_hash(Tick(120), 7).unwrap();
    w.end().unwrap();
    w.take_bytes()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_game_the_server_lacks_lists_downloads_and_is_refused_by_name() {
    let dir = TempDir::new("replay-unknown");
    let replays = dir.path().join("replays");
    std::fs::create_dir_all(&replays).unwrap();
    let file = replays.join("1700000000000-away.tcr");
    let bytes = unknown_game("hopscotch");
    std::fs::write(&file, &bytes).unwrap();
    let server = server(&dir, &[]).await;
    let entry = listed(&server, "1700000000000-away").await;
    assert_eq!(
        (&entry["game"], &entry["ticks"]),
        (&"hopscotch".into(), &120.into())
    );
    for path in [
        "/api/replays/1700000000000-away/events",
        "/api/replays/1700000000000-away/events?from=60&format=binary",
    ] {
        let (status, json) = http::get(server.addr, path).await;
        assert_eq!(status, 422, "{path}: {json}");
        assert_eq!(json["error"], "unknown game hopscotch", "{json}");
    }
    let (_, metrics) = http::get_text(server.addr, "/metrics").await;
    let refused: u64 = metrics
        .lines()
        .find_map(|l| l.strip_prefix("tickcast_replays_unplayable_total "))
        .and_then(|v| v.parse().ok())
        .unwrap();
    assert_eq!(refused, 2);
    let (status, _, downloaded) = get_bytes(server.addr, "/api/replays/1700000000000-away").await;
    assert_eq!((status, downloaded), (200, bytes));
    let verified = verify_with_client(&file).await;
    assert!(!verified.ok);
    assert!(
        verified.stderr.contains("unknown game hopscotch"),
        "{}",
        verified.stderr
    );
    assert_eq!(verified.report["game"], "hopscotch");
}
