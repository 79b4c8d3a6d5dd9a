//! Identity and per-address budgets across a cluster, against real binaries on a
//! real redis-server: cluster tickets carry the JWT `sub`, so one identity holds one
//! seat per room whichever node it joins through (also in a full room); a caller
//! who may not create rooms still matchmakes into an open one; an address's
//! budget of live rooms counts its rooms on every node.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod cluster_common;

use cluster_common::{id_text, node, until};
use tickcast_shared::protocol::HelloAuth;
use tickcast_tests::http::{get_text, post, post_from, post_with};
use tickcast_tests::jwt::{bearer, config, token};
use tickcast_tests::player::{Player, expect_close, open};
use tickcast_tests::redis::RedisServer;
use tickcast_tests::server::TestServer;

const SECRET: &str = "cluster-test-secret";

/// The path part of an absolute `ws://host:port/path` URL, checking it is `node`'s.
fn on_node<'a>(ws_url: &'a str, node: &TestServer) -> &'a str {
    let prefix = format!("ws://{}", node.addr);
    ws_url
        .strip_prefix(&prefix)
        .unwrap_or_else(|| panic!("{ws_url} is not on {prefix}"))
}

/// `POST path` on `at` with `sub`'s bearer token.
async fn post_as(at: &TestServer, path: &str, sub: &str) -> (u16, serde_json::Value) {
    let auth = bearer(&token(SECRET, sub, sub, 600));
    post_with(
        at.addr,
        path,
        r#"{"name":"n"}"#,
        &[("authorization", &auth)],
    )
    .await
}

/// The value of an unlabelled counter in `/metrics`.
async fn counter(at: &TestServer, name: &str) -> f64 {
    let (_, text) = get_text(at.addr, "/metrics").await;
    text.lines()
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.parse().ok())
        .unwrap_or_else(|| panic!("no {name} in {text}"))
}

