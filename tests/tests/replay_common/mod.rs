//! Shared steps of the replay tests: a server recording into a temporary directory,
//! bots playing a room, waiting for a finished recording, raw downloads, and the
//! real `tickcast-client replay --verify`.

#![allow(dead_code)]

use http_body_util::{BodyExt, Empty};
use hyper::Request;
use hyper::body::Bytes;
use hyper_util::rt::TokioIo;
use serde_json::Value;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use tickcast_client::lobby::{CreateRoom, Lobby, RoomId, RoomInfo};
use tickcast_client::{BotConfig, BotReport, run_bots};
use tickcast_tests::http;
use tickcast_tests::server::TestServer;
use tokio::net::TcpStream;
use tokio::task::JoinHandle;

/// Longest wait for the server to finish and list a recording.
pub const LIST_WAIT: Duration = Duration::from_secs(30);

/// A directory under the system's temporary directory, removed on drop.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(name: &str) -> TempDir {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos();
        let dir =
            std::env::temp_dir().join(format!("tickcast-{name}-{}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }

    /// The recordings in the directory `sub`, sorted.
    pub fn files(&self, sub: &str) -> Vec<PathBuf> {
        let Ok(entries) = std::fs::read_dir(self.0.join(sub)) else {
            return Vec::new();
        };
        let mut files: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
        files.sort();
        files
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A server recording into `<dir>/replays`; a room finishes 1 s after its last
/// player left (or after its creation, if nobody joins).
pub async fn server(dir: &TempDir, extra: &[&str]) -> TestServer {
    let replays = dir.path().join("replays");
    let mut args = vec![
        "--replay-dir",
        replays.to_str().unwrap(),
        "--empty-room-secs",
        "1",
    ];
    args.extend_from_slice(extra);
    TestServer::start(&args).await
}

/// A config file in `dir` with `text`, as `--config` arguments.
pub fn config_file(dir: &TempDir, text: &str) -> String {
    let path = dir.path().join("tickcast.toml");
    std::fs::write(&path, text).unwrap();
    path.to_str().unwrap().to_owned()
}

pub async fn room(server: &TestServer, drones: u32) -> RoomInfo {
    Lobby::new(&server.url)
        .unwrap()
        .create_room(&CreateRoom {
            name: Some("replayed".into()),
            drones: Some(drones),
            ..CreateRoom::default()
        })
        .await
        .unwrap()
}

/// `count` bots of `server` in `room` for `duration` (the other settings the
/// defaults: moving, aiming, shooting).
pub fn bot_config(
    server: &TestServer,
    room: &RoomId,
    count: usize,
    duration: Duration,
) -> BotConfig {
    BotConfig {
        server: server.url.clone(),
        count,
        duration,
        rooms: vec![room.clone()],
        ..BotConfig::default()
    }
}

/// The bots of `config` playing in a task of their own (abort it to stop them).
pub fn spawn_bots(config: BotConfig) -> JoinHandle<tickcast_client::error::Result<BotReport>> {
    tokio::spawn(async move { run_bots(&config).await })
}

/// `count` bots play in `room` for `duration` (moving, aiming, shooting).
pub async fn play(
    server: &TestServer,
    room: &RoomId,
    count: usize,
    duration: Duration,
) -> BotReport {
    let config = BotConfig {
        seed: 7,
        ..bot_config(server, room, count, duration)
    };
    let report = run_bots(&config).await.unwrap();
    assert_eq!(report.connected, count, "{report:?}");
    report
}

/// Poll `GET /api/replays` (bounded) until the recording of room `room` is listed
/// complete; returns its entry.
pub async fn complete_replay_of(server: &TestServer, room: &RoomId) -> Value {
    let suffix = format!("-{}", room.0);
    let deadline = Instant::now() + LIST_WAIT;
    loop {
        let (_, list) = http::get(server.addr, "/api/replays").await;
        let found = list.as_array().and_then(|l| {
            l.iter()
                .find(|r| r["id"].as_str().is_some_and(|id| id.ends_with(&suffix)))
        });
        if let Some(entry) = found.filter(|r| r["complete"] == true) {
            return entry.clone();
        }
        assert!(
            Instant::now() < deadline,
            "room {} not recorded: {list}",
            room.0
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Poll `GET /api/replays` (bounded) until `n` complete recordings are listed.
pub async fn complete_replays(server: &TestServer, n: usize) -> Vec<Value> {
    let deadline = Instant::now() + LIST_WAIT;
    loop {
        let (status, list) = http::get(server.addr, "/api/replays").await;
        assert_eq!(status, 200);
        let done: Vec<Value> = list
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["complete"] == true)
            .cloned()
            .collect();
        if done.len() >= n {
            return done;
        }
        assert!(Instant::now() < deadline, "no {n} complete replays: {list}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// A raw `GET`: status, headers (lower-case names) and body bytes.
pub async fn get_bytes(addr: SocketAddr, path: &str) -> (u16, Vec<(String, String)>, Vec<u8>) {
    let stream = TcpStream::connect(addr).await.unwrap();
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .unwrap();
    tokio::spawn(conn);
    let req = Request::builder()
        .uri(path)
        .header("host", addr.to_string())
        .body(Empty::<Bytes>::new())
        .unwrap();
    let res = sender.send_request(req).await.unwrap();
    let status = res.status().as_u16();
    let headers = res
        .headers()
        .iter()
        .map(|(k, v)| (k.as_str().to_owned(), v.to_str().unwrap_or("").to_owned()))
        .collect();
    let body = res.into_body().collect().await.unwrap().to_bytes().to_vec();
    (status, headers, body)
}

pub use tickcast_tests::server::client_binary;

/// What `tickcast-client replay FILE --verify` did.
pub struct Verified {
    pub ok: bool,
    pub report: Value,
    pub stderr: String,
}

/// Run the real `tickcast-client replay FILE --verify`.
pub async fn verify_with_client(file: &Path) -> Verified {
    let bin = client_binary();
    let out = tokio::process::Command::new(&bin)
        .args(["replay", file.to_str().unwrap(), "--verify"])
        .output()
        .await
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", bin.display()));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!stderr.contains("panicked"), "{stderr}");
    let report = serde_json::from_str(stdout.trim())
        .unwrap_or_else(|e| panic!("not one JSON line ({e}): {stdout:?} {stderr}"));
    Verified {
        ok: out.status.success(),
        report,
        stderr,
    }
}
