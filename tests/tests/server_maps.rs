//! Maps per game over real HTTP against the real binary: the arena keeps its
//! built-in default map (`"arena"`, and `GET /api/maps/arena` answers its geometry
//! exactly as before); a game that plays on no maps (ball) gets no map on its rooms,
//! created or quick-joined, and refuses one asked for (422); map files of the maps
//! directory (flat, or in a subfolder named after the game) are offered to the game.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod replay_common;

use replay_common::TempDir;
use tickcast_shared::sim::Map;
use tickcast_shared::sim::spectate::MapView;
use tickcast_tests::http::{get, get_text, post};
use tickcast_tests::server::TestServer;

#[tokio::test]
async fn the_arena_keeps_its_default_map_and_its_geometry() {
    let s = TestServer::start(&[]).await;
    let (status, names) = get(s.addr, "/api/maps").await;
    assert_eq!(status, 200, "{names}");
    assert!(
        names.as_array().unwrap().contains(&"arena".into()),
        "{names}"
    );

    // The geometry of the built-in map, byte for byte as `MapView` serializes it.
    let (status, text) = get_text(s.addr, "/api/maps/arena").await;
    assert_eq!(status, 200, "{text}");
    let want = serde_json::to_string(&MapView::of(&Map::default_map())).unwrap();
    assert_eq!(text, want);
    let (status, missing) = get(s.addr, "/api/maps/nowhere").await;
    assert_eq!(status, 404, "{missing}");

    // Arena rooms, created or quick-joined, default to it.
    let (status, room) = post(s.addr, "/api/rooms", "{}").await;
    assert_eq!(status, 201, "{room}");
    assert_eq!(room["map"], "arena");
    let (status, seat) = post(s.addr, "/api/matchmake", r#"{"name":"a","game":"arena"}"#).await;
    assert_eq!(status, 200, "{seat}");
    assert_eq!(seat["room"]["map"], "arena", "{seat}");
    s.stop().await;
}

#[tokio::test]
async fn a_ball_room_has_no_map_and_refuses_one() {
    let s = TestServer::start(&[]).await;
    let (status, room) = post(s.addr, "/api/rooms", r#"{"game":"ball"}"#).await;
    assert_eq!(status, 201, "{room}");
    assert_eq!(room["game"], "ball");
    assert!(
        room.get("map").is_none(),
        "a ball room lists no map: {room}"
    );
    let id = room["id"].as_str().unwrap().to_owned();
    let (status, listed) = get(s.addr, &format!("/api/rooms/{id}")).await;
    assert_eq!(status, 200, "{listed}");
    assert!(listed.get("map").is_none(), "{listed}");

    // Quick join of the ball game: its own room, no map.
    let (status, seat) = post(s.addr, "/api/matchmake", r#"{"name":"a","game":"ball"}"#).await;
    assert_eq!(status, 200, "{seat}");
    assert_eq!(seat["room"]["game"], "ball", "{seat}");
    assert!(seat["room"].get("map").is_none(), "{seat}");

    // A map asked of a game without maps is refused, naming the game.
    for path in ["/api/rooms", "/api/matchmake"] {
        let body = r#"{"name":"b","game":"ball","map":"arena"}"#;
        let (status, refused) = post(s.addr, path, body).await;
        assert_eq!(status, 422, "{path}: {refused}");
        let error = refused["error"].as_str().unwrap();
        assert!(
            error.contains("ball") && error.contains("no maps"),
            "{error}"
        );
    }
    s.stop().await;
}

#[tokio::test]
async fn map_files_are_offered_flat_and_in_the_games_subfolder() {
    let dir = TempDir::new("maps");
    let maps = dir.path().join("maps");
    std::fs::create_dir_all(maps.join("arena")).unwrap();
    std::fs::write(
        maps.join("open.map"),
        "name open\nsize 300 200\nspawn 10 10\n",
    )
    .unwrap();
    std::fs::write(
        maps.join("arena").join("own.map"),
        "name own\nsize 80 40\nspawn 1 1\n",
    )
    .unwrap();
    std::fs::write(maps.join("broken.map"), "name broken\nsize\n").unwrap();
    let s = TestServer::start(&["--maps-dir", maps.to_str().unwrap()]).await;
    let (status, names) = get(s.addr, "/api/maps").await;
    assert_eq!(status, 200, "{names}");
    assert_eq!(names, serde_json::json!(["arena", "open", "own"]));
    let (status, open) = get(s.addr, "/api/maps/open").await;
    assert_eq!(status, 200, "{open}");
    assert_eq!(open["width"], 300.0);
    assert_eq!(open["walls"], serde_json::json!([]));
    let (status, own) = get(s.addr, "/api/maps/own").await;
    assert_eq!(status, 200, "{own}");
    assert_eq!(own["height"], 40.0);

    for map in ["open", "own"] {
        let body = format!(r#"{{"name":"a","map":"{map}"}}"#);
        let (status, seat) = post(s.addr, "/api/matchmake", &body).await;
        assert_eq!(status, 200, "{seat}");
        assert_eq!(seat["room"]["map"], map, "{seat}");
    }
    let (status, refused) = post(s.addr, "/api/rooms", r#"{"map":"broken"}"#).await;
    assert_eq!(
        status, 422,
        "a map that does not read is not offered: {refused}"
    );
    s.stop().await;
}
