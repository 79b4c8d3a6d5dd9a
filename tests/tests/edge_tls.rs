//! HTTPS on the one listener, from outside: a test CA (rcgen) signs the server's
//! certificate; clients trust only that CA. ALPN offers `h2` and `http/1.1`; many
//! spectator streams share one HTTP/2 connection; curl gets HTTP/2; SIGHUP serves a
//! new certificate without a restart.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod edge_common;

use edge_common::PATIENCE;
use edge_common::h2::{h2, json, send, tls_connect};
use edge_common::pki::Pki;
use http_body_util::BodyExt;
use std::time::Duration;
use tickcast_tests::server::TestServer;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_rustls::client::TlsStream;

fn served_cert(tls: &TlsStream<TcpStream>) -> Vec<u8> {
    let (_, session) = tls.get_ref();
    session.peer_certificates().unwrap()[0].as_ref().to_vec()
}

async fn start(pki: &Pki, extra: &[&str]) -> TestServer {
    let cert = pki.cert_file.to_str().unwrap().to_owned();
    let key = pki.key_file.to_str().unwrap().to_owned();
    let mut args = vec!["--tls-cert", &cert, "--tls-key", &key];
    args.extend_from_slice(extra);
    let s = TestServer::start(&args).await;
    assert!(s.url.starts_with("https://"), "{}", s.url);
    s
}

