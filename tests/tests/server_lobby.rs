//! Lobby API over real HTTP against the real binary: happy and error paths, seat
//! accounting, and matchmaking under concurrency.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::net::{IpAddr, Ipv4Addr};
use tickcast_tests::http::{get, metric, post, post_from};
use tickcast_tests::server::TestServer;

#[tokio::test]
async fn rooms_are_created_listed_and_fetched() {
    let s = TestServer::start(&[]).await;
    let (status, room) = post(
        s.addr,
        "/api/rooms",
        r#"{"name":"duel","max_players":2,"drones":5}"#,
    )
    .await;
    assert_eq!(status, 201);
    assert_eq!(room["name"], "duel");
    assert_eq!(room["map"], "arena");
    assert_eq!(room["state"], "waiting");
    assert_eq!(room["players"], 0);
    assert_eq!(room["max_players"], 2);
    assert_eq!(room["spectators"], 0);
    assert!(room["tick"].is_u64());
    let id = room["id"].as_str().unwrap().to_owned();
    assert_eq!(id.len(), 13, "random room ids: {id}");

    let (_, hidden) = post(s.addr, "/api/rooms", r#"{"private":true}"#).await;
    let (status, list) = get(s.addr, "/api/rooms").await;
    assert_eq!(status, 200);
    let ids: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, vec![id.as_str()], "private rooms are not listed");

    let (status, one) = get(s.addr, &format!("/api/rooms/{id}")).await;
    assert_eq!((status, one["name"].as_str()), (200, Some("duel")));
    let (code, invite) = (
        hidden["invite"].as_str().unwrap(),
        hidden["id"].as_str().unwrap(),
    );
    let (status, private) = get(s.addr, &format!("/api/rooms/{invite}?invite={code}")).await;
    assert_eq!((status, private["private"].as_bool()), (200, Some(true)));
}

