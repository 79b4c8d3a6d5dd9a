//! Player WebSocket: `GET /ws?ticket=T` (a seat ticket from the lobby) or
//! `GET /ws?resume=TOKEN` (the resume token of an earlier Welcome, to get the same
//! player back after a drop).
//!
//! A missing, unknown, used or expired ticket (or a resume token this server did not
//! issue, see [`crate::secrets`], or whose room is gone) is refused
//! with HTTP 401 before the upgrade. Those checks are rate limited per address
//! (`[lobby] ticket_checks_per_sec` and `ticket_checks_burst`): past the rate the
//! upgrade is answered 429 with `Retry-After` and not checked at all (the checks are
//! [`super::entry_check`], shared with WebTransport's `/wt`). After it, the first frame must be a binary
//! `Hello` with [`tickcast_shared::protocol::PROTOCOL_VERSION`]. Close codes: 1003 text frame, 1009 frame over
//! the limit, 1008 undecodable or unexpected message (the reason names the error),
//! 1002 protocol version mismatch (after an `Error` message naming both versions),
//! 1008 as well when no `Hello` came within `hello_timeout_secs` of the upgrade (an
//! absolute deadline: pings do not extend it; a seat taken at the URL is given back),
//! 1001 idle timeout or server shutting down, 1000 after `Leave` or when the room
//! finished. After its close frame the server reads and discards until the peer's
//! close, at most `[limits] close_linger_secs`, so that input still arriving does not
//! turn the close into a TCP reset that loses the frame.
//!
//! On a plain HTTP/1 connection (the edge's takeover offer) and with `ws_direct`
//! on, the upgrade is answered `101` by the edge itself and the session runs on the
//! raw socket ([`super::ws_taken`]), whose snapshots its room writes directly; over
//! TLS or HTTP/2 the session runs on hyper's upgraded connection. Both judge frames
//! the same way (the helpers below).