#[tokio::test]
async fn eight_spectator_streams_share_one_http2_connection() {
    let pki = Pki::new("h2");
    pki.issue("first");
    let s = start(&pki, &[]).await;
    let tls = tls_connect(&pki, s.addr, &[b"h2", b"http/1.1"]).await;
    assert_eq!(tls.get_ref().1.alpn_protocol(), Some(&b"h2"[..]));
    let mut sender = h2(tls).await;

    let mut streams = Vec::new();
    for i in 0..8 {
        let body = format!(r#"{{"name":"tab {i}","drones":4}}"#);
        let created = send(&mut sender, s.addr, "POST", "/api/rooms", &body).await;
        assert_eq!(created.status(), 201);
        let id = json(created).await["id"].to_string();
        let path = format!("/api/rooms/{}/events", id.trim_matches('"'));
        let res = send(&mut sender, s.addr, "GET", &path, "").await;
        assert_eq!(res.status(), 200);
        assert_eq!(res.headers()["content-type"], "text/event-stream");
        streams.push(res.into_body());
    }
    // Every stream delivers events at the same time, on the one connection.
    for body in &mut streams {
        let mut seen = String::new();
        while !seen.contains("data:") {
            let frame = tokio::time::timeout(PATIENCE, body.frame())
                .await
                .expect("an event in time")
                .expect("the stream goes on")
                .unwrap();
            if let Ok(data) = frame.into_data() {
                seen.push_str(&String::from_utf8_lossy(&data));
            }
        }
    }
    let metrics = send(&mut sender, s.addr, "GET", "/metrics", "").await;
    let text = metrics.into_body().collect().await.unwrap().to_bytes();
    let text = String::from_utf8_lossy(&text).into_owned();
    assert!(text.contains("tickcast_spectators 8"), "{text}");
    assert!(text.contains("tickcast_http_connections 1\n"), "{text}");
}

#[tokio::test]
async fn http1_is_offered_and_curl_gets_http2() {
    let pki = Pki::new("alpn");
    pki.issue("first");
    let s = start(&pki, &[]).await;
    let tls = tls_connect(&pki, s.addr, &[b"http/1.1"]).await;
    assert_eq!(tls.get_ref().1.alpn_protocol(), Some(&b"http/1.1"[..]));
    drop(tls);

    let port = s.addr.port();
    let curl = tokio::process::Command::new("curl")
        .args(["--silent", "--show-error", "--http2", "--cacert"])
        .arg(&pki.ca_file)
        .args(["--resolve", &format!("localhost:{port}:127.0.0.1")])
        .args(["--write-out", "\n%{http_version} %{http_code}"])
        .arg(format!("https://localhost:{port}/api/rooms"))
        .output();
    let out = tokio::time::timeout(PATIENCE, curl)
        .await
        .expect("curl finishes")
        .expect("curl is installed (tests/run-all.sh installs it)");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout} {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (body, last) = stdout.rsplit_once('\n').unwrap();
    assert_eq!(last, "2 200", "{stdout}");
    assert!(
        serde_json::from_str::<serde_json::Value>(body)
            .unwrap()
            .is_array()
    );

    // Plain HTTP on the TLS port is not served: the handshake fails, the socket closes.
    let mut plain = TcpStream::connect(s.addr).await.unwrap();
    plain
        .write_all(b"GET /api/rooms HTTP/1.1\r\nhost: x\r\n\r\n")
        .await
        .unwrap();
    let mut answer = Vec::new();
    let read = tokio::time::timeout(PATIENCE, plain.read_to_end(&mut answer)).await;
    assert!(read.is_ok(), "the server closes a plain-HTTP socket");
    assert!(!answer.starts_with(b"HTTP/"), "plain HTTP was answered");
}

#[tokio::test]
async fn sighup_serves_a_new_certificate_without_a_restart() {
    let pki = Pki::new("reload");
    let first = pki.issue("first");
    // Polling off: only the signal may reload.
    let config = pki.dir.join("tickcast.toml");
    std::fs::write(&config, "[tls]\nreload_poll_secs = 0\n").unwrap();
    let s = start(&pki, &["--config", config.to_str().unwrap()]).await;
    let tls = tls_connect(&pki, s.addr, &[b"h2"]).await;
    assert_eq!(served_cert(&tls), first);

    let second = pki.issue("second");
    assert_ne!(first, second);
    s.signal("-HUP");
    let served = async {
        loop {
            let tls = tls_connect(&pki, s.addr, &[b"h2"]).await;
            if served_cert(&tls) == second {
                return tls;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    };
    let tls = tokio::time::timeout(PATIENCE, served)
        .await
        .expect("the new certificate is served after SIGHUP");
    // The old connection's process is the same one: the lobby still answers.
    let mut sender = h2(tls).await;
    let res = send(&mut sender, s.addr, "GET", "/metrics", "").await;
    let text = res.into_body().collect().await.unwrap().to_bytes();
    assert!(String::from_utf8_lossy(&text).contains("tickcast_cert_reloads_total 1\n"));
}

#[tokio::test]
async fn the_native_client_plays_over_wss_trusting_the_test_ca() {
    let pki = Pki::new("wss");
    pki.issue("first");
    let s = start(&pki, &["--no-quic"]).await;
    let ca = pki.ca_file.to_str().unwrap().to_owned();
    // The certificate names 127.0.0.1 as well as localhost.
    let url = format!("https://127.0.0.1:{}", s.addr.port());
    let args = ["--ca-cert", &ca, "--count", "2", "--duration", "2s"];
    let report = tickcast_tests::server::bots_report(&url, &args).await;
    assert_eq!(report["bots"], 2, "{report}");
    assert_eq!(report["decode_errors"], 0, "{report}");
    assert!(report["snapshots"].as_u64().unwrap() >= 2 * 20, "{report}");

    assert_eq!(report["connect_errors"], 0, "{report}");

    // Without the CA the client refuses the server's certificate.
    let (status, report) =
        tickcast_tests::server::bots_run(&url, &["--count", "1", "--duration", "1s"]).await;
    assert!(!status.success(), "no bot connected: {report}");
    assert_eq!(report["connected"], 0, "{report}");
    assert_eq!(report["connect_errors"], 1, "{report}");
    let error = report["first_error"].as_str().unwrap();
    assert!(error.contains("invalid peer certificate"), "{report}");
}

#[tokio::test]
async fn quic_serves_the_https_certificate_and_clients_verify_it() {
    let pki = Pki::new("quic");
    pki.issue("first");
    let s = start(&pki, &[]).await;
    let tls = tls_connect(&pki, s.addr, &[b"h2"]).await;
    let mut sender = h2(tls).await;
    let created = send(&mut sender, s.addr, "POST", "/api/rooms", "{}").await;
    let id = json(created).await["id"].to_string();
    let path = format!("/api/rooms/{}/join", id.trim_matches('"'));
    let seat = json(send(&mut sender, s.addr, "POST", &path, r#"{"name":"q"}"#).await).await;
    // No pin announced: the certificate is the HTTPS one, verified normally.
    assert!(seat["quic"]["port"].is_u64(), "{seat}");
    assert!(seat["quic"].get("cert_sha256").is_none(), "{seat}");

    let ca = pki.ca_file.to_str().unwrap().to_owned();
    let url = format!("https://127.0.0.1:{}", s.addr.port());
    let args = [
        "--ca-cert",
        &ca,
        "--transport",
        "quic",
        "--count",
        "2",
        "--duration",
        "2s",
    ];
    let report = tickcast_tests::server::bots_report(&url, &args).await;
    assert_eq!(report["transport"], "quic", "{report}");
    assert_eq!(report["connected"], 2, "{report}");
    assert!(report["snapshots"].as_u64().unwrap() >= 2 * 20, "{report}");
}

#[tokio::test]
async fn a_socket_that_never_starts_its_handshake_is_cut() {
    let pki = Pki::new("stall");
    pki.issue("first");
    let s = start(&pki, &["--header-timeout-secs", "1"]).await;
    let mut silent = TcpStream::connect(s.addr).await.unwrap();
    let mut nothing = Vec::new();
    let closed = tokio::time::timeout(PATIENCE, silent.read_to_end(&mut nothing)).await;
    assert!(
        closed.is_ok(),
        "the server closes a socket that never says hello"
    );
    assert!(nothing.is_empty());
    let mut sender = h2(tls_connect(&pki, s.addr, &[b"h2"]).await).await;
    let res = send(&mut sender, s.addr, "GET", "/metrics", "").await;
    let text = res.into_body().collect().await.unwrap().to_bytes();
    assert!(String::from_utf8_lossy(&text).contains("tickcast_header_timeouts_total 1\n"));
}

#[tokio::test]
async fn a_changed_certificate_file_is_picked_up_by_polling() {
    let pki = Pki::new("poll");
    let first = pki.issue("first");
    let config = pki.dir.join("tickcast.toml");
    std::fs::write(&config, "[tls]\nreload_poll_secs = 0.2\n").unwrap();
    let s = start(&pki, &["--config", config.to_str().unwrap()]).await;
    assert_eq!(
        served_cert(&tls_connect(&pki, s.addr, &[b"h2"]).await),
        first
    );
    // Files written within the same mtime tick still differ from the loaded ones
    // once the clock moves on; no signal is sent.
    let second = pki.issue("second");
    let served = async {
        loop {
            if served_cert(&tls_connect(&pki, s.addr, &[b"h2"]).await) == second {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    };
    tokio::time::timeout(PATIENCE, served)
        .await
        .expect("the rewritten certificate is served without a signal");
}
