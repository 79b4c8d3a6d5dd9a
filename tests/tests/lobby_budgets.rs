//! Lobby budgets over real HTTP against the real binary: live rooms per address
//! (429) and the server-wide entity budget of drones plus seats (503), each refusal
//! a JSON error and a /metrics counter.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use tickcast_tests::http::{get_text, post};
use tickcast_tests::server::TestServer;

async fn metric(addr: std::net::SocketAddr, series: &str) -> f64 {
    let (_, text) = get_text(addr, "/metrics").await;
    text.lines()
        .find_map(|l| l.strip_prefix(series)?.strip_prefix(' ')?.parse().ok())
        .unwrap_or_else(|| panic!("no {series} in /metrics"))
}

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
    let s = TestServer::start(&["--max-entities", "100"]).await;
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
