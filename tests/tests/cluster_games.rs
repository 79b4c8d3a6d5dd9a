//! Any game on the cluster, against real binaries and a real redis-server:
//! matchmaking across nodes finds the open room of the game asked for and never
//! puts a caller into a room of another game; a room of a game other than the
//! default is watched from another node through Redis, in both formats, with the
//! game's own frames (the mirror rebuilds the game's rows). A room record written
//! by an older node (no `game`; a map named for every game) is matched by
//! quick-join as a room of the default game, and each game's new rooms get its own
//! default map (none for ball).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod cluster_common;
mod sse_common;

use cluster_common::{id_text, node, until};
use serde_json::Value;
use sse_common::ITEM_WAIT;
use tickcast_shared::codec::DeltaLimits;
use tickcast_shared::game::Game;
use tickcast_shared::spectate::RowState;
use tickcast_tests::http::post;
use tickcast_tests::redis::RedisServer;
use tickcast_tests::server::TestServer;
use tickcast_tests::sse::{SseClient, SseItem};

/// Open an SSE stream at `path` on `server`, expecting 200.
async fn stream(server: &TestServer, path: &str) -> SseClient {
    let client = SseClient::connect(server.addr, path, None).await.unwrap();
    assert_eq!(client.status, 200, "{path}");
    client
}

/// The next event (name, data), skipping comments and `retry:`.
async fn next_event(client: &mut SseClient) -> (String, String) {
    loop {
        match client.next_within(ITEM_WAIT).await {
            Some(SseItem::Event { event, data, .. }) => return (event, data),
            Some(_) => {}
            None => panic!("the stream ended"),
        }
    }
}

