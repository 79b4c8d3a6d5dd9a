//! Cluster mode under failure, against real binaries and a real redis-server: a
//! node killed with SIGKILL leaves the lobby within its TTL plus one second and its
//! tickets are refused; a Redis outage keeps matches running, answers lobby calls
//! with 503 and the node registers again when Redis is back; SIGTERM drains.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod cluster_common;

use cluster_common::{id_text, ids, node, refused_upgrade, ttl_config, until};
use std::time::{Duration, Instant};
use tickcast_shared::protocol::HelloAuth;
use tickcast_tests::http::{get, get_text, post};
use tickcast_tests::player::{Player, expect_close, open};
use tickcast_tests::redis::RedisServer;

const TTL_MS: u64 = 600;

#[tokio::test]
async fn a_killed_node_leaves_the_lobby_within_its_ttl() {
    let redis = RedisServer::start().await;
    let config = ttl_config("nodeloss", TTL_MS);
    let config = config.to_str().unwrap();
    let n1 = node(&redis, "n1", &["--config", config]).await;
    let n2 = node(&redis, "n2", &["--config", config]).await;
    let (_, kept) = post(n1.addr, "/api/rooms", r#"{"name":"kept"}"#).await;
    let (_, lost) = post(n2.addr, "/api/rooms", r#"{"name":"lost"}"#).await;
    let (kept, lost) = (id_text(&kept["id"]), id_text(&lost["id"]));
    let (_, list) = get(n1.addr, "/api/rooms").await;
    assert_eq!(ids(&list), vec![kept.clone(), lost.clone()]);
    let (status, seat) = post(
        n1.addr,
        &format!("/api/rooms/{lost}/join"),
        r#"{"name":"a"}"#,
    )
    .await;
    assert_eq!(status, 200, "{seat}");
    let ws_url = seat["ws_url"].as_str().unwrap().to_owned();
    let path = ws_url
        .split_once("/ws")
        .map(|(_, p)| format!("/ws{p}"))
        .unwrap();

    n2.stop().await; // SIGKILL: no goodbye to Redis.
    let killed = Instant::now();
    let gone = until(n1.addr, "/api/rooms", |status, list| {
        status == 200 && ids(list) == vec![kept.clone()]
    })
    .await;
    let limit = Duration::from_millis(TTL_MS) + Duration::from_secs(1);
    assert!(
        gone - killed <= limit,
        "rooms left after {:?}",
        gone - killed
    );
    let (_, nodes) = get(n1.addr, "/api/nodes").await;
    assert_eq!(nodes.as_array().unwrap().len(), 1, "{nodes}");
    assert_eq!(nodes[0]["id"], "n1");

    // Its tickets are refused with a clear error wherever they are presented.
    let (status, refused) = refused_upgrade(n1.addr, &path).await;
    assert_eq!(status, 401);
    assert!(
        refused["error"]
            .as_str()
            .unwrap()
            .contains("node n2 is gone"),
        "{refused}"
    );
    let (status, answer) = post(
        n1.addr,
        &format!("/api/rooms/{lost}/join"),
        r#"{"name":"b"}"#,
    )
    .await;
    assert_eq!(status, 404, "{answer}");
    // The surviving node's room still takes players.
    let (status, _) = post(
        n1.addr,
        &format!("/api/rooms/{kept}/join"),
        r#"{"name":"c"}"#,
    )
    .await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn a_redis_outage_keeps_matches_going_and_the_node_registers_again() {
    let mut redis = RedisServer::start().await;
    let config = ttl_config("redisloss", TTL_MS);
    let n1 = node(&redis, "n1", &["--config", config.to_str().unwrap()]).await;
    let (_, room) = post(n1.addr, "/api/rooms", r#"{"name":"on"}"#).await;
    let id = id_text(&room["id"]);
    let (_, seat) = post(n1.addr, &format!("/api/rooms/{id}/join"), r#"{"name":"a"}"#).await;
    let ticket = seat["ticket"].as_str().unwrap().to_owned();
    let ws = open(n1.addr, &format!("/ws?ticket={ticket}")).await;
    let mut player = Player::hello(ws, HelloAuth::Ticket(ticket), "a").await;
    player.next_snapshot().await;

    redis.stop().await;
    for (method, path) in [
        ("GET", "/api/rooms"),
        ("GET", "/api/nodes"),
        ("POST", "/api/matchmake"),
    ] {
        let (status, body) =
            tickcast_tests::http::request(n1.addr, method, path, Some(r#"{"name":"x"}"#)).await;
        assert_eq!(status, 503, "{method} {path}: {body}");
        assert!(
            body["error"].as_str().unwrap().contains("unavailable"),
            "{body}"
        );
    }
    // The match goes on: snapshots keep coming.
    let before = player.next_snapshot().await.tick;
    let mut after = before;
    for _ in 0..5 {
        after = player.next_snapshot().await.tick;
    }
    assert!(after > before);
    let (_, metrics) = get_text(n1.addr, "/metrics").await;
    let unavailable: u64 = metrics
        .lines()
        .find_map(|l| l.strip_prefix("tickcast_cluster_unavailable_total "))
        .and_then(|v| v.trim().parse().ok())
        .expect("tickcast_cluster_unavailable_total in /metrics");
    assert!(unavailable >= 3, "503s are counted: {unavailable}");

    redis.restart().await; // empty: the node must register itself and its room again
    until(n1.addr, "/api/rooms", |status, list| {
        status == 200 && ids(list) == vec![id.clone()]
    })
    .await;
    let (status, nodes) = get(n1.addr, "/api/nodes").await;
    assert_eq!((status, nodes[0]["id"].as_str()), (200, Some("n1")));
    player.next_snapshot().await;
}

#[tokio::test]
async fn sigterm_drains_a_node_out_of_placement_then_closes_with_1001() {
    let redis = RedisServer::start().await;
    let n1 = node(&redis, "n1", &[]).await;
    let n2 = node(&redis, "n2", &["--drain-secs", "3"]).await;
    let (_, room) = post(n2.addr, "/api/rooms", r#"{"name":"old"}"#).await;
    let id = id_text(&room["id"]);
    let (_, seat) = post(n1.addr, &format!("/api/rooms/{id}/join"), r#"{"name":"a"}"#).await;
    let ticket = seat["ticket"].as_str().unwrap().to_owned();
    let ws = open(n2.addr, &format!("/ws?ticket={ticket}")).await;
    let mut player = Player::hello(ws, HelloAuth::Ticket(ticket), "a").await;

    let exit = tokio::spawn(n2.terminate());
    until(n1.addr, "/api/nodes", |_, nodes| {
        nodes
            .as_array()
            .is_some_and(|a| a.iter().any(|n| n["id"] == "n2" && n["draining"] == true))
    })
    .await;
    // Matchmaking places nothing on the draining node; its match goes on meanwhile.
    for i in 0..3 {
        let (status, seat) =
            post(n1.addr, "/api/matchmake", &format!(r#"{{"name":"p{i}"}}"#)).await;
        assert_eq!(status, 200, "{seat}");
        assert_eq!(seat["room"]["node"], "n1", "{seat}");
    }
    player.next_snapshot().await;
    // Then the room closes with 1001 and the node leaves the cluster.
    let close = expect_close(&mut player.ws).await;
    assert_eq!(close.code, 1001, "{close:?}");
    let status = exit.await.unwrap();
    assert!(status.success(), "{status:?}");
    let (_, nodes) = get(n1.addr, "/api/nodes").await;
    assert_eq!(nodes.as_array().unwrap().len(), 1, "{nodes}");
}
