//! Who played reaches the recording (issue 11): with `[auth]` on, each player's
//! display name and JWT `sub` are written as player records and listed as the
//! replay's `roster`; without auth the name is there and `sub` is null.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod replay_common;

use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
use replay_common::{TempDir, config_file, server, verify_with_client};
use serde_json::{Value, json};
use std::time::{Duration, Instant};
use tickcast_shared::protocol::HelloAuth;
use tickcast_shared::sim::PlayerInput;
use tickcast_tests::http::{self, post, post_with};
use tickcast_tests::player::{Player, open};
use tickcast_tests::server::TestServer;

const SECRET: &str = "roster-secret-of-this-run";

/// An HS256 token for `sub` named `name`, valid for ten minutes.
fn jwt(sub: &str, name: &str) -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let claims = json!({ "sub": sub, "name": name, "exp": now + 600 });
    let key = EncodingKey::from_secret(SECRET.as_bytes());
    encode(&Header::new(Algorithm::HS256), &claims, &key).unwrap()
}

/// Take a seat in `room` (with `token` when given) and play a few ticks.
async fn seat(server: &TestServer, room: &str, name: &str, token: Option<&str>) -> Player {
    let join = format!("/api/rooms/{room}/join");
    let body = json!({ "name": name }).to_string();
    let (status, seat) = match token {
        Some(t) => {
            let auth = format!("Bearer {t}");
            post_with(server.addr, &join, &body, &[("authorization", &auth)]).await
        }
        None => post(server.addr, &join, &body).await,
    };
    assert_eq!(status, 200, "{seat}");
    let ws = open(server.addr, seat["ws_url"].as_str().unwrap()).await;
    let ticket = seat["ticket"].as_str().unwrap().to_owned();
    let mut p = Player::hello(ws, HelloAuth::Ticket(ticket), name).await;
    for _ in 0..3 {
        let snap = p.next_snapshot().await;
        p.send_input(PlayerInput::default(), Some(snap.tick)).await;
    }
    p
}

/// The listed recording of `room` once complete (bounded wait).
async fn finished(server: &TestServer, room: &str) -> Value {
    let deadline = Instant::now() + replay_common::LIST_WAIT;
    loop {
        let (_, list) = http::get(server.addr, "/api/replays").await;
        let entry = list.as_array().and_then(|l| {
            l.iter()
                .find(|r| r["room_id"] == room && r["complete"] == true)
                .cloned()
        });
        if let Some(entry) = entry {
            return entry;
        }
        assert!(
            Instant::now() < deadline,
            "room {room} not recorded: {list}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn roster(entry: &Value) -> Vec<(String, Value)> {
    entry["roster"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["name"].as_str().unwrap().to_owned(), p["sub"].clone()))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_recording_names_each_player_and_its_sub() {
    let dir = TempDir::new("replay-roster");
    let config = config_file(&dir, &format!("[auth]\njwt_secret = \"{SECRET}\"\n"));
    let server = server(&dir, &["--config", &config, "--resume-grace-secs", "1"]).await;
    let (status, room) = post(server.addr, "/api/rooms", "{}").await;
    assert_eq!(status, 201, "{room}");
    let room = room["id"].as_str().unwrap().to_owned();
    let ann = seat(&server, &room, "asked-ann", Some(&jwt("user-ann", "Ann"))).await;
    let bob = seat(&server, &room, "asked-bob", Some(&jwt("user-bob", "Bob"))).await;
    drop((ann, bob));
    let entry = finished(&server, &room).await;
    assert_eq!(
        roster(&entry),
        [
            ("Ann".to_owned(), json!("user-ann")),
            ("Bob".to_owned(), json!("user-bob"))
        ],
        "{entry}"
    );
    let id = entry["id"].as_str().unwrap();
    let v = verify_with_client(&dir.path().join("replays").join(format!("{id}.tcr"))).await;
    assert!(v.ok, "{} {}", v.report, v.stderr);
    assert!(
        v.report["checkpoints_checked"].as_u64() >= Some(1),
        "{}",
        v.report
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_auth_the_roster_has_names_and_no_sub() {
    let dir = TempDir::new("replay-roster-open");
    let server = server(&dir, &["--resume-grace-secs", "1"]).await;
    let (status, room) = post(server.addr, "/api/rooms", "{}").await;
    assert_eq!(status, 201, "{room}");
    let room = room["id"].as_str().unwrap().to_owned();
    drop(seat(&server, &room, "Cy", None).await);
    let entry = finished(&server, &room).await;
    assert_eq!(roster(&entry), [("Cy".to_owned(), Value::Null)], "{entry}");
    server.stop().await;
}
