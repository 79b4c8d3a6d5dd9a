//! SIGTERM finishes within the shutdown deadline even with a spectator that stopped
//! reading, a slowloris socket and a request whose body never comes (each used to
//! keep the process alive).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod edge_common;

use edge_common::{LOCAL, connect_from, request_from, wait_metric};
use std::time::Duration;
use tickcast_tests::server::TestServer;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpSocket;

/// Bytes the server must have queued towards the viewer before we call it stalled.
const STALLED_BYTES: u64 = 16 * 1024;

/// The server socket's unacknowledged send queue towards `peer_port`, from the
/// kernel's table (`/proc/net/tcp`, hex `tx_queue:rx_queue`).
fn send_queue(server_port: u16, peer_port: u16) -> Option<u64> {
    let table = std::fs::read_to_string("/proc/net/tcp").ok()?;
    let local = format!(":{server_port:04X}");
    let remote = format!(":{peer_port:04X}");
    table.lines().skip(1).find_map(|line| {
        let f: Vec<&str> = line.split_whitespace().collect();
        let (l, r, queues) = (f.get(1)?, f.get(2)?, f.get(4)?);
        if !(l.ends_with(&local) && r.ends_with(&remote)) {
            return None;
        }
        u64::from_str_radix(queues.split(':').next()?, 16).ok()
    })
}

/// Wait (bounded) until the server's writes to the viewer are piling up unread.
async fn wait_for_stalled_send(server_port: u16, peer_port: u16) {
    let wait = async {
        while send_queue(server_port, peer_port).unwrap_or(0) < STALLED_BYTES {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    };
    tokio::time::timeout(edge_common::PATIENCE, wait)
        .await
        .expect("the viewer's stream stalls (server send queue full)");
}

#[tokio::test]
async fn sigterm_exits_with_a_stalled_viewer_and_a_slowloris_socket_open() {
    let s = TestServer::start(&[
        "--shutdown-grace-secs",
        "1",
        "--header-timeout-secs",
        "120",
        "--spectator-rate",
        "30",
    ])
    .await;
    let room = request_from(LOCAL, s.addr, "POST", "/api/rooms", r#"{"drones":500}"#).await;
    assert_eq!(room.status, 201, "{room:?}");
    let id = room.json()["id"].to_string().trim_matches('"').to_owned();

    // A viewer that asks for the stream and never reads a byte of it, with a tiny
    // receive window: the server's writes to it stall.
    let socket = TcpSocket::new_v4().unwrap();
    socket.set_recv_buffer_size(4096).unwrap();
    let mut viewer = socket.connect(s.addr).await.unwrap();
    let req = format!("GET /api/rooms/{id}/events HTTP/1.1\r\nhost: x\r\n\r\n");
    viewer.write_all(req.as_bytes()).await.unwrap();
    wait_metric(s.addr, "tickcast_spectators", 1).await;
    let viewer_port = viewer.local_addr().unwrap().port();
    wait_for_stalled_send(s.addr.port(), viewer_port).await;

    // A slowloris socket: half a request head, then silence.
    let mut slow = connect_from(LOCAL, s.addr).await.unwrap();
    slow.write_all(b"GET / HTTP/1.1\r\nhost: x\r\n")
        .await
        .unwrap();

    // A request whose body never comes: only the shutdown deadline ends it.
    let mut upload = connect_from(LOCAL, s.addr).await.unwrap();
    let head = "POST /api/rooms HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n{";
    upload.write_all(head.as_bytes()).await.unwrap();
    wait_metric(s.addr, "tickcast_http_connections", 3).await;

    // `terminate` fails unless the process exits within 10 s of SIGTERM.
    let status = s.terminate().await;
    assert!(status.success(), "exit status {status:?}");
    drop((viewer, slow, upload));
}
