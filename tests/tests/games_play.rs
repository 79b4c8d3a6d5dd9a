//! Every game through the same end-to-end path, against real binaries on loopback:
//! the stock server's bundled games (the arena and the ball game) and the coins game
//! on its own server (the walk-through's `Server::builder().game::<Coins>()`).
//!
//! For each: the catalog lists it; bots play it over WebSocket and over QUIC with no
//! decode error; spectators watch it in JSON and in binary and resume where they left
//! off. Every match is also recorded (replay format 5), listed with its game,
//! played back over SSE (JSON and binary, at 16x) and verified by re-simulation:
//! the bundled games by the real client (`replay --verify`), coins, which the
//! client does not bundle, in-process with the coins crate.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod replay_common;

use replay_common::{TempDir, complete_replay_of, get_bytes, verify_with_client};
use serde_json::{Value, json};
use std::time::Duration;
use tickcast_client::RoomId;
use tickcast_shared::game::GameEntry;
use tickcast_shared::replay::verify;
use tickcast_tests::http::{get, post};
use tickcast_tests::server::{TestServer, binary, bots_report};
use tickcast_tests::sse::{SseClient, SseItem};

const WAIT: Duration = Duration::from_secs(10);

/// Server arguments: record into `dir`, finish rooms 1 s after the last player.
fn recording(dir: &TempDir) -> Vec<String> {
    let replays = dir.path().join("replays");
    [
        "--replay-dir",
        replays.to_str().unwrap(),
        "--empty-room-secs",
        "1",
    ]
    .map(str::to_owned)
    .to_vec()
}

/// A room of `game`, by name through the lobby.
async fn room_of(server: &TestServer, game: &str) -> String {
    let body = json!({ "name": format!("{game} room"), "game": game }).to_string();
    let (status, room) = post(server.addr, "/api/rooms", &body).await;
    assert_eq!(status, 201, "{room}");
    assert_eq!(room["game"], game, "{room}");
    room["id"].as_str().unwrap().to_owned()
}

/// The next `event` of a stream with an id, skipping comments and `retry`.
async fn next_event(client: &mut SseClient) -> (String, String, Option<String>) {
    loop {
        match client.next_within(WAIT).await {
            Some(SseItem::Event { event, data, id }) => return (event, data, id),
            Some(_) => continue,
            None => panic!("the stream ended"),
        }
    }
}

/// A spectator reads `n` events of `path`, drops, and resumes with `Last-Event-ID`:
/// the server resumes right after the last id it saw (no `reset`; ids are
/// `tick * 4 + slot`, so the next one is larger, not one more).
async fn watch_and_resume(server: &TestServer, path: &str, n: usize) -> Vec<String> {
    let mut client = SseClient::connect(server.addr, path, None).await.unwrap();
    assert_eq!(client.status, 200, "{path}");
    let mut last = None;
    let mut data = Vec::new();
    for _ in 0..n {
        let (_, text, id) = next_event(&mut client).await;
        data.push(text);
        last = id.or(last);
    }
    drop(client);
    let last = last.expect("events carry ids");
    let mut resumed = SseClient::connect(server.addr, path, Some(&last))
        .await
        .unwrap();
    assert_eq!(resumed.status, 200);
    let continues = resumed
        .headers
        .iter()
        .find(|(k, _)| k == "last-event-id")
        .map(|(_, v)| v.clone());
    assert_eq!(
        continues.as_deref(),
        Some(last.as_str()),
        "resumed, not restarted"
    );
    let (name, _, id) = next_event(&mut resumed).await;
    assert_ne!(name, "reset");
    let next = id.expect("a resumed event has an id");
    assert!(
        next.parse::<u64>().unwrap() > last.parse::<u64>().unwrap(),
        "resumed at {next} ({name}) after {last}"
    );
    data
}

