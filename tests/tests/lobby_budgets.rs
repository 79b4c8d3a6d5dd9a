//! Lobby budgets over real HTTP against the real binary: live rooms per address
//! (429), one address's share of the entity budget (429) and the server-wide
//! entity budget of drones plus seats (503), each refusal a JSON error and a
//! /metrics counter.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::net::{IpAddr, Ipv4Addr};
use tickcast_tests::http::{metric, post, post_from};
use tickcast_tests::server::TestServer;

#[tokio::test]
async fn one_address_gets_its_live_room_limit_then_429() {
    let s = TestServer::start(&["--max-rooms-per-ip", "3"]).await;
    for _ in 0..3 {
        let (status, body) = post(s.addr, "/api/rooms", r#"{"max_players":1}"#).await;
        assert_eq!(status, 201, "{body}");
    }
    let (status, body) = post(s.addr, "/api/rooms", "{}").await;
    assert_eq!(status, 429, "{body}");
    assert!(
        body["error"].as_str().unwrap().contains("limit 3"),
        "{body}"
    );
    // Matchmaking that would have to create a room is refused the same way (the
    // three rooms above have one seat each; fill them first).
    for i in 0..3 {
        let (status, seat) = post(s.addr, "/api/matchmake", &format!(r#"{{"name":"p{i}"}}"#)).await;
        assert_eq!(status, 200, "{seat}");
    }
    let (status, body) = post(s.addr, "/api/matchmake", r#"{"name":"late"}"#).await;
    assert_eq!(status, 429, "{body}");
    assert_eq!(metric(s.addr, "tickcast_ip_rooms_refused_total").await, 2.0);
}

#[tokio::test]
async fn the_entity_budget_refuses_rooms_past_it_with_503() {
    // One address makes every room here: its share is more than the budget.
    let s = TestServer::start(&["--max-entities", "100", "--max-entities-per-ip", "1000"]).await;
    let (status, body) = post(s.addr, "/api/rooms", r#"{"drones":50,"max_players":16}"#).await;
    assert_eq!(status, 201, "{body}");
    let (status, body) = post(s.addr, "/api/rooms", r#"{"drones":30,"max_players":16}"#).await;
    assert_eq!(status, 503, "66 + 46 > 100: {body}");
    assert!(body["error"].as_str().unwrap().contains("budget"), "{body}");
    let (status, body) = post(s.addr, "/api/rooms", r#"{"drones":18,"max_players":16}"#).await;
    assert_eq!(status, 201, "66 + 34 = 100 fits: {body}");
    let (status, _) = post(s.addr, "/api/rooms", r#"{"drones":0,"max_players":1}"#).await;
    assert_eq!(status, 503);
    assert_eq!(
        metric(s.addr, "tickcast_entity_budget_refused_total").await,
        2.0
    );
}

/// Issue 20, row 2: one address used to spend the whole server-wide entity budget
/// with a few big private rooms, and every other create then got 503. Now it
/// spends its share (here a quarter of 400) and gets 429, while another address
/// (127.0.0.2 on loopback) still creates rooms.
#[tokio::test]
async fn one_address_spends_only_its_share_of_the_entity_budget() {
    let s = TestServer::start(&["--max-entities", "400"]).await;
    let attacker = IpAddr::V4(Ipv4Addr::LOCALHOST);
    let big = r#"{"drones":84,"max_players":16,"private":true}"#;
    let (status, body) = post_from(attacker, s.addr, "/api/rooms", big).await;
    assert_eq!(status, 201, "100 of its share of 100: {body}");
    for _ in 0..3 {
        let (status, body) = post_from(attacker, s.addr, "/api/rooms", big).await;
        assert_eq!(status, 429, "past its share: {body}");
        let error = body["error"].as_str().unwrap();
        assert!(
            error.contains("your address") && error.contains("limit 100"),
            "{body}"
        );
    }
    let (status, body) = post_from(attacker, s.addr, "/api/matchmake", r#"{"name":"m"}"#).await;
    assert_eq!(status, 429, "matchmaking's new room counts too: {body}");
    let other = IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2));
    let (status, body) = post_from(other, s.addr, "/api/rooms", big).await;
    assert_eq!(status, 201, "another address still creates: {body}");
    assert_eq!(
        metric(s.addr, "tickcast_ip_entities_refused_total").await,
        4.0
    );
    assert_eq!(
        metric(s.addr, "tickcast_entity_budget_refused_total").await,
        0.0
    );
}
