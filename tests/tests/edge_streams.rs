//! Long-lived streams over HTTP/2 (TLS, ALPN `h2`), against the real server: one
//! address's streams are counted across all its connections
//! (`--max-streams-per-ip`), so a few HTTP/2 connections cannot carry hundreds of
//! spectator streams past the per-address limit; and a stream whose peer stops
//! granting flow-control window is reset on the wire (`--stream-stall-secs`).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod edge_common;

use edge_common::h2::{h2, h2_with, json, send, tls_connect, tls_connect_from};
use edge_common::pki::Pki;
use edge_common::{OTHER, PATIENCE};
use http_body_util::BodyExt;
use hyper::body::Incoming;
use hyper::client::conn::http2::Builder;
use hyper_util::rt::TokioExecutor;
use std::net::SocketAddr;
use std::time::Duration;
use tickcast_tests::server::TestServer;

async fn start(pki: &Pki, extra: &[&str]) -> TestServer {
    let cert = pki.cert_file.to_str().unwrap().to_owned();
    let key = pki.key_file.to_str().unwrap().to_owned();
    let mut args = vec!["--tls-cert", &cert, "--tls-key", &key];
    args.extend_from_slice(extra);
    TestServer::start(&args).await
}

/// The value of the metric `name`, asked over HTTPS from [`OTHER`] (the caller's
/// own address may be at its limits).
async fn metric(pki: &Pki, addr: SocketAddr, name: &str) -> u64 {
    let mut sender = h2(tls_connect_from(pki, OTHER, addr, &[b"h2"]).await).await;
    let res = send(&mut sender, addr, "GET", "/metrics", "").await;
    let text = res.into_body().collect().await.unwrap().to_bytes();
    String::from_utf8_lossy(&text)
        .lines()
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.trim().parse().ok())
        .unwrap_or_else(|| panic!("no {name} in /metrics"))
}

/// Poll `name` until it reaches `at_least` (bounded by [`PATIENCE`]).
async fn wait_metric(pki: &Pki, addr: SocketAddr, name: &str, at_least: u64) {
    let wait = async {
        while metric(pki, addr, name).await < at_least {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    };
    tokio::time::timeout(PATIENCE, wait)
        .await
        .unwrap_or_else(|_| panic!("{name} did not reach {at_least}"));
}

/// A room with drones (created from [`OTHER`]); its spectator stream's path.
async fn room_events(pki: &Pki, addr: SocketAddr) -> String {
    let mut sender = h2(tls_connect_from(pki, OTHER, addr, &[b"h2"]).await).await;
    let created = send(&mut sender, addr, "POST", "/api/rooms", r#"{"drones":4}"#).await;
    assert_eq!(created.status(), 201);
    let id = json(created).await["id"].as_str().unwrap().to_owned();
    format!("/api/rooms/{id}/events")
}

#[tokio::test]
async fn http2_streams_from_one_address_are_capped_across_its_connections() {
    let pki = Pki::new("streams");
    pki.issue("first");
    let s = start(&pki, &["--max-streams-per-ip", "6"]).await;
    let path = room_events(&pki, s.addr).await;

    // Three HTTP/2 connections carry two spectator streams each: six, the limit.
    let mut senders = Vec::new();
    let mut streams: Vec<Incoming> = Vec::new();
    for _ in 0..3 {
        let mut sender = h2(tls_connect(&pki, s.addr, &[b"h2"]).await).await;
        for _ in 0..2 {
            let res = send(&mut sender, s.addr, "GET", &path, "").await;
            assert_eq!(res.status(), 200);
            streams.push(res.into_body());
        }
        senders.push(sender);
    }
    // A seventh, on a fourth connection or on one of the three, is refused.
    let mut fourth = h2(tls_connect(&pki, s.addr, &[b"h2"]).await).await;
    for sender in [&mut fourth, &mut senders[0]] {
        let res = send(sender, s.addr, "GET", &path, "").await;
        assert_eq!(res.status(), 429);
        assert_eq!(res.headers()["retry-after"], "5");
        let error = json(res).await["error"].as_str().unwrap().to_owned();
        assert!(error.contains("too many open streams"), "{error}");
    }
    assert!(metric(&pki, s.addr, "tickcast_streams_refused_total").await >= 2);
    // Another address is not affected.
    let mut other = h2(tls_connect_from(&pki, OTHER, s.addr, &[b"h2"]).await).await;
    assert_eq!(
        send(&mut other, s.addr, "GET", &path, "").await.status(),
        200
    );

    // A stream that ends gives its place back.
    drop(streams.pop());
    let again = async {
        loop {
            let res = send(&mut fourth, s.addr, "GET", &path, "").await;
            if res.status() == 200 {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    };
    tokio::time::timeout(PATIENCE, again)
        .await
        .expect("a freed place is taken again");
}

#[tokio::test]
async fn a_stalled_http2_stream_is_reset_on_the_wire() {
    let pki = Pki::new("stall");
    pki.issue("first");
    let s = start(&pki, &["--stream-stall-secs", "1"]).await;
    let path = room_events(&pki, s.addr).await;
    // A small stream window the client never reopens: it does not read the body.
    let mut builder = Builder::new(TokioExecutor::new());
    builder.initial_stream_window_size(2048);
    let mut sender = h2_with(tls_connect(&pki, s.addr, &[b"h2"]).await, &builder).await;
    let res = send(&mut sender, s.addr, "GET", &path, "").await;
    assert_eq!(res.status(), 200);
    wait_metric(&pki, s.addr, "tickcast_stream_resets_total", 1).await;

    // What arrived before the reset is there, then the stream ends in an error
    // (RST_STREAM), not in more events.
    let mut body = res.into_body();
    let end = async {
        loop {
            match body.frame().await {
                Some(Ok(_)) => continue,
                Some(Err(e)) => return Some(e),
                None => return None,
            }
        }
    };
    let end = tokio::time::timeout(PATIENCE, end)
        .await
        .expect("the stream ends: it was reset");
    let reset = end.expect("a reset, not a clean end");
    // hyper's error carries the h2 one: a RST_STREAM from the server.
    let why = format!("{reset:?}");
    assert!(why.contains("Reset") && why.contains("Remote"), "{why}");
    // The connection itself goes on.
    assert_eq!(
        send(&mut sender, s.addr, "GET", "/healthz", "")
            .await
            .status(),
        200
    );
}
