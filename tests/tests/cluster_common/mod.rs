//! Shared by the cluster tests: a real redis-server and real server nodes on it.

#![allow(dead_code)]

use std::path::PathBuf;
use tickcast_tests::redis::RedisServer;
use tickcast_tests::server::TestServer;

/// Start node `name` of the cluster on `redis` (QUIC off), plus `extra` flags.
pub async fn node(redis: &RedisServer, name: &str, extra: &[&str]) -> TestServer {
    let mut args = vec![
        "--redis",
        redis.url.as_str(),
        "--node-id",
        name,
        "--no-quic",
    ];
    args.extend_from_slice(extra);
    TestServer::start(&args).await
}

/// Start node `name` with QUIC on (on its HTTP port number, UDP).
pub async fn node_with_quic(redis: &RedisServer, name: &str) -> TestServer {
    TestServer::start(&["--redis", redis.url.as_str(), "--node-id", name]).await
}

/// A config file with `[cluster] node_ttl_ms = ttl` (in a fresh temp directory).
pub fn ttl_config(tag: &str, ttl_ms: u64) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("tickcast-{tag}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("cluster.toml");
    std::fs::write(&path, format!("[cluster]\nnode_ttl_ms = {ttl_ms}\n")).unwrap();
    path
}

/// The ids of a JSON array of rooms.
pub fn ids(list: &serde_json::Value) -> Vec<String> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|r| id_text(&r["id"]))
        .collect()
}

/// A JSON room id as text (numbers or strings).
pub fn id_text(id: &serde_json::Value) -> String {
    match id {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Try a WebSocket upgrade at `path`; the refusal's status and JSON body (panics
/// if the upgrade succeeds).
pub async fn refused_upgrade(addr: std::net::SocketAddr, path: &str) -> (u16, serde_json::Value) {
    match tokio_tungstenite::connect_async(format!("ws://{addr}{path}")).await {
        Ok(_) => panic!("upgrade at {path} was accepted"),
        Err(tokio_tungstenite::tungstenite::Error::Http(res)) => {
            let body = res
                .body()
                .as_deref()
                .and_then(|b| serde_json::from_slice(b).ok())
                .unwrap_or(serde_json::Value::Null);
            (res.status().as_u16(), body)
        }
        Err(e) => panic!("unexpected error: {e}"),
    }
}

/// Poll `GET path` on `addr` every 50 ms until `done` holds (bounded to 15 s).
pub async fn until(
    addr: std::net::SocketAddr,
    path: &str,
    done: impl Fn(u16, &serde_json::Value) -> bool,
) -> std::time::Instant {
    use std::time::{Duration, Instant};
    let give_up = Instant::now() + Duration::from_secs(15);
    loop {
        let (status, body) = tickcast_tests::http::get(addr, path).await;
        if done(status, &body) {
            return Instant::now();
        }
        assert!(
            Instant::now() < give_up,
            "{path} never got there: {status} {body}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
