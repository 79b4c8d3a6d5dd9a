//! The game catalog over real HTTP against the real binary: `GET /api/games` lists
//! the arena with its schema hash, `GET /api/games/{name}` answers a descriptor that
//! re-hashes to it, unknown games are refused (404 to look up, 400 to create or
//! matchmake), rooms and recordings say which game they are.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod replay_common;

use replay_common::{TempDir, complete_replay_of, play, room, server};
use std::time::Duration;
use tickcast_shared::codec::{decode_server, encode_client};
use tickcast_shared::protocol::{ClientMsg, HelloAuth, PROTOCOL_VERSION, ServerMsg};
use tickcast_shared::schema::{Schema, SchemaHash};
use tickcast_shared::sim::schema::arena_schema;
use tickcast_tests::http::{get, post};
use tickcast_tests::server::TestServer;

#[tokio::test]
async fn the_catalog_lists_the_arena_with_its_schema() {
    let s = TestServer::start(&[]).await;
    let want = arena_schema().hash().to_string();
    assert_eq!(want.len(), 16);

    let (status, list) = get(s.addr, "/api/games").await;
    assert_eq!(status, 200, "{list}");
    let games = list.as_array().unwrap();
    // The stock binary bundles the arena (the default, listed first) and the ball game.
    assert_eq!(games.len(), 2, "{list}");
    assert_eq!(games[1]["name"], "ball", "{list}");
    let arena = &games[0];
    assert_eq!(arena["name"], "arena");
    assert_eq!(arena["schema_hash"], want.as_str());
    assert!(arena["description"].is_string(), "{arena}");
    let hash = arena["schema_hash"].as_str().unwrap();
    assert!(hash.len() == 16 && hash.bytes().all(|b| b.is_ascii_hexdigit()));

    let (status, detail) = get(s.addr, "/api/games/arena").await;
    assert_eq!(status, 200, "{detail}");
    assert_eq!(detail["name"], "arena");
    assert_eq!(detail["schema_hash"], want.as_str());
    assert_eq!(detail["description"], arena["description"]);
    let schema = Schema::from_json(&detail["schema"].to_string()).unwrap();
    assert_eq!(schema.hash().to_string(), want, "the descriptor re-hashes");
    assert_eq!(schema.name(), "arena");

    let (status, missing) = get(s.addr, "/api/games/chess").await;
    assert_eq!(status, 404, "{missing}");
    assert_eq!(missing["error"], "no such game");
    s.stop().await;
}

#[tokio::test]
async fn rooms_carry_their_game_and_unknown_games_are_refused() {
    let s = TestServer::start(&[]).await;
    let (status, named) = post(s.addr, "/api/rooms", r#"{"game":"arena"}"#).await;
    assert_eq!(status, 201, "{named}");
    assert_eq!(named["game"], "arena");
    let (status, default) = post(s.addr, "/api/rooms", "{}").await;
    assert_eq!(status, 201, "{default}");
    assert_eq!(default["game"], "arena", "the first game is the default");

    let id = named["id"].as_str().unwrap();
    let (_, fetched) = get(s.addr, &format!("/api/rooms/{id}")).await;
    assert_eq!(fetched["game"], "arena");
    let (_, list) = get(s.addr, "/api/rooms").await;
    let rooms = list.as_array().unwrap();
    assert_eq!(rooms.len(), 2, "{list}");
    assert!(rooms.iter().all(|r| r["game"] == "arena"), "{list}");

    let (status, refused) = post(s.addr, "/api/rooms", r#"{"game":"chess"}"#).await;
    assert_eq!(status, 400, "{refused}");
    assert!(
        refused["error"]
            .as_str()
            .unwrap()
            .starts_with("unknown game"),
        "{refused}"
    );
    let (status, refused) =
        post(s.addr, "/api/matchmake", r#"{"name":"ann","game":"chess"}"#).await;
    assert_eq!(status, 400, "{refused}");
    assert!(
        refused["error"]
            .as_str()
            .unwrap()
            .starts_with("unknown game"),
        "{refused}"
    );
    let (_, list) = get(s.addr, "/api/rooms").await;
    assert_eq!(
        list.as_array().unwrap().len(),
        2,
        "a refusal creates no room"
    );

    // Matchmaking for the arena (named or by default) seats in an arena room.
    for body in [r#"{"name":"ann","game":"arena"}"#, r#"{"name":"bob"}"#] {
        let (status, seat) = post(s.addr, "/api/matchmake", body).await;
        assert_eq!(status, 200, "{seat}");
        assert_eq!(seat["room"]["game"], "arena", "{seat}");
    }
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn recordings_are_listed_with_their_game() {
    let dir = TempDir::new("games-replays");
    let server = server(&dir, &[]).await;
    let info = room(&server, 0).await;
    play(&server, &info.id, 1, Duration::from_millis(300)).await;
    let entry = complete_replay_of(&server, &info.id).await;
    assert_eq!(
        entry["game"], "arena",
        "format-4 recordings are the arena's"
    );
    server.stop().await;
}

/// The Welcome of a client that announced the room's schema hash in its Hello.
async fn welcome_for(s: &TestServer, room: &str, schema: Option<SchemaHash>) -> ServerMsg {
    use futures_util::{SinkExt, StreamExt};
    use tokio_tungstenite::tungstenite::Message;
    let (ticket, path) = tickcast_tests::player::ticket(s.addr, room, "w").await;
    let mut ws = tickcast_tests::player::open(s.addr, &path).await;
    let hello = ClientMsg::Hello {
        version: PROTOCOL_VERSION,
        auth: HelloAuth::Ticket(ticket),
        name: "w".into(),
        schema,
    };
    ws.send(Message::Binary(encode_client(&hello).into()))
        .await
        .unwrap();
    loop {
        let frame = tokio::time::timeout(Duration::from_secs(10), ws.next())
            .await
            .expect("a Welcome in time")
            .expect("an open socket")
            .unwrap();
        if let Message::Binary(bytes) = frame {
            return decode_server(&bytes, bytes.len()).unwrap();
        }
    }
}

#[tokio::test]
async fn the_welcome_carries_the_descriptor_only_to_a_client_that_lacks_it() {
    let s = TestServer::start(&[]).await;
    let room = tickcast_tests::player::create_room(s.addr, r#"{"name":"w"}"#).await;
    let ServerMsg::Welcome {
        schema,
        schema_hash,
        ..
    } = welcome_for(&s, &room, None).await
    else {
        panic!("no Welcome");
    };
    assert_eq!(schema_hash, arena_schema().hash());
    let read = Schema::from_json(&schema).unwrap();
    assert_eq!(
        read.hash(),
        schema_hash,
        "the descriptor hashes as announced"
    );

    let ServerMsg::Welcome {
        schema,
        schema_hash,
        ..
    } = welcome_for(&s, &room, Some(arena_schema().hash())).await
    else {
        panic!("no Welcome");
    };
    assert_eq!(schema_hash, arena_schema().hash());
    assert!(
        schema.is_empty(),
        "a client with the schema gets no descriptor"
    );
}
