//! Seat ticket checks shared by the single-node and the cluster ticket tests.

use crate::http::post_from;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};

/// Loopback source address `127.0.0.last` (another address is another client).
pub fn from(last: u8) -> IpAddr {
    IpAddr::V4(Ipv4Addr::new(127, 0, 0, last))
}

/// `holder`, holding its limit of `limit` unredeemed tickets, is refused a seat
/// with 429 naming the limit: joining `join` at each of `nodes`, and matchmaking
/// at the first; address `other` still gets the seat of `join`, at the last node.
pub async fn assert_ticket_limit(
    nodes: &[SocketAddr],
    join: &str,
    holder: IpAddr,
    other: IpAddr,
    limit: usize,
) {
    let named = format!("tickets from your address (limit {limit})");
    for &at in nodes {
        let (status, err) = post_from(holder, at, join, r#"{"name":"h"}"#).await;
        assert_eq!(status, 429, "{err}");
        let text = err["error"].as_str().unwrap_or_default();
        assert!(text.contains(&named), "{err}");
    }
    let first = nodes[0];
    let (status, err) = post_from(holder, first, "/api/matchmake", r#"{"name":"h"}"#).await;
    assert_eq!(status, 429, "matchmaking too: {err}");
    let last = nodes[nodes.len() - 1];
    let (status, seat) = post_from(other, last, join, r#"{"name":"o"}"#).await;
    assert_eq!(status, 200, "another address: {seat}");
}
