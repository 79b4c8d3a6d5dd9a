//! Shared by the edge tests: raw HTTP/1.1 from a chosen loopback source address, and
//! reading one counter from `/metrics`.

#![allow(dead_code)]

pub mod h2;
pub mod pki;

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};

/// The test's second address: a server on 127.0.0.1 sees it as another client.
pub const OTHER: IpAddr = IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2));
/// The default source address.
pub const LOCAL: IpAddr = IpAddr::V4(Ipv4Addr::new(127, 0, 0, 1));

/// Bound on any single exchange in these tests.
pub const PATIENCE: Duration = Duration::from_secs(20);

/// A TCP connection to `addr` from source address `from`.
pub async fn connect_from(from: IpAddr, addr: SocketAddr) -> std::io::Result<TcpStream> {
    let socket = TcpSocket::new_v4()?;
    socket.bind(SocketAddr::new(from, 0))?;
    socket.connect(addr).await
}

/// An HTTP answer read to the end of the connection.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub head: String,
    pub body: String,
}

impl Answer {
    /// The value of header `name` (case-insensitive), if present.
    pub fn header(&self, name: &str) -> Option<String> {
        self.head.lines().find_map(|line| {
            let (k, v) = line.split_once(':')?;
            k.trim()
                .eq_ignore_ascii_case(name)
                .then(|| v.trim().to_owned())
        })
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {:?}", self.body))
    }
}

/// Parse a whole `Connection: close` answer (identity or chunked body).
pub fn parse(raw: &[u8]) -> Answer {
    let text = String::from_utf8_lossy(raw).into_owned();
    let (head, body) = text
        .split_once("\r\n\r\n")
        .unwrap_or_else(|| panic!("no HTTP head in {text:?}"));
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no status in {head:?}"));
    let chunked = head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked");
    let body = if chunked {
        dechunk(body)
    } else {
        body.to_owned()
    };
    Answer {
        status,
        head: head.to_owned(),
        body,
    }
}

fn dechunk(mut rest: &str) -> String {
    let mut out = String::new();
    while let Some((size, after)) = rest.split_once("\r\n") {
        let Ok(n) = usize::from_str_radix(size.trim(), 16) else {
            break;
        };
        if n == 0 || after.len() < n {
            break;
        }
        out.push_str(&after[..n]);
        rest = after[n..].trim_start_matches("\r\n");
    }
    out
}

/// Send `method path` (with `body`) from `from` and read the answer to the end.
pub async fn request_from(
    from: IpAddr,
    addr: SocketAddr,
    method: &str,
    path: &str,
    body: &str,
) -> Answer {
    let exchange = async {
        let mut tcp = connect_from(from, addr).await.expect("connect");
        let req = format!(
            "{method} {path} HTTP/1.1\r\nhost: {addr}\r\nconnection: close\r\n\
             content-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
            body.len()
        );
        tcp.write_all(req.as_bytes()).await.expect("write request");
        let mut raw = Vec::new();
        tcp.read_to_end(&mut raw).await.expect("read answer");
        parse(&raw)
    };
    tokio::time::timeout(PATIENCE, exchange)
        .await
        .expect("the server answers in time")
}

/// `GET path` from `from`.
pub async fn get_from(from: IpAddr, addr: SocketAddr, path: &str) -> Answer {
    request_from(from, addr, "GET", path, "").await
}

/// The value of the metric `name` (asked from [`OTHER`], so the caller's own
/// address limits do not get in the way).
pub async fn metric(addr: SocketAddr, name: &str) -> u64 {
    let answer = get_from(OTHER, addr, "/metrics").await;
    assert_eq!(answer.status, 200, "{answer:?}");
    answer
        .body
        .lines()
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.trim().parse().ok())
        .unwrap_or_else(|| panic!("no {name} in /metrics"))
}

/// Poll `/metrics` until `name` reaches `at_least` (bounded by [`PATIENCE`]).
pub async fn wait_metric(addr: SocketAddr, name: &str, at_least: u64) -> u64 {
    let wait = async {
        loop {
            let value = metric(addr, name).await;
            if value >= at_least {
                return value;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    };
    tokio::time::timeout(PATIENCE, wait)
        .await
        .unwrap_or_else(|_| panic!("{name} did not reach {at_least}"))
}
