//! One-shot JSON HTTP requests to the server under test (hyper's HTTP/1 client on a
//! fresh loopback connection), returning the status and the parsed body.

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::{Method, Request};
use hyper_util::rt::TokioIo;
use serde_json::Value;
use std::net::SocketAddr;
use tokio::net::TcpStream;

/// Send `method path` with an optional raw body; returns (status, JSON or `Null`).
pub async fn request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    body: Option<&str>,
) -> (u16, Value) {
    let (status, bytes) = request_raw(addr, method, path, body).await;
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

/// `GET path` as text (e.g. `/metrics`).
pub async fn get_text(addr: SocketAddr, path: &str) -> (u16, String) {
    let (status, bytes) = request_raw(addr, "GET", path, None).await;
    (status, String::from_utf8(bytes).expect("UTF-8 body"))
}

/// The value of one series in `/metrics`, named in full with its labels (e.g.
/// `tickcast_lobby_refused_total{reason="no_maps"}`); panics when it is missing.
pub async fn metric(addr: SocketAddr, series: &str) -> f64 {
    let (_, text) = get_text(addr, "/metrics").await;
    text.lines()
        .find_map(|l| l.strip_prefix(series)?.strip_prefix(' ')?.parse().ok())
        .unwrap_or_else(|| panic!("no {series} in /metrics"))
}

/// Send `method path`; returns (status, body bytes).
pub async fn request_raw(
    addr: SocketAddr,
    method: &str,
    path: &str,
    body: Option<&str>,
) -> (u16, Vec<u8>) {
    request_with(addr, method, path, body, &[]).await
}

/// `POST path` with a JSON body and extra headers; returns (status, JSON or `Null`).
pub async fn post_with(
    addr: SocketAddr,
    path: &str,
    body: &str,
    headers: &[(&str, &str)],
) -> (u16, Value) {
    let (status, bytes) = request_with(addr, "POST", path, Some(body), headers).await;
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

/// Send `method path` with extra headers; returns (status, body bytes).
pub async fn request_with(
    addr: SocketAddr,
    method: &str,
    path: &str,
    body: Option<&str>,
    headers: &[(&str, &str)],
) -> (u16, Vec<u8>) {
    let (status, _, body) = exchange(addr, method, path, body, headers).await;
    (status, body)
}

/// Send `method path` with extra headers; returns (status, response headers, body).
pub async fn exchange(
    addr: SocketAddr,
    method: &str,
    path: &str,
    body: Option<&str>,
    headers: &[(&str, &str)],
) -> (u16, hyper::HeaderMap, Vec<u8>) {
    let stream = TcpStream::connect(addr).await.expect("connect");
    exchange_on(stream, addr, method, path, body, headers).await
}

/// `POST path` with a JSON body from source address `from` (another loopback
/// address, e.g. 127.0.0.2, is another client to a server on 127.0.0.1).
pub async fn post_from(
    from: std::net::IpAddr,
    addr: SocketAddr,
    path: &str,
    body: &str,
) -> (u16, Value) {
    let socket = tokio::net::TcpSocket::new_v4().expect("socket");
    socket.bind(SocketAddr::new(from, 0)).expect("bind source");
    let stream = socket.connect(addr).await.expect("connect");
    let (status, _, bytes) = exchange_on(stream, addr, "POST", path, Some(body), &[]).await;
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

/// One exchange on an open connection.
async fn exchange_on(
    stream: TcpStream,
    addr: SocketAddr,
    method: &str,
    path: &str,
    body: Option<&str>,
    headers: &[(&str, &str)],
) -> (u16, hyper::HeaderMap, Vec<u8>) {
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .expect("http handshake");
    tokio::spawn(conn);
    let method = Method::from_bytes(method.as_bytes()).expect("method");
    let req = Request::builder()
        .method(method)
        .uri(path)
        .header("host", addr.to_string())
        .header("content-type", "application/json");
    let req = headers
        .iter()
        .fold(req, |req, (k, v)| req.header(*k, *v))
        .body(Full::new(Bytes::from(body.unwrap_or("").to_owned())))
        .expect("request");
    let res = sender.send_request(req).await.expect("send request");
    let status = res.status().as_u16();
    let response_headers = res.headers().clone();
    let bytes = res.into_body().collect().await.expect("body").to_bytes();
    (status, response_headers, bytes.to_vec())
}

/// `GET path`.
pub async fn get(addr: SocketAddr, path: &str) -> (u16, Value) {
    request(addr, "GET", path, None).await
}

/// `POST path` with a JSON body.
pub async fn post(addr: SocketAddr, path: &str, body: &str) -> (u16, Value) {
    request(addr, "POST", path, Some(body)).await
}

/// `GET path` without following redirects: status and `Location` header (if any).
pub async fn get_location(addr: SocketAddr, path: &str) -> (u16, Option<String>) {
    let stream = TcpStream::connect(addr).await.expect("connect");
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .expect("http handshake");
    tokio::spawn(conn);
    let req = Request::builder()
        .uri(path)
        .header("host", addr.to_string())
        .body(Full::new(Bytes::new()))
        .expect("request");
    let res = sender.send_request(req).await.expect("send request");
    let location = res
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    (res.status().as_u16(), location)
}
