//! Recording downloads against the real binary: unread downloads do not hold the
//! file in the server's memory, one address has a limited number of them open, and
//! one that is not read is cut after `download_timeout_secs`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod replay_common;

use replay_common::{TempDir, server};
use std::net::SocketAddr;
use std::time::{Duration, Instant};
use tickcast_shared::replay::ReplayWriter;
use tickcast_tests::http;
use tickcast_tests::replay_match::{MatchScript, header};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpSocket, TcpStream};

/// Longest wait for something the server's timers decide.
const PATIENCE: Duration = Duration::from_secs(30);

/// A recording of `size` bytes: a valid header, then filler (a download does not
/// read past the header; the list calls it damaged).
fn big_recording(size: usize) -> Vec<u8> {
    let script = MatchScript::minutes(1, 0, 1, 3);
    let schema = tickcast_shared::game::GameEntry::of::<tickcast_shared::sim::Arena>().schema();
    let mut bytes = ReplayWriter::new(&header(&script, "big"), schema).take_bytes();
    bytes.resize(size, 0xa5);
    bytes
}

/// `GET path` from a socket with a small receive buffer; the status and the
/// stream after the response head (nothing of the body is read).
async fn get_unread(addr: SocketAddr, path: &str) -> (u16, BufReader<TcpStream>) {
    let socket = TcpSocket::new_v4().unwrap();
    socket.set_recv_buffer_size(4096).unwrap();
    let mut stream = socket.connect(addr).await.unwrap();
    let request = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut reader = BufReader::new(stream);
    let mut status = 0;
    loop {
        let mut line = String::new();
        let n = tokio::time::timeout(PATIENCE, reader.read_line(&mut line))
            .await
            .expect("a response head")
            .unwrap();
        assert!(n > 0, "closed before the head ended");
        if status == 0 {
            status = line.split_whitespace().nth(1).unwrap().parse().unwrap();
        }
        if line == "\r\n" {
            return (status, reader);
        }
    }
}

/// The server's resident memory, bytes.
fn rss(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let kb: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap();
    kb * 1024
}

async fn counter(addr: SocketAddr, name: &str) -> u64 {
    let (_, text) = http::get_text(addr, "/metrics").await;
    text.lines()
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(' '))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unread_downloads_do_not_hold_the_file_in_memory() {
    const SIZE: usize = 8 * 1024 * 1024;
    const DOWNLOADS: usize = 24;
    let dir = TempDir::new("replay-download-rss");
    let replays = dir.path().join("replays");
    std::fs::create_dir_all(&replays).unwrap();
    std::fs::write(replays.join("1-big.tcr"), big_recording(SIZE)).unwrap();
    let server = server(&dir, &["--replay-downloads-per-ip", "64"]).await;
    let pid = server.pid().unwrap();
    // One whole download first, so that what it sets up once is in the baseline.
    let (status, mut whole) = get_unread(server.addr, "/api/replays/1-big").await;
    assert_eq!(status, 200);
    let mut body = vec![0u8; SIZE];
    whole.read_exact(&mut body).await.unwrap();
    drop(whole);
    let before = rss(pid);
    let mut held = Vec::new();
    for _ in 0..DOWNLOADS {
        let (status, stream) = get_unread(server.addr, "/api/replays/1-big").await;
        assert_eq!(status, 200);
        held.push(stream);
    }
    assert_eq!(
        counter(server.addr, "tickcast_replay_downloads").await,
        DOWNLOADS as u64
    );
    let grown = rss(pid).saturating_sub(before);
    // Reading each file whole would be DOWNLOADS x SIZE (192 MiB); chunks are KBs.
    assert!(
        grown < 4 * SIZE as u64,
        "RSS grew by {grown} bytes for {DOWNLOADS} unread downloads of {SIZE} bytes"
    );
    drop(held);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_download_that_is_not_read_is_cut_after_the_deadline() {
    const SIZE: usize = 24 * 1024 * 1024;
    let dir = TempDir::new("replay-download-cut");
    let replays = dir.path().join("replays");
    std::fs::create_dir_all(&replays).unwrap();
    std::fs::write(replays.join("1-big.tcr"), big_recording(SIZE)).unwrap();
    let args = [
        "--replay-download-timeout-secs",
        "1",
        "--replay-downloads-per-ip",
        "2",
    ];
    let server = server(&dir, &args).await;
    let path = "/api/replays/1-big";
    let (a, mut first) = get_unread(server.addr, path).await;
    let (b, _second) = get_unread(server.addr, path).await;
    assert_eq!((a, b), (200, 200));
    // A third one from the same address waits for a place.
    let (status, json) = http::get(server.addr, path).await;
    assert_eq!(status, 429, "{json}");
    assert!(counter(server.addr, "tickcast_replay_downloads_refused_total").await >= 1);
    // Both stall; a second after their buffers filled the server gives up on them.
    let deadline = Instant::now() + PATIENCE;
    while counter(server.addr, "tickcast_replay_download_timeouts_total").await < 2 {
        assert!(Instant::now() < deadline, "unread downloads were never cut");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(counter(server.addr, "tickcast_replay_downloads").await, 0);
    // Their places are free again.
    let (status, _third) = get_unread(server.addr, path).await;
    assert_eq!(status, 200);
    // The stalled one, read now, ends short of the file: the server closed it.
    let mut body = Vec::new();
    let read = tokio::time::timeout(PATIENCE, async {
        let mut chunk = vec![0u8; 64 * 1024];
        loop {
            match first.read(&mut chunk).await {
                Ok(0) | Err(_) => break,
                Ok(n) => body.extend_from_slice(&chunk[..n]),
            }
        }
    })
    .await;
    assert!(read.is_ok(), "the cut download was never closed");
    assert!(body.len() < SIZE, "the whole file came: {}", body.len());
}
