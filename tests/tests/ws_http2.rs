//! WebSocket over HTTP/2 (RFC 8441 extended CONNECT), against the real server: the
//! listener advertises `SETTINGS_ENABLE_CONNECT_PROTOCOL`, and a player's WebSocket
//! opened as a CONNECT stream on an HTTP/2 connection plays like one upgraded from
//! HTTP/1.1 (Chromium does this over `wss://` once a page is on HTTP/2; see
//! `tests/browser/https.test.js`). A CONNECT without a valid ticket is refused
//! before the upgrade, as a GET is.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use futures_util::{SinkExt, StreamExt};
use http_body_util::Empty;
use hyper::{Method, Request};
use hyper_util::rt::{TokioExecutor, TokioIo};
use tickcast_shared::codec::{decode_server, encode_client};
use tickcast_shared::protocol::{ClientMsg, HelloAuth, PROTOCOL_VERSION, ServerMsg};
use tickcast_tests::player::{WAIT, create_room, ticket};
use tickcast_tests::server::TestServer;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::{Message, protocol::Role};

type SendRequest = hyper::client::conn::http2::SendRequest<Empty<bytes::Bytes>>;

/// An HTTP/2 connection (prior knowledge, plain TCP) whose server allows extended
/// CONNECT.
async fn h2(addr: std::net::SocketAddr) -> SendRequest {
    let tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
    let (send, conn) = hyper::client::conn::http2::Builder::new(TokioExecutor::new())
        .handshake(TokioIo::new(tcp))
        .await
        .unwrap();
    tokio::spawn(async move {
        let _ = conn.await;
    });
    send
}

fn connect(path: &str) -> Request<Empty<bytes::Bytes>> {
    Request::builder()
        .method(Method::CONNECT)
        .uri(path)
        .extension(hyper::ext::Protocol::from_static("websocket"))
        .header("sec-websocket-version", "13")
        .body(Empty::new())
        .unwrap()
}

#[tokio::test]
async fn a_player_plays_over_an_http2_connect_stream() {
    let s = TestServer::start(&[]).await;
    let room = create_room(s.addr, r#"{"drones":2}"#).await;
    let (ticket, path) = ticket(s.addr, &room, "h2").await;
    let mut send = h2(s.addr).await;
    // The server's SETTINGS arrive with its first answer at the latest: a request
    // that cannot use CONNECT waits for them.
    send.ready().await.unwrap();
    let mut response = send.send_request(connect(&path)).await.unwrap();
    assert_eq!(response.status(), 200, "the CONNECT stream is accepted");
    let upgraded = hyper::upgrade::on(&mut response).await.unwrap();
    let mut ws = WebSocketStream::from_raw_socket(TokioIo::new(upgraded), Role::Client, None).await;
    let hello = ClientMsg::Hello {
        version: PROTOCOL_VERSION,
        auth: HelloAuth::Ticket(ticket),
        name: "h2".into(),
        schema: None,
    };
    ws.send(Message::Binary(encode_client(&hello).into()))
        .await
        .unwrap();
    let mut welcomed = false;
    let snapshot = tokio::time::timeout(WAIT, async {
        loop {
            match ws.next().await.expect("open").expect("a frame") {
                Message::Binary(b) => match decode_server(&b, 1 << 24).unwrap() {
                    ServerMsg::Welcome { .. } => welcomed = true,
                    ServerMsg::Snapshot { tick, .. } => return tick,
                    _ => {}
                },
                Message::Close(f) => panic!("closed: {f:?}"),
                _ => {}
            }
        }
    })
    .await
    .expect("a snapshot over the HTTP/2 stream");
    assert!(welcomed, "Welcome before snapshot {snapshot:?}");

    // On the same connection: a used ticket is refused before the upgrade.
    let response = send.send_request(connect(&path)).await.unwrap();
    assert_eq!(response.status(), 401);
    s.stop().await;
}