#[tokio::test]
async fn bad_requests_get_json_errors_with_fitting_status() {
    let s = TestServer::start(&[]).await;
    for (path, body, want) in [
        ("/api/rooms", r#"{"max_players":0}"#, 422),
        ("/api/rooms", r#"{"max_players":65}"#, 422),
        ("/api/rooms", r#"{"drones":10001}"#, 422),
        ("/api/rooms", r#"{"map":"nowhere"}"#, 422),
        ("/api/rooms", r#"{"name":""}"#, 422),
        ("/api/rooms", r#"{"bogus":1}"#, 422),
        ("/api/rooms", "not json", 400),
        ("/api/rooms/999/join", r#"{"name":"a"}"#, 404),
        ("/api/rooms/abc/join", r#"{"name":"a"}"#, 404),
        ("/api/matchmake", r#"{}"#, 422),
    ] {
        let (status, body_json) = post(s.addr, path, body).await;
        assert_eq!(status, want, "{path} {body} -> {body_json}");
        assert!(body_json["error"].is_string(), "{path} {body}: {body_json}");
    }
    let (status, body) = get(s.addr, "/api/rooms/424242").await;
    assert_eq!(status, 404);
    assert_eq!(body["error"], "no such room");
}

/// Every lobby refusal is counted in /metrics by reason, the 422s (an unknown map,
/// a map asked of a game on no maps, an invalid value) as the others; a body the
/// lobby never saw (not JSON) is not a lobby refusal.
#[tokio::test]
async fn lobby_refusals_are_counted_by_reason() {
    let s = TestServer::start(&[]).await;
    for (path, body, want) in [
        ("/api/rooms", r#"{"map":"nowhere"}"#, 422),
        ("/api/rooms", r#"{"game":"ball","map":"arena"}"#, 422),
        (
            "/api/matchmake",
            r#"{"name":"a","game":"ball","map":"arena"}"#,
            422,
        ),
        ("/api/rooms", r#"{"max_players":0}"#, 422),
        ("/api/rooms", r#"{"game":"nope"}"#, 400),
        ("/api/rooms/999/join", r#"{"name":"a"}"#, 404),
        ("/api/rooms", "not json", 400),
    ] {
        let (status, answer) = post(s.addr, path, body).await;
        assert_eq!(status, want, "{path} {body} -> {answer}");
    }
    let refused = |reason: &str| format!("tickcast_lobby_refused_total{{reason=\"{reason}\"}}");
    for (reason, want) in [
        ("unknown_map", 1.0),
        ("no_maps", 2.0),
        ("invalid", 1.0),
        ("unknown_game", 1.0),
        ("not_found", 1.0),
        ("full", 0.0),
    ] {
        assert_eq!(metric(s.addr, &refused(reason)).await, want, "{reason}");
    }
}

#[tokio::test]
async fn joining_a_full_room_is_refused() {
    let s = TestServer::start(&[]).await;
    let (_, room) = post(s.addr, "/api/rooms", r#"{"max_players":2}"#).await;
    let join = format!("/api/rooms/{}/join", room["id"].as_str().unwrap());
    // Two players from two addresses (one address holds one unredeemed ticket in
    // a two-seat room: asking again replaces it), and a third is refused.
    for (name, from) in [("a", 1), ("b", 2)] {
        let from = IpAddr::V4(Ipv4Addr::new(127, 0, 0, from));
        let body = format!(r#"{{"name":"{name}"}}"#);
        let (status, seat) = post_from(from, s.addr, &join, &body).await;
        assert_eq!(status, 200, "{seat}");
        assert!(seat["ticket"].as_str().unwrap().len() >= 32);
        assert!(seat["ws_url"].as_str().unwrap().starts_with("/ws?ticket="));
        assert_eq!(seat["room"]["id"], room["id"]);
    }
    let third = IpAddr::V4(Ipv4Addr::new(127, 0, 0, 3));
    let (status, err) = post_from(third, s.addr, &join, r#"{"name":"c"}"#).await;
    assert_eq!(status, 409, "{err}");
    assert_eq!(err["error"], "room is full");
}

#[tokio::test]
async fn matchmaking_fills_the_fullest_room_first() {
    let s = TestServer::start(&[]).await;
    let (_, a) = post(s.addr, "/api/rooms", r#"{"max_players":4}"#).await;
    let (_, b) = post(s.addr, "/api/rooms", r#"{"max_players":4}"#).await;
    post(
        s.addr,
        &format!("/api/rooms/{}/join", b["id"].as_str().unwrap()),
        r#"{"name":"x"}"#,
    )
    .await;
    let (status, seat) = post(s.addr, "/api/matchmake", r#"{"name":"m"}"#).await;
    assert_eq!(status, 200, "{seat}");
    assert_eq!(seat["room"]["id"], b["id"], "the fuller room is chosen");
    assert_ne!(seat["room"]["id"], a["id"]);
}

#[tokio::test]
async fn concurrent_matchmaking_never_creates_a_spare_room() {
    // Every call comes from this one address and holds its ticket unredeemed.
    let s = TestServer::start(&[
        "--max-tickets-per-ip",
        "40",
        "--max-tickets-per-ip-per-room",
        "16",
    ])
    .await;
    let calls = (0..40).map(|i| {
        let addr = s.addr;
        tokio::spawn(
            async move { post(addr, "/api/matchmake", &format!(r#"{{"name":"p{i}"}}"#)).await },
        )
    });
    let mut rooms = std::collections::BTreeMap::<String, u32>::new();
    for call in calls {
        let (status, seat) = call.await.unwrap();
        assert_eq!(status, 200, "{seat}");
        *rooms
            .entry(seat["room"]["id"].as_str().unwrap().to_owned())
            .or_default() += 1;
    }
    // 40 players, 16 seats per room: exactly 3 rooms, filled 16, 16, 8.
    let mut counts: Vec<u32> = rooms.values().copied().collect();
    counts.sort_unstable();
    assert_eq!(counts, vec![8, 16, 16], "rooms: {rooms:?}");
}