#[tokio::test]
async fn one_identity_holds_one_seat_per_room_across_nodes_even_when_full() {
    let redis = RedisServer::start().await;
    let file = config(
        "cluster-identity",
        &format!("[auth]\njwt_secret = \"{SECRET}\"\n"),
    );
    let n1 = node(&redis, "n1", &["--config", &file]).await;
    let n2 = node(&redis, "n2", &["--config", &file]).await;
    let _ = std::fs::remove_file(&file);
    let (status, room) = post(n1.addr, "/api/rooms", r#"{"max_players":1}"#).await;
    assert_eq!(status, 201, "{room}");
    let id = id_text(&room["id"]);
    let join = format!("/api/rooms/{id}/join");

    let (status, seat) = post_as(&n1, &join, "u-ann").await;
    assert_eq!(status, 200, "{seat}");
    let ws = open(n1.addr, on_node(seat["ws_url"].as_str().unwrap(), &n1)).await;
    let ticket = seat["ticket"].as_str().unwrap().to_owned();
    let mut first = Player::hello(ws, HelloAuth::Ticket(ticket), "x").await;
    assert_eq!(first.sub.as_deref(), Some("u-ann"));
    first.next_snapshot().await;
    // The cluster knows the seat is taken once the other node lists the player.
    until(n2.addr, &format!("/api/rooms/{id}"), |s, r| {
        s == 200 && r["players"] == 1
    })
    .await;

    // Another identity: the room is full, from either node.
    for at in [&n1, &n2] {
        let (status, err) = post_as(at, &join, "u-bo").await;
        assert_eq!(status, 409, "{err}");
    }
    // The same identity through the other node: a ticket for the owner, and the
    // same player back (the older connection is replaced).
    let (status, seat) = post_as(&n2, &join, "u-ann").await;
    assert_eq!(status, 200, "a seated identity is not refused: {seat}");
    let ws = open(n1.addr, on_node(seat["ws_url"].as_str().unwrap(), &n1)).await;
    let ticket = seat["ticket"].as_str().unwrap().to_owned();
    let mut second = Player::hello(ws, HelloAuth::Ticket(ticket), "y").await;
    assert_eq!((second.player, second.entity), (first.player, first.entity));
    assert_eq!(second.sub.as_deref(), Some("u-ann"));
    let replaced = expect_close(&mut first.ws).await;
    assert_eq!(replaced.code, 4001, "{replaced:?}");
    second.next_snapshot().await;
    let (_, info) = tickcast_tests::http::get(n2.addr, &format!("/api/rooms/{id}")).await;
    assert_eq!(info["players"], 1, "{info}");
    assert!(info.get("seated_sha256").is_none(), "internal: {info}");
    // The resumed seat took no other: a newcomer is still refused.
    let (status, err) = post_as(&n2, &join, "u-cy").await;
    assert_eq!(status, 409, "{err}");
}

#[tokio::test]
async fn a_caller_who_may_not_create_rooms_still_matchmakes_into_an_open_one() {
    let redis = RedisServer::start().await;
    let file = config(
        "cluster-create",
        "[auth]\nadmin_token = \"root\"\n[lobby]\ncreate = \"admin\"\n",
    );
    let n1 = node(&redis, "n1", &["--config", &file]).await;
    let n2 = node(&redis, "n2", &["--config", &file]).await;
    let _ = std::fs::remove_file(&file);
    let body = r#"{"name":"p"}"#;
    let (status, err) = post(n2.addr, "/api/matchmake", body).await;
    assert_eq!(
        status, 401,
        "no open room, and no right to create one: {err}"
    );

    let admin = [("authorization", "Bearer root")];
    let (status, room) = post_with(n1.addr, "/api/rooms", r#"{"max_players":2}"#, &admin).await;
    assert_eq!(status, 201, "{room}");
    let id = id_text(&room["id"]);
    // From two addresses: one address holds half the seats of a room at most.
    for last in [2, 3] {
        let from = std::net::IpAddr::V4(std::net::Ipv4Addr::new(127, 0, 0, last));
        let (status, seat) = post_from(from, n2.addr, "/api/matchmake", body).await;
        assert_eq!(status, 200, "an open room on n1: {seat}");
        assert_eq!(id_text(&seat["room"]["id"]), id);
        on_node(seat["ws_url"].as_str().unwrap(), &n1);
    }
    // Both seats are held by tickets: matchmaking would have to create a room.
    let (status, err) = post(n2.addr, "/api/matchmake", body).await;
    assert_eq!(status, 401, "{err}");
    assert!(err["error"].as_str().unwrap().contains("create"), "{err}");
    assert!(counter(&n2, "tickcast_auth_refused_total").await >= 2.0);
}

#[tokio::test]
async fn an_address_room_budget_counts_its_rooms_on_every_node() {
    let redis = RedisServer::start().await;
    let file = config("cluster-budget", "[auth]\nadmin_token = \"root\"\n");
    let args = ["--config", &file, "--max-rooms-per-ip", "3"];
    let n1 = node(&redis, "n1", &args).await;
    let n2 = node(&redis, "n2", &args).await;
    let _ = std::fs::remove_file(&file);
    let private = r#"{"private":true}"#;
    let (status, a) = post(n1.addr, "/api/rooms", private).await;
    assert_eq!(status, 201, "{a}");
    let (status, b) = post(n2.addr, "/api/rooms", private).await;
    assert_eq!(status, 201, "{b}");
    // No public room is open: matchmaking opens one, and it counts too.
    let (status, seat) = post(n2.addr, "/api/matchmake", r#"{"name":"p"}"#).await;
    assert_eq!(status, 200, "{seat}");
    for at in [&n1, &n2] {
        let (status, err) = post(at.addr, "/api/rooms", "{}").await;
        assert_eq!(status, 429, "a third room elsewhere counts: {err}");
        assert!(err["error"].as_str().unwrap().contains("limit 3"), "{err}");
        assert_eq!(counter(at, "tickcast_ip_rooms_refused_total").await, 1.0);
    }
    // Joining the open room creates none: not refused.
    let (status, seat) = post(n1.addr, "/api/matchmake", r#"{"name":"q"}"#).await;
    assert_eq!(status, 200, "{seat}");

    // A finished room stops counting once the cluster lists it finished.
    let b_id = id_text(&b["id"]);
    let admin = [("authorization", "Bearer root")];
    let close = format!("/api/admin/rooms/{b_id}/close");
    let (status, closed) = post_with(n2.addr, &close, "{}", &admin).await;
    assert_eq!(status, 200, "{closed}");
    let invite = b["invite"].as_str().unwrap();
    until(
        n1.addr,
        &format!("/api/rooms/{b_id}?invite={invite}"),
        |s, r| s == 404 || r["state"] == "finished",
    )
    .await;
    let (status, room) = post(n1.addr, "/api/rooms", "{}").await;
    assert_eq!(status, 201, "one of three rooms finished: {room}");
    let _ = a;
}
