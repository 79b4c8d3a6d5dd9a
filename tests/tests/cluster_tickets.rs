//! Seat tickets in cluster mode, against two real nodes on a real redis-server,
//! from several loopback addresses (127.0.0.x: another source address is another
//! client): the single-node ticket limits hold across the cluster (issue 20, row
//! 5). An address asking again and again for a seat in a room, through either
//! node, replaces its unredeemed ticket instead of taking seats (the replaced one
//! no longer works); one identity holds one ticket per room; one address holds a
//! bounded number of unredeemed tickets over the rooms of every node.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod cluster_common;

use cluster_common::{id_text, node, refused_upgrade};
use tickcast_tests::http::{get, get_text, post_from, post_with};
use tickcast_tests::jwt::{bearer, config, token};
use tickcast_tests::redis::RedisServer;
use tickcast_tests::server::TestServer;
use tickcast_tests::tickets::{assert_ticket_limit, from};

/// The sum of an unlabelled counter over `nodes`' `/metrics`.
async fn counter(nodes: &[&TestServer], name: &str) -> f64 {
    let mut sum = 0.0;
    for n in nodes {
        let (_, text) = get_text(n.addr, "/metrics").await;
        sum += text
            .lines()
            .find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.parse::<f64>().ok())
            .unwrap_or_else(|| panic!("no {name} in {text}"));
    }
    sum
}

/// A room created on `at` (from 127.0.0.1); its id.
async fn create(at: &TestServer, body: &str) -> String {
    let (status, room) = post_from(from(1), at.addr, "/api/rooms", body).await;
    assert_eq!(status, 201, "{room}");
    id_text(&room["id"])
}

/// Asking for a ticket again and again without connecting, through both nodes,
/// used to keep a two-seat room full with nobody in it. Now the address holds
/// one seat there (each new ticket replaces its oldest, which stops working),
/// and another address still gets the other seat.
#[tokio::test]
async fn an_address_asking_through_both_nodes_does_not_fill_a_room() {
    let redis = RedisServer::start().await;
    let n1 = node(&redis, "n1", &[]).await;
    let n2 = node(&redis, "n2", &[]).await;
    let id = create(&n1, r#"{"max_players":2}"#).await;
    let join = format!("/api/rooms/{id}/join");
    let mut tickets = Vec::new();
    for i in 0..10 {
        let at = if i % 2 == 0 { &n1 } else { &n2 };
        let body = format!(r#"{{"name":"hoarder{i}"}}"#);
        let (status, seat) = post_from(from(3), at.addr, &join, &body).await;
        assert_eq!(status, 200, "ask {i}: {seat}");
        tickets.push(seat["ticket"].as_str().unwrap().to_owned());
    }
    let (status, seat) = post_from(from(2), n2.addr, &join, r#"{"name":"real"}"#).await;
    assert_eq!(
        status, 200,
        "another address still gets the free seat: {seat}"
    );
    let (status, err) = post_from(from(4), n1.addr, &join, r#"{"name":"late"}"#).await;
    assert_eq!(status, 409, "now both seats are held: {err}");
    assert_eq!(
        counter(&[&n1, &n2], "tickcast_tickets_replaced_total").await,
        9.0
    );
    // A replaced ticket no longer redeems, at its own node.
    let (status, refused) = refused_upgrade(n1.addr, &format!("/ws?ticket={}", tickets[0])).await;
    assert_eq!(status, 401, "{refused}");
    assert!(
        refused["error"].as_str().unwrap().contains("unknown"),
        "{refused}"
    );
    let (_, info) = get(n2.addr, &format!("/api/rooms/{id}")).await;
    assert_eq!(info["players"], 0, "{info}");
}

/// One verified identity used to get both tickets of a two-seat room; now its
/// second ticket, through the other node, replaces its first.
#[tokio::test]
async fn one_identity_holds_one_ticket_per_room_across_nodes() {
    const SECRET: &str = "cluster-tickets-secret";
    let redis = RedisServer::start().await;
    let file = config(
        "cluster-tickets",
        &format!("[auth]\njwt_secret = \"{SECRET}\"\n"),
    );
    let n1 = node(&redis, "n1", &["--config", &file]).await;
    let n2 = node(&redis, "n2", &["--config", &file]).await;
    let _ = std::fs::remove_file(&file);
    let id = create(&n1, r#"{"max_players":2}"#).await;
    let join = format!("/api/rooms/{id}/join");
    let ask = |at: &TestServer, sub: &str| {
        let auth = bearer(&token(SECRET, sub, sub, 600));
        let (addr, join) = (at.addr, join.clone());
        async move { post_with(addr, &join, r#"{"name":"n"}"#, &[("authorization", &auth)]).await }
    };
    for at in [&n1, &n2] {
        let (status, seat) = ask(at, "u-ann").await;
        assert_eq!(status, 200, "{seat}");
    }
    let (status, seat) = ask(&n2, "u-bo").await;
    assert_eq!(status, 200, "the other seat is free: {seat}");
    let (status, err) = ask(&n1, "u-cy").await;
    assert_eq!(status, 409, "{err}");
    assert_eq!(
        counter(&[&n1, &n2], "tickcast_tickets_replaced_total").await,
        1.0
    );
}

/// One address holds at most `max_tickets_per_ip` unredeemed tickets over the
/// rooms of every node (429 past it, joins and matchmaking alike); another
/// address is not affected.
#[tokio::test]
async fn one_address_holds_a_bounded_number_of_tickets_over_the_cluster() {
    let redis = RedisServer::start().await;
    let args = ["--max-tickets-per-ip", "3"];
    let n1 = node(&redis, "n1", &args).await;
    let n2 = node(&redis, "n2", &args).await;
    let rooms = [
        create(&n1, "{}").await,
        create(&n2, "{}").await,
        create(&n1, "{}").await,
        create(&n2, "{}").await,
    ];
    for (i, id) in rooms[..3].iter().enumerate() {
        let at = if i % 2 == 0 { &n2 } else { &n1 };
        let join = format!("/api/rooms/{id}/join");
        let (status, seat) = post_from(from(2), at.addr, &join, r#"{"name":"h"}"#).await;
        assert_eq!(status, 200, "{seat}");
    }
    let join = format!("/api/rooms/{}/join", rooms[3]);
    assert_ticket_limit(&[n1.addr, n2.addr], &join, from(2), from(3), 3).await;
    assert_eq!(
        counter(&[&n1, &n2], "tickcast_ip_tickets_refused_total").await,
        3.0
    );
}