#[tokio::test]
async fn ball_matchmakes_and_spectates_across_two_nodes() {
    let redis = RedisServer::start().await;
    let n1 = node(&redis, "n1", &[]).await;
    let n2 = node(&redis, "n2", &[]).await;

    // Two callers on two nodes asking for ball meet in one ball room.
    let (status, a) = post(n1.addr, "/api/matchmake", r#"{"name":"a","game":"ball"}"#).await;
    assert_eq!(status, 200, "{a}");
    assert_eq!(a["room"]["game"], "ball", "{a}");
    let ball_room = id_text(&a["room"]["id"]);
    let (status, b) = post(n2.addr, "/api/matchmake", r#"{"name":"b","game":"ball"}"#).await;
    assert_eq!(status, 200, "{b}");
    assert_eq!(id_text(&b["room"]["id"]), ball_room, "the open ball room");
    // A caller asking for the default game is never put into the ball room,
    // though it has free seats.
    let (status, c) = post(n2.addr, "/api/matchmake", r#"{"name":"c"}"#).await;
    assert_eq!(status, 200, "{c}");
    assert_ne!(id_text(&c["room"]["id"]), ball_room, "games never mix: {c}");
    assert_ne!(c["room"]["game"], "ball", "{c}");
    let (status, d) = post(n1.addr, "/api/matchmake", r#"{"name":"d","game":"arena"}"#).await;
    assert_eq!(status, 200, "{d}");
    assert_eq!(id_text(&d["room"]["id"]), id_text(&c["room"]["id"]));

    // The ball room runs on its node; watch it from the other one.
    let owner = a["room"]["node"].as_str().unwrap().to_owned();
    let (home, away) = if owner == "n1" {
        (&n1, &n2)
    } else {
        (&n2, &n1)
    };
    until(home.addr, &format!("/api/rooms/{ball_room}"), |s, r| {
        s == 200 && r["game"] == "ball"
    })
    .await;
    let path = format!("/api/rooms/{ball_room}/events");

    // JSON: the ball's own keyframe (named by its schema), then deltas on it.
    let mut json = stream(away, &path).await;
    let (event, data) = next_event(&mut json).await;
    assert_eq!(event, "keyframe", "{data}");
    let key: Value = serde_json::from_str(&data).unwrap();
    assert_eq!(key["game"], "ball", "{key}");
    let kinds: Vec<&str> = key["entities"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["kind"].as_str())
        .collect();
    assert!(kinds.contains(&"ball"), "{key}");
    let mut deltas = 0;
    while deltas < 3 {
        let (event, data) = next_event(&mut json).await;
        if event == "delta" {
            let d: Value = serde_json::from_str(&data).unwrap();
            assert!(d["base"].as_u64().unwrap() < d["tick"].as_u64().unwrap());
            deltas += 1;
        }
    }

    // Binary: the mirror relays the owner's row bodies; they rebuild the game's rows
    // with its schema.
    let schema = tickcast_ball::Ball::schema();
    let mut bin = stream(away, &format!("{path}?format=binary")).await;
    let mut state = RowState::new(schema, DeltaLimits::default());
    let mut frames = 0;
    while frames < 4 {
        let (event, data) = next_event(&mut bin).await;
        state.apply(&event, &data).unwrap();
        if event == "keyframe" || event == "delta" {
            frames += 1;
        }
    }
    let rows = state.snapshot.clone().unwrap();
    let ball_kind = schema
        .kinds()
        .iter()
        .position(|k| k.name == "ball")
        .unwrap();
    assert!(
        rows.rows.iter().any(|r| usize::from(r.kind) == ball_kind),
        "{rows:?}"
    );
    // The mirror's catch-up keyframe of this frame is one of the ball's.
    let key = state.keyframe().unwrap();
    assert!(key.keyframe && key.binary.contains(r#""game":"ball""#));
}

/// A node record and room records as a node from before several games wrote them:
/// no `game` field, and a map named on every room.
async fn older_node(redis: &RedisServer) {
    let url = "http://127.0.0.1:9";
    let node = format!(
        r#"{{"id":"old","url":"{url}","rooms":2,"players":0,"spectators":0,"draining":false}}"#
    );
    assert_eq!(
        redis.command(&["SADD", "tickcast:nodes", "old"]).await,
        ":1"
    );
    let set = redis
        .command(&["SET", "tickcast:node:old", &node, "PX", "600000"])
        .await;
    assert_eq!(set, "+OK");
    let room = |id: &str, game: &str| {
        format!(
            r#"{{"id":"{id}","name":"old {id}",{game}"map":"arena","state":"waiting","players":0,"max_players":16,"free_seats":16,"spectators":0,"tick":0,"drones":0,"private":false,"node":"old","url":"{url}"}}"#
        )
    };
    for (id, record) in [
        ("olderroomaaaa", room("olderroomaaaa", "")),
        ("olderroombbbb", room("olderroombbbb", r#""game":"ball","#)),
    ] {
        let set = redis
            .command(&["HSET", "tickcast:rooms:old", id, &record])
            .await;
        assert_eq!(set, ":1", "{record}");
    }
}

#[tokio::test]
async fn an_older_nodes_room_without_game_is_quick_joined_as_the_default_game() {
    let redis = RedisServer::start().await;
    let n1 = node(&redis, "n1", &[]).await;
    older_node(&redis).await;

    // The default game (and the arena by name) finds the older node's room that
    // names no game.
    for body in [r#"{"name":"a"}"#, r#"{"name":"b","game":"arena"}"#] {
        let (status, seat) = post(n1.addr, "/api/matchmake", body).await;
        assert_eq!(status, 200, "{seat}");
        assert_eq!(
            id_text(&seat["room"]["id"]),
            "olderroomaaaa",
            "{body}: {seat}"
        );
        assert!(
            seat["ws_url"]
                .as_str()
                .unwrap()
                .starts_with("ws://127.0.0.1:9/"),
            "{seat}"
        );
    }
    // Ball never gets it; it gets the older node's ball room, whatever map that
    // record names (ball plays on no maps).
    let (status, seat) = post(n1.addr, "/api/matchmake", r#"{"name":"c","game":"ball"}"#).await;
    assert_eq!(status, 200, "{seat}");
    assert_eq!(id_text(&seat["room"]["id"]), "olderroombbbb", "{seat}");
}

#[tokio::test]
async fn cluster_quick_join_gives_each_game_its_own_default_map() {
    let redis = RedisServer::start().await;
    let n1 = node(&redis, "n1", &[]).await;
    let (status, arena) = post(n1.addr, "/api/matchmake", r#"{"name":"a"}"#).await;
    assert_eq!(status, 200, "{arena}");
    assert_eq!(arena["room"]["map"], "arena", "{arena}");
    let (status, ball) = post(n1.addr, "/api/matchmake", r#"{"name":"b","game":"ball"}"#).await;
    assert_eq!(status, 200, "{ball}");
    assert!(
        ball["room"].get("map").is_none(),
        "ball plays on no maps: {ball}"
    );
    let ball_room = id_text(&ball["room"]["id"]);
    // The placed room starts on its node with no map, as listed.
    until(n1.addr, &format!("/api/rooms/{ball_room}"), |s, r| {
        s == 200 && r["game"] == "ball" && r.get("map").is_none() && r["url"].is_string()
    })
    .await;
    let (status, refused) = post(
        n1.addr,
        "/api/matchmake",
        r#"{"name":"c","game":"ball","map":"arena"}"#,
    )
    .await;
    assert_eq!(status, 422, "{refused}");
}
