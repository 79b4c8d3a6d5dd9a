//! Cluster mode, browsers on WebTransport: a join or matchmaking answer from any
//! node offers WebTransport at the room's node (its host, its port, its current
//! certificate hashes, which its heartbeat refreshes), a WebTransport player seats
//! there with it, and the ticket is checked at the session's URL without being used
//! (Redis), so a session refused or given up before its `Hello` leaves it good for
//! the page's WebSocket fallback, as on one node.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod cluster_common;

use cluster_common::{id_text, node_with_quic, until};
use serde_json::Value;
use tickcast_shared::protocol::{HelloAuth, ServerMsg};
use tickcast_tests::http::{get, post};
use tickcast_tests::player::{Player, open};
use tickcast_tests::redis::RedisServer;
use tickcast_tests::server::TestServer;
use tickcast_tests::wt_player::{WtPeer, WtSeat, cert_hashes, connect, refused_with, wt_seat_of};

/// The record of node `id` in `GET /api/nodes`.
async fn node_record(asked: &TestServer, id: &str) -> Value {
    let (status, nodes) = get(asked.addr, "/api/nodes").await;
    assert_eq!(status, 200, "{nodes}");
    nodes
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["id"] == id)
        .cloned()
        .unwrap_or_else(|| panic!("no node {id} in {nodes}"))
}

/// Assert that `answer` offers WebTransport at `owner` (whose record is `record`).
fn assert_offers_node(answer: &Value, record: &Value) {
    let wt = &answer["webtransport"];
    let ticket = answer["ticket"].as_str().unwrap();
    assert_eq!(wt["host"], "127.0.0.1", "{answer}");
    assert_eq!(
        wt["port"], record["webtransport"]["port"],
        "{answer} {record}"
    );
    // The QUIC endpoint serves both: one UDP port per node.
    assert_eq!(wt["port"], record["quic"]["port"], "{record}");
    assert_eq!(wt["url"], format!("/wt?ticket={ticket}"), "{answer}");
    let hashes = wt["cert_sha256"].as_array().expect("hashes");
    assert!(!hashes.is_empty(), "{answer}");
    assert_eq!(
        wt["cert_sha256"], record["webtransport"]["cert_sha256"],
        "the node's current hashes: {answer} {record}"
    );
}

#[tokio::test]
async fn answers_from_any_node_offer_webtransport_at_the_rooms_node_and_it_seats_there() {
    let redis = RedisServer::start().await;
    let b = node_with_quic(&redis, "b").await;
    let a = node_with_quic(&redis, "a").await;
    let (status, room) = post(b.addr, "/api/rooms", r#"{"name":"far"}"#).await;
    assert_eq!(status, 201, "{room}");
    let id = id_text(&room["id"]);
    let (rec_a, rec_b) = (node_record(&a, "a").await, node_record(&a, "b").await);
    // Each node makes its own development certificate.
    assert_ne!(
        rec_a["webtransport"]["cert_sha256"], rec_b["webtransport"]["cert_sha256"],
        "{rec_a} {rec_b}"
    );
    assert_ne!(rec_a["webtransport"]["port"], rec_b["webtransport"]["port"]);

    // Asked of a, the join answer offers b's WebTransport.
    let (status, answer) = post(a.addr, &format!("/api/rooms/{id}/join"), r#"{"name":"w"}"#).await;
    assert_eq!(status, 200, "{answer}");
    assert_offers_node(&answer, &rec_b);
    let seat = wt_seat_of(&answer);
    let mut peer = WtPeer::join(&seat, "w").await;
    assert!(matches!(
        peer.next_snapshot().await,
        ServerMsg::Snapshot { .. }
    ));
    // b counts the player (at its next heartbeat).
    until(a.addr, "/api/nodes", |_, nodes| {
        nodes
            .as_array()
            .is_some_and(|n| n.iter().any(|n| n["id"] == "b" && n["players"] == 1))
    })
    .await;

    // Matchmaking's answer names the node it placed the seat on, likewise.
    let (status, mm) = post(a.addr, "/api/matchmake", r#"{"name":"m"}"#).await;
    assert_eq!(status, 200, "{mm}");
    let owner = mm["room"]["node"].as_str().unwrap().to_owned();
    assert_offers_node(&mm, &node_record(&a, &owner).await);
}

#[tokio::test]
async fn a_refused_or_given_up_webtransport_session_leaves_the_cluster_ticket_for_websocket() {
    let redis = RedisServer::start().await;
    let b = node_with_quic(&redis, "b").await;
    let a = node_with_quic(&redis, "a").await;
    let (_, room) = post(b.addr, "/api/rooms", r#"{"name":"far"}"#).await;
    let id = id_text(&room["id"]);
    let (status, answer) = post(a.addr, &format!("/api/rooms/{id}/join"), r#"{"name":"f"}"#).await;
    assert_eq!(status, 200, "{answer}");
    let seat = wt_seat_of(&answer);
    let path = format!("/wt?ticket={}", seat.ticket);

    // Presented at a's WebTransport (the wrong node): refused, nothing used.
    let rec_a = node_record(&a, "a").await;
    let at_a = WtSeat {
        port: u16::try_from(rec_a["webtransport"]["port"].as_u64().unwrap()).unwrap(),
        hashes: cert_hashes(&rec_a["webtransport"]),
        ..seat.clone()
    };
    let wrong = connect(&at_a, &path).await.expect_err("wrong node");
    assert!(refused_with(&wrong, 401), "{wrong:?}");
    // An unknown ticket is refused at b.
    let bogus = connect(&seat, "/wt?ticket=0123456789abcdef0123456789abcdef").await;
    assert!(refused_with(&bogus.expect_err("unknown"), 401));

    // Accepted at b (checked only), then given up before the Hello (a fallback).
    let session = connect(&seat, &path).await.expect("session accepted");
    session.close(0, b"falling back");
    drop(session);

    // The page's WebSocket fallback plays with the same ticket, at b.
    let ws_url = answer["ws_url"].as_str().unwrap();
    let ws_path = ws_url
        .strip_prefix(&format!("ws://{}", b.addr))
        .unwrap_or_else(|| panic!("{ws_url} is not on b"));
    let ws = open(b.addr, ws_path).await;
    let mut player = Player::hello(ws, HelloAuth::Ticket(seat.ticket.clone()), "f").await;
    let _ = player.next_snapshot().await;

    // Used now: a WebTransport session with it is refused at its URL.
    let again = connect(&seat, &path).await.expect_err("used");
    assert!(refused_with(&again, 401), "{again:?}");
}
