//! Player WebSocket: `GET /ws?ticket=T` (a seat ticket from the lobby) or
//! `GET /ws?resume=TOKEN` (the resume token of an earlier Welcome, to get the same
//! player back after a drop).
//!
//! A missing, unknown, used or expired ticket (or a resume token this server did not
//! issue, see [`crate::lobby::token`], or whose room is gone) is refused
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

use super::entry_check::{EntryQuery, EntryRefused, Redeem, check_entry, retry_secs};
use super::session::{Incoming, Link, LinkDown, Session};
use crate::ctx::ServerCtx;
use crate::edge::streams::StreamHold;
use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::extract::{ConnectInfo, Extension, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use futures_util::SinkExt;
use std::time::{Duration, Instant};
use tickcast_shared::codec::decode_client;
use tickcast_shared::quic::close;

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
/// checks, see [`super::entry_check`]), then upgrade.
pub async fn upgrade(
    State(s): State<ServerCtx>,
    peer: Option<Extension<ConnectInfo<std::net::SocketAddr>>>,
    Query(q): Query<EntryQuery>,
    hold: Option<Extension<StreamHold>>,
    ws: WebSocketUpgrade,
) -> Response {
    let peer = peer.map(|Extension(ConnectInfo(peer))| peer.ip());
    let entry = match check_entry(&s, peer, q, Redeem::AtUrl).await {
        Ok(entry) => entry,
        Err(refusal) => return refused(refusal),
    };
    let max = s.config.max_frame_bytes;
    let linger = crate::config::secs(s.config.limits.close_linger_secs);
    ws.max_message_size(max)
        .max_frame_size(max)
        .read_buffer_size(s.config.ws_read_buffer.max(1024))
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
    fn pong(&mut self, payload: &[u8]) -> Incoming {
        match self.ping {
            Some((nonce, sent)) if payload == nonce.to_le_bytes() => {
                self.ping = None;
                Incoming::Rtt(sent.elapsed())
            }
            _ => Incoming::Nothing,
        }
    }

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
                let too_big = e
                    .into_inner()
                    .downcast::<tokio_tungstenite::tungstenite::Error>()
                    .is_ok_and(|e| {
                        matches!(*e, tokio_tungstenite::tungstenite::Error::Capacity(_))
                    });
                if too_big {
                    Incoming::Bad(close::TOO_BIG, format!("frame exceeds {max} bytes"))
                } else {
                    Incoming::Gone
                }
            }
            Some(Ok(Message::Text(_))) => {
                Incoming::Bad(1003, "text frames are not accepted; send binary".into())
            }
            Some(Ok(Message::Binary(b))) => match decode_client(&b, max) {
                Ok(msg) => Incoming::Msg(msg),
                Err(e) => {
                    let code = if b.len() > max {
                        close::TOO_BIG
                    } else {
                        close::POLICY
                    };
                    Incoming::Bad(code, format!("bad message: {e}"))
                }
            },
            Some(Ok(Message::Pong(payload))) => self.pong(&payload),
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