use super::entry_check::{EntryQuery, EntryRefused, Redeem, check_entry, retry_secs};
use super::session::{Entry, Incoming, Link, LinkDown, Session};
use crate::ctx::ServerCtx;
use crate::edge::streams::StreamHold;
use crate::edge::takeover::{Takeover, TakeoverOffer};
use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::extract::{ConnectInfo, Extension, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use futures_util::SinkExt;
use std::time::{Duration, Instant};
use tickcast_shared::codec::decode_client;
use tickcast_shared::quic::close;
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;

fn refused(refusal: EntryRefused) -> Response {
    let status = match refusal {
        EntryRefused::TooMany(_) => StatusCode::TOO_MANY_REQUESTS,
        EntryRefused::Unauthorized(_) => StatusCode::UNAUTHORIZED,
    };
    let mut res = (
        status,
        axum::Json(serde_json::json!({ "error": refusal.to_string() })),
    )
        .into_response();
    if let EntryRefused::TooMany(wait) = refusal
        && let Ok(v) = HeaderValue::from_str(&retry_secs(wait).to_string())
    {
        res.headers_mut().insert(header::RETRY_AFTER, v);
    }
    res
}

/// `GET /ws`: check the ticket or resume token (within the address's rate of
/// checks, see [`super::entry_check`]), then upgrade: on a connection the edge
/// offers to hand over (plain HTTP/1) with `ws_direct` on, by answering `101` with a
/// takeover ([`super::ws_taken`]); otherwise through hyper's upgrade.
pub async fn upgrade(
    State(s): State<ServerCtx>,
    peer: Option<Extension<ConnectInfo<std::net::SocketAddr>>>,
    Query(q): Query<EntryQuery>,
    hold: Option<Extension<StreamHold>>,
    offer: Option<Extension<TakeoverOffer>>,
    headers: HeaderMap,
    ws: WebSocketUpgrade,
) -> Response {
    let peer = peer.map(|Extension(ConnectInfo(peer))| peer.ip());
    let entry = match check_entry(&s, peer, q, Redeem::AtUrl).await {
        Ok(entry) => entry,
        Err(refusal) => return refused(refusal),
    };
    if offer.is_some() && s.config.ws_direct {
        if let Some(key) = headers.get(header::SEC_WEBSOCKET_KEY) {
            return switch_to_taken(key, entry, s);
        }
    }
    let max = s.config.max_frame_bytes;
    let linger = crate::config::secs(s.config.limits.close_linger_secs);
    ws.max_message_size(max)
        .max_frame_size(max)
        .read_buffer_size(
            s.config
                .ws_read_buffer
                .max(crate::config::MIN_WS_READ_BUFFER),
        )
        .write_buffer_size(s.config.ws_write_buffer)
        .on_upgrade(move |socket| {
            let link = WsLink {
                socket,
                max_frame: max,
                ping: None,
                linger,
            };
            // The request's share of the per-address stream limit, for the session.
            let hold = hold.map(|Extension(hold)| hold);
            async move {
                Session::start(link, entry, s).await;
                drop(hold);
            }
        })
}

/// `101 Switching Protocols` for the WebSocket key `key`, with a takeover: the edge
/// writes the head and the session runs on the raw socket ([`super::ws_taken`]).
/// (The `WebSocketUpgrade` extractor has checked the request.)
fn switch_to_taken(key: &HeaderValue, entry: Entry, s: ServerCtx) -> Response {
    let accept = derive_accept_key(key.as_bytes());
    let mut res = StatusCode::SWITCHING_PROTOCOLS.into_response();
    let h = res.headers_mut();
    h.insert(header::UPGRADE, HeaderValue::from_static("websocket"));
    if let Ok(v) = HeaderValue::from_str(&accept) {
        h.insert(header::SEC_WEBSOCKET_ACCEPT, v);
    }
    res.extensions_mut().insert(Takeover::new(move |tcp| {
        super::ws_taken::run(tcp, entry, s)
    }));
    res
}

/// What a failed read means: a frame over the limit deserves 1009; anything else
/// means the peer is gone.
pub(super) fn read_error(e: &tokio_tungstenite::tungstenite::Error, max: usize) -> Incoming {
    match e {
        tokio_tungstenite::tungstenite::Error::Capacity(_) => {
            Incoming::Bad(close::TOO_BIG, format!("frame exceeds {max} bytes"))
        }
        _ => Incoming::Gone,
    }
}

/// A text frame: refused with 1003.
pub(super) fn text_frame() -> Incoming {
    Incoming::Bad(1003, "text frames are not accepted; send binary".into())
}

/// A binary frame: a client message, or the close it deserves.
pub(super) fn binary_frame(b: &[u8], max: usize) -> Incoming {
    match decode_client(b, max) {
        Ok(msg) => Incoming::Msg(msg),
        Err(e) => {
            let code = if b.len() > max {
                close::TOO_BIG
            } else {
                close::POLICY
            };
            Incoming::Bad(code, format!("bad message: {e}"))
        }
    }
}

/// A pong: the round-trip time when it answers the outstanding ping (`ping`, its
/// nonce and when it was sent).
pub(super) fn pong(ping: &mut Option<(u64, Instant)>, payload: &[u8]) -> Incoming {
    match *ping {
        Some((nonce, sent)) if payload == nonce.to_le_bytes() => {
            *ping = None;
            Incoming::Rtt(sent.elapsed())
        }
        _ => Incoming::Nothing,
    }
}

/// A player's WebSocket as a session [`Link`].
struct WsLink {
    socket: WebSocket,
    max_frame: usize,
    /// The outstanding WebSocket ping: its payload and when it was sent.
    ping: Option<(u64, Instant)>,
    /// How long a close waits for the peer's close, discarding what it still sends.
    linger: Duration,
}

impl WsLink {
    async fn write(&mut self, msg: Message) -> Result<(), LinkDown> {
        self.socket.send(msg).await.map_err(|_| LinkDown)
    }

    /// Into the write buffer; the socket sees it at the next flush (or when the
    /// buffer passes `ws_write_buffer`).
    async fn queue(&mut self, msg: Message) -> Result<(), LinkDown> {
        self.socket.feed(msg).await.map_err(|_| LinkDown)
    }
}

impl Link for WsLink {
    const TRANSPORT: crate::metrics::Transport = crate::metrics::Transport::Ws;

    async fn send(&mut self, bytes: Bytes) -> Result<(), LinkDown> {
        self.write(Message::Binary(bytes)).await
    }

    async fn send_snapshot(&mut self, bytes: Bytes) -> Result<bool, LinkDown> {
        self.write(Message::Binary(bytes)).await.map(|()| true)
    }

    async fn feed(&mut self, bytes: Bytes) -> Result<(), LinkDown> {
        self.queue(Message::Binary(bytes)).await
    }

    async fn feed_snapshot(&mut self, bytes: Bytes) -> Result<bool, LinkDown> {
        self.queue(Message::Binary(bytes)).await.map(|()| true)
    }

    async fn flush(&mut self) -> Result<(), LinkDown> {
        SinkExt::flush(&mut self.socket).await.map_err(|_| LinkDown)
    }

    async fn recv(&mut self) -> Incoming {
        let max = self.max_frame;
        match self.socket.recv().await {
            None | Some(Ok(Message::Close(_))) => Incoming::Gone,
            Some(Err(e)) => {
                let err = e
                    .into_inner()
                    .downcast::<tokio_tungstenite::tungstenite::Error>();
                match err {
                    Ok(e) => read_error(&e, max),
                    Err(_) => Incoming::Gone,
                }
            }
            Some(Ok(Message::Text(_))) => text_frame(),
            Some(Ok(Message::Binary(b))) => binary_frame(&b, max),
            Some(Ok(Message::Pong(payload))) => pong(&mut self.ping, &payload),
            Some(Ok(_)) => Incoming::Nothing,
        }
    }

    /// A WebSocket ping carrying the nonce; its pong measures the RTT.
    async fn ping(&mut self, nonce: u64) -> Result<Option<Duration>, LinkDown> {
        self.ping = Some((nonce, Instant::now()));
        let payload = Bytes::copy_from_slice(&nonce.to_le_bytes());
        self.write(Message::Ping(payload)).await.map(|()| None)
    }

    async fn close(&mut self, code: u16, reason: &str) {
        let frame = CloseFrame {
            code,
            reason: reason.into(),
        };
        let sent = tokio::time::timeout(
            Duration::from_secs(2),
            self.socket.send(Message::Close(Some(frame))),
        )
        .await;
        if !matches!(sent, Ok(Ok(()))) {
            return;
        }
        // Lingering close: a socket dropped with unread input is reset, and a reset
        // can destroy the close frame before the peer reads it. Read and discard
        // until the peer's close (or the end, or the linger time).
        let _ = tokio::time::timeout(self.linger, async {
            while let Some(Ok(msg)) = self.socket.recv().await {
                if matches!(msg, Message::Close(_)) {
                    break;
                }
            }
        })
        .await;
    }
}
