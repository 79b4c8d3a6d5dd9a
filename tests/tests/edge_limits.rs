//! The per-address limits of the real binary, from outside: slowloris sockets are cut
//! at the header timeout, one address is held at its connection limit while another
//! still gets the lobby, the lobby rate answers 429 with Retry-After, an
//! oversized JSON body is refused with 413, and a body that trickles in is answered
//! 408 at the body timeout.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod edge_common;

use edge_common::{
    LOCAL, OTHER, PATIENCE, connect_from, get_from, metric, request_from, wait_metric,
};
use std::time::Duration;
use tickcast_tests::server::TestServer;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Read until the server ends the connection (EOF or reset); what it sent first.
async fn read_until_closed(tcp: &mut tokio::net::TcpStream) -> Vec<u8> {
    let mut seen = Vec::new();
    let mut buf = [0u8; 1024];
    loop {
        match tcp.read(&mut buf).await {
            Ok(0) | Err(_) => return seen,
            Ok(n) => seen.extend_from_slice(&buf[..n]),
        }
    }
}

#[tokio::test]
async fn slowloris_sockets_are_cut_at_the_header_timeout() {
    let s = TestServer::start(&["--header-timeout-secs", "1"]).await;
    // One socket says nothing at all; one trickles a header line every 200 ms and
    // never ends its request head.
    let mut silent = connect_from(LOCAL, s.addr).await.unwrap();
    let mut trickle = connect_from(LOCAL, s.addr).await.unwrap();
    trickle
        .write_all(b"GET /api/rooms HTTP/1.1\r\nhost: x\r\n")
        .await
        .unwrap();
    let (mut reader, mut writer) = trickle.into_split();
    let dripping = tokio::spawn(async move {
        for i in 0..200 {
            let line = format!("x-drip-{i}: y\r\n");
            if writer.write_all(line.as_bytes()).await.is_err() {
                return i;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        200
    });
    let cut = async {
        read_until_closed(&mut silent).await;
        let mut buf = [0u8; 1024];
        loop {
            match reader.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(_) => {}
            }
        }
    };
    tokio::time::timeout(PATIENCE, cut)
        .await
        .expect("both slowloris sockets are closed by the server");
    let drips = dripping.await.unwrap();
    assert!(drips < 200, "the dripping writer was never cut off");
    assert!(metric(s.addr, "tickcast_header_timeouts_total").await >= 2);
    // A normal client is unaffected.
    assert_eq!(get_from(LOCAL, s.addr, "/api/rooms").await.status, 200);
}

#[tokio::test]
async fn one_address_is_held_at_its_limit_while_another_gets_the_lobby() {
    const LIMIT: u64 = 128;
    const OPENED: u64 = 1000;
    let s = TestServer::start(&[
        "--max-connections-per-ip",
        "128",
        "--header-timeout-secs",
        "120",
    ])
    .await;
    let mut held = Vec::new();
    for _ in 0..OPENED {
        held.push(connect_from(LOCAL, s.addr).await.unwrap());
    }
    let refused = wait_metric(s.addr, "tickcast_connections_refused_total", OPENED - LIMIT).await;
    assert_eq!(refused, OPENED - LIMIT);
    // The limited address's connections, plus at most the metrics request itself once
    // the earlier metrics requests' connections have finished closing on the server.
    let settled = async {
        loop {
            let open = metric(s.addr, "tickcast_http_connections").await;
            if open <= LIMIT + 1 {
                return open;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    };
    let open = tokio::time::timeout(PATIENCE, settled)
        .await
        .expect("the gauge settles at the limited address's connections");
    assert!(open >= LIMIT, "open {open}");

    // One more from the same address is answered 503 with a JSON error at once.
    let mut extra = connect_from(LOCAL, s.addr).await.unwrap();
    let answer = edge_common::parse(&read_until_closed(&mut extra).await);
    assert_eq!(answer.status, 503, "{answer:?}");
    assert!(
        answer.json()["error"]
            .as_str()
            .unwrap()
            .contains("too many connections")
    );

    // Another address still gets the lobby.
    let lobby = get_from(OTHER, s.addr, "/api/rooms").await;
    assert_eq!(lobby.status, 200, "{lobby:?}");
    assert!(lobby.json().is_array());

    // Closing the held sockets gives the address its slots back.
    drop(held);
    let back = async {
        loop {
            let mut tcp = connect_from(LOCAL, s.addr).await.unwrap();
            let req = "GET /api/rooms HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n";
            tcp.write_all(req.as_bytes()).await.unwrap();
            let raw = read_until_closed(&mut tcp).await;
            if raw.starts_with(b"HTTP/1.1 200") {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    };
    tokio::time::timeout(PATIENCE, back)
        .await
        .expect("the address is served again once its sockets closed");
}

#[tokio::test]
async fn the_lobby_rate_answers_429_with_retry_after_per_address() {
    let s = TestServer::start(&["--lobby-rate", "1", "--lobby-burst", "5"]).await;
    for _ in 0..5 {
        assert_eq!(get_from(LOCAL, s.addr, "/api/rooms").await.status, 200);
    }
    // A bucket of 5 refilling one token a second: twenty quick calls cannot all pass.
    let mut limited = None;
    for _ in 0..20 {
        let answer = get_from(LOCAL, s.addr, "/api/rooms").await;
        if answer.status == 429 {
            limited = Some(answer);
            break;
        }
        assert_eq!(answer.status, 200);
    }
    let limited = limited.expect("a 429 once the burst is spent");
    let retry: u64 = limited
        .header("retry-after")
        .expect("a Retry-After header")
        .parse()
        .expect("Retry-After in seconds");
    assert!(retry >= 1);
    assert!(
        limited.json()["error"]
            .as_str()
            .unwrap()
            .contains("too many requests")
    );
    // Other addresses and non-lobby routes are not affected.
    assert_eq!(get_from(OTHER, s.addr, "/api/rooms").await.status, 200);
    assert_eq!(get_from(LOCAL, s.addr, "/healthz").await.status, 200);
    assert!(metric(s.addr, "tickcast_rate_limited_total").await >= 1);
}

#[tokio::test]
async fn an_oversized_json_body_is_refused_with_413() {
    let s = TestServer::start(&[]).await;
    let name = "x".repeat(20_000);
    let body = format!(r#"{{"name":"{name}"}}"#);
    let answer = request_from(LOCAL, s.addr, "POST", "/api/rooms", &body).await;
    assert_eq!(answer.status, 413, "{answer:?}");
    assert!(answer.json()["error"].is_string());
    assert_eq!(metric(s.addr, "tickcast_body_too_large_total").await, 1);
    // A normal body still creates a room.
    let ok = request_from(LOCAL, s.addr, "POST", "/api/rooms", "{}").await;
    assert_eq!(ok.status, 201, "{ok:?}");
}

#[tokio::test]
async fn a_trickled_body_is_answered_408_at_the_body_timeout() {
    let s = TestServer::start(&["--body-timeout-secs", "1"]).await;
    // A whole head declaring 100 body bytes, then one byte every 300 ms.
    let tcp = connect_from(LOCAL, s.addr).await.unwrap();
    let (mut reader, mut writer) = tcp.into_split();
    writer
        .write_all(
            b"POST /api/rooms HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n\
              content-length: 100\r\n\r\n{",
        )
        .await
        .unwrap();
    let dripping = tokio::spawn(async move {
        for i in 0..99 {
            if writer.write_all(b" ").await.is_err() {
                return i;
            }
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
        99
    });
    let mut raw = Vec::new();
    let closed = async {
        let mut buf = [0u8; 1024];
        loop {
            match reader.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => raw.extend_from_slice(&buf[..n]),
            }
        }
    };
    tokio::time::timeout(PATIENCE, closed)
        .await
        .expect("the server answers and closes the trickling connection");
    let answer = edge_common::parse(&raw);
    assert_eq!(answer.status, 408, "{answer:?}");
    assert!(answer.json()["error"].as_str().unwrap().contains("body"));
    dripping.abort();
    assert_eq!(metric(s.addr, "tickcast_body_timeouts_total").await, 1);
    // A body sent at once is read in time.
    let ok = request_from(LOCAL, s.addr, "POST", "/api/rooms", "{}").await;
    assert_eq!(ok.status, 201, "{ok:?}");
}

/// A QUIC handshake from 127.0.0.1 to the server's endpoint announced in `seat`.
async fn quic_dial(
    http: std::net::SocketAddr,
    seat: &serde_json::Value,
) -> Result<quinn::Connection, String> {
    let pin = seat["quic"]["cert_sha256"]
        .as_str()
        .expect("a pinned QUIC certificate");
    let port = u16::try_from(seat["quic"]["port"].as_u64().expect("quic.port")).unwrap();
    let config = tickcast_client::cert_pin::quic_client_config(pin).unwrap();
    let mut endpoint = quinn::Endpoint::client("127.0.0.1:0".parse().unwrap()).unwrap();
    endpoint.set_default_client_config(config);
    let connecting = endpoint
        .connect(std::net::SocketAddr::new(http.ip(), port), "localhost")
        .unwrap();
    tokio::time::timeout(PATIENCE, connecting)
        .await
        .expect("the handshake ends in time")
        .map_err(|e| e.to_string())
}

#[tokio::test]
async fn quic_connections_count_against_the_same_address_limit() {
    let s = TestServer::start(&[
        "--max-connections-per-ip",
        "2",
        "--header-timeout-secs",
        "120",
    ])
    .await;
    let room = request_from(OTHER, s.addr, "POST", "/api/rooms", "{}").await;
    let id = room.json()["id"].as_str().unwrap().to_owned();
    let path = format!("/api/rooms/{id}/join");
    let seat = request_from(OTHER, s.addr, "POST", &path, r#"{"name":"q"}"#)
        .await
        .json();

    // Two TCP sockets from 127.0.0.1 use up its slots: QUIC from it is refused.
    let held = [
        connect_from(LOCAL, s.addr).await.unwrap(),
        connect_from(LOCAL, s.addr).await.unwrap(),
    ];
    wait_metric(s.addr, "tickcast_http_connections", 2).await;
    let refused = quic_dial(s.addr, &seat).await;
    assert!(refused.is_err(), "QUIC past the address limit was accepted");
    assert_eq!(
        metric(s.addr, "tickcast_quic_connections_refused_total").await,
        1
    );

    // Once they close, QUIC from the same address gets through.
    drop(held);
    let through = async {
        loop {
            if let Ok(conn) = quic_dial(s.addr, &seat).await {
                return conn;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    };
    tokio::time::timeout(PATIENCE, through)
        .await
        .expect("QUIC is accepted once the address has a free slot");
}