/// A ball room's spectator frames are the ball game's: JSON entities name the
/// `ball` kind, and the first binary keyframe's body decodes with the ball schema's
/// row codec into rows with a `ball` among them.
fn the_ball_feed_speaks_ball(json_frames: &[String], binary: &[String]) {
    use base64::Engine;
    use tickcast_shared::codec::{DeltaLimits, RowCodec, apply_rows};
    use tickcast_shared::game::Game;
    let schema = tickcast_ball::Ball::schema();
    assert!(
        json_frames.iter().any(|d| d.contains(r#""kind":"ball""#)),
        "JSON frames: {json_frames:?}"
    );
    let keyframe: Value = binary
        .iter()
        .find_map(|d| {
            serde_json::from_str::<Value>(d)
                .ok()
                .filter(|v| v["body"].is_string())
        })
        .expect("a binary keyframe");
    assert_eq!(keyframe["game"], "ball", "{keyframe}");
    let body = base64::engine::general_purpose::STANDARD
        .decode(keyframe["body"].as_str().unwrap())
        .unwrap();
    let rows = apply_rows(&RowCodec::new(schema), None, &body, &DeltaLimits::default())
        .expect("the keyframe body decodes with the ball schema");
    let ball = schema
        .kind_index("ball")
        .expect("the ball schema has a ball kind");
    assert!(
        rows.rows.iter().any(|r| usize::from(r.kind) == ball),
        "{rows:?}"
    );
}

/// How a game's recording is verified.
#[derive(Clone, Copy)]
enum Verifier {
    /// By the real client's re-simulation (a game it bundles).
    Client,
    /// In-process, with this catalog (a game the client lacks).
    InProcess(fn() -> Vec<GameEntry>),
}

/// A playback of recording `id` over SSE in `format` at 16x: its first frame is
/// a keyframe at tick 0 naming `game` (the arena's too: one frame maker for every
/// game), and it ends with `event: end`.
async fn plays_back(server: &TestServer, id: &str, game: &str, format: &str) {
    let path = format!("/api/replays/{id}/events?speed=16&format={format}");
    let mut client = SseClient::connect(server.addr, &path, None).await.unwrap();
    assert_eq!(client.status, 200, "{path}");
    let (event, data, id) = next_event(&mut client).await;
    assert_eq!(event, "keyframe", "{path}: {data}");
    // Ids are `tick * 4 + slot`: the keyframe of tick 0.
    assert!(id.unwrap().parse::<u64>().unwrap() < 4, "{path}");
    let key: Value = serde_json::from_str(&data).unwrap();
    assert_eq!(key["game"], game, "{path}: {data}");
    let mut frames = 0;
    loop {
        let (event, data, _) = next_event(&mut client).await;
        match event.as_str() {
            "end" => {
                assert!(data.contains("end of replay"), "{data}");
                break;
            }
            "keyframe" | "delta" => frames += 1,
            _ => {}
        }
    }
    assert!(frames > 3, "{path}: {frames} frames");
}

/// The whole path for one game on `server` (see the module docs).
async fn plays_watches_and_records(server: &TestServer, game: &str, verifier: Verifier) {
    let (status, games) = get(server.addr, "/api/games").await;
    assert_eq!(status, 200);
    assert!(
        games.as_array().unwrap().iter().any(|g| g["name"] == game),
        "{games}"
    );
    let room = room_of(server, game).await;
    let events = format!("/api/rooms/{room}/events");
    let bots = {
        let url = server.url.clone();
        let room = room.clone();
        tokio::spawn(async move {
            let common = ["--room", &room, "--count", "2", "--duration", "3s"];
            let ws = bots_report(&url, &common).await;
            let quic = bots_report(&url, &[&common[..], &["--transport", "quic"]].concat()).await;
            (ws, quic)
        })
    };
    let json_frames = watch_and_resume(server, &events, 5).await;
    assert!(
        json_frames.iter().any(|d| d.starts_with('{')),
        "JSON frames: {json_frames:?}"
    );
    let binary = watch_and_resume(server, &format!("{events}?format=binary"), 5).await;
    assert!(!binary.is_empty());
    if game == "ball" {
        the_ball_feed_speaks_ball(&json_frames, &binary);
    }
    let (ws, quic) = bots.await.unwrap();
    for (report, transport) in [(&ws, "ws"), (&quic, "quic")] {
        assert_eq!(report["connected"], 2, "{transport}: {report}");
        assert_eq!(report["decode_errors"], 0, "{transport}: {report}");
        assert!(
            report["snapshots"].as_u64().unwrap() > 10,
            "{transport}: {report}"
        );
    }
    let entry: Value = complete_replay_of(server, &RoomId(room.clone())).await;
    assert_eq!(entry["game"], game, "{entry}");
    let id = entry["id"].as_str().unwrap();
    for format in ["json", "binary"] {
        plays_back(server, id, game, format).await;
    }
    let (status, _, bytes) = get_bytes(server.addr, &format!("/api/replays/{id}")).await;
    assert_eq!(status, 200);
    match verifier {
        Verifier::Client => {
            let dir = TempDir::new(&format!("verify-{game}"));
            let file = dir.path().join("match.tcr");
            std::fs::write(&file, bytes).unwrap();
            let verified = verify_with_client(&file).await;
            assert!(
                verified.ok,
                "{game}: {} {}",
                verified.report, verified.stderr
            );
            assert_eq!(verified.report["game"], game);
            assert_eq!(verified.report["build_mismatch"], Value::Null);
            assert!(verified.report["hashes_checked"].as_u64().unwrap() > 0);
        }
        Verifier::InProcess(catalog) => {
            let report = verify(&bytes, &catalog());
            assert!(report.is_ok() && report.complete, "{game}: {report:?}");
            assert!(report.hashes_checked > 0 && report.ticks > 0, "{report:?}");
            assert_eq!(report.game.as_deref(), Some(game));
        }
    }
}

#[tokio::test]
async fn the_ball_game_plays_and_spectates_like_the_arena_beside_it() {
    let dir = TempDir::new("games-ball");
    let args = recording(&dir);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let server = TestServer::start(&args).await;
    plays_watches_and_records(&server, "ball", Verifier::Client).await;
    plays_watches_and_records(&server, "arena", Verifier::Client).await;
}

#[tokio::test]
async fn a_game_brought_with_the_builder_runs_on_its_own_server() {
    let dir = TempDir::new("games-coins");
    let args = recording(&dir);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let server = TestServer::start_binary(&binary("examples/coins-server"), &args).await;
    let (_, games) = get(server.addr, "/api/games").await;
    assert_eq!(games.as_array().unwrap().len(), 1, "{games}");
    // The client knows nothing of coins: its bots draw inputs from the schema.
    let coins = || vec![GameEntry::of::<tickcast_coins::Coins>()];
    plays_watches_and_records(&server, "coins", Verifier::InProcess(coins)).await;
    let body = json!({ "game": "coins", "options": { "coins": 500 } }).to_string();
    let (status, refused) = post(server.addr, "/api/rooms", &body).await;
    assert_eq!(status, 422, "{refused}");
    assert!(refused.to_string().contains("coins"), "{refused}");
}
