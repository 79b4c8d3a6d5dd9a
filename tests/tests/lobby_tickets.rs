//! Seat tickets against the real binary, from several loopback addresses
//! (127.0.0.x: another source address is another client): an address that asks
//! again for a seat in the same room replaces its unredeemed ticket instead of
//! taking another seat, one address holds a bounded number of unredeemed tickets
//! over all rooms, and ticket checks at `/ws` are rate limited per address. Each
//! refusal is a JSON error and a /metrics counter (issue 20, row 5 and the `/ws`
//! item).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::net::{IpAddr, SocketAddr};
use tickcast_tests::http::{get, metric, post_from};
use tickcast_tests::server::TestServer;
use tickcast_tests::tickets::{assert_ticket_limit, from};
use tokio_tungstenite::tungstenite::http::StatusCode;

async fn create(addr: SocketAddr, body: &str) -> String {
    let (status, room) = post_from(from(1), addr, "/api/rooms", body).await;
    assert_eq!(status, 201, "{room}");
    room["id"].as_str().unwrap().to_owned()
}

/// A WebSocket upgrade of `path` from source address `source`: its HTTP status
/// and `Retry-After`.
async fn upgrade_from(
    source: IpAddr,
    addr: SocketAddr,
    path: &str,
) -> (StatusCode, Option<String>) {
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.bind(SocketAddr::new(source, 0)).unwrap();
    let stream = socket.connect(addr).await.unwrap();
    match tokio_tungstenite::client_async(format!("ws://{addr}{path}"), stream).await {
        Ok(_) => (StatusCode::SWITCHING_PROTOCOLS, None),
        Err(tokio_tungstenite::tungstenite::Error::Http(res)) => {
            let retry = res
                .headers()
                .get("retry-after")
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned);
            (res.status(), retry)
        }
        Err(e) => panic!("unexpected error: {e}"),
    }
}

/// Asking for a ticket again and again without connecting used to keep a
/// two-seat room full with nobody in it. Now the address holds one seat there
/// (each new ticket replaces its last), and the other seat stays free.
#[tokio::test]
async fn an_address_asking_again_replaces_its_ticket_instead_of_taking_seats() {
    let s = TestServer::start(&[]).await;
    let id = create(s.addr, r#"{"max_players":2}"#).await;
    let join = format!("/api/rooms/{id}/join");
    for i in 0..10 {
        let body = format!(r#"{{"name":"hoarder{i}"}}"#);
        let (status, seat) = post_from(from(1), s.addr, &join, &body).await;
        assert_eq!(status, 200, "{seat}");
    }
    let (_, info) = get(s.addr, &format!("/api/rooms/{id}")).await;
    assert_eq!(info["players"], 0, "{info}");
    let (status, seat) = post_from(from(2), s.addr, &join, r#"{"name":"real"}"#).await;
    assert_eq!(
        status, 200,
        "another address still gets the free seat: {seat}"
    );
    let (status, err) = post_from(from(3), s.addr, &join, r#"{"name":"late"}"#).await;
    assert_eq!(status, 409, "now both seats are held: {err}");
    assert_eq!(metric(s.addr, "tickcast_tickets_replaced_total").await, 9.0);
}

/// One address holds at most `max_tickets_per_ip` unredeemed tickets over all
/// rooms (429 past it, joins and matchmaking alike); another address is not
/// affected.
#[tokio::test]
async fn one_address_holds_a_bounded_number_of_unredeemed_tickets() {
    let s = TestServer::start(&["--max-tickets-per-ip", "3"]).await;
    let mut rooms = Vec::new();
    for _ in 0..4 {
        rooms.push(create(s.addr, "{}").await);
    }
    for id in &rooms[..3] {
        let join = format!("/api/rooms/{id}/join");
        let (status, seat) = post_from(from(2), s.addr, &join, r#"{"name":"h"}"#).await;
        assert_eq!(status, 200, "{seat}");
    }
    let join = format!("/api/rooms/{}/join", rooms[3]);
    assert_ticket_limit(&[s.addr], &join, from(2), from(3), 3).await;
    assert_eq!(
        metric(s.addr, "tickcast_ip_tickets_refused_total").await,
        2.0
    );
}

/// Ticket and resume-token checks at `/ws` used to be outside any rate limit.
/// Past its burst an address gets 429 with `Retry-After` (the ticket is not
/// looked at), counted; another address still gets its checks.
#[tokio::test]
async fn ticket_checks_at_ws_are_rate_limited_per_address() {
    let file = tickcast_tests::jwt::config(
        "ticket-checks",
        "[lobby]\nticket_checks_per_sec = 1\nticket_checks_burst = 5\n",
    );
    let s = TestServer::start(&["--config", &file]).await;
    // The server has read it.
    let _ = std::fs::remove_file(&file);
    let mut statuses = Vec::new();
    for i in 0..16 {
        let path = if i % 2 == 0 {
            format!("/ws?ticket=bad{i}")
        } else {
            format!("/ws?resume=1.bad{i}")
        };
        statuses.push(upgrade_from(from(1), s.addr, &path).await);
    }
    assert!(
        statuses[..5]
            .iter()
            .all(|(s, _)| *s == StatusCode::UNAUTHORIZED),
        "the burst is checked: {statuses:?}"
    );
    let limited: Vec<_> = statuses
        .iter()
        .filter(|(s, _)| *s == StatusCode::TOO_MANY_REQUESTS)
        .collect();
    assert!(!limited.is_empty(), "past the burst: {statuses:?}");
    assert!(
        limited.iter().all(|(_, retry)| retry.is_some()),
        "{statuses:?}"
    );
    let (status, _) = upgrade_from(from(2), s.addr, "/ws?ticket=bad").await;
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "another address is checked"
    );
    assert_eq!(
        metric(s.addr, "tickcast_ticket_checks_rate_limited_total").await,
        limited.len() as f64
    );
}
