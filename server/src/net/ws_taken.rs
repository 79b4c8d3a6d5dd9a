//! A player's WebSocket on a plain HTTP/1 connection the edge took over
//! ([`crate::edge::takeover`]): the `/ws` route answers `101` with a takeover, the
//! edge writes that head (`connection: upgrade`) and hands the socket here.
//!
//! The session runs over it as over any WebSocket (`WsTakenLink`, tungstenite
//! on the raw socket with the same limits as the upgraded path: frame and message
//! size, read and write buffers, so the `Hello` deadline, input rate and hostile
//! frames are judged as before). Its socket's write side is shared
//! ([`super::ws_direct`]): the session offers it to its room ([`Link::direct`]),
//! which then writes snapshots to it without waking the session. Its read side is
//! shared too ([`super::ws_read`]): once seated, the session hands reading to the
//! room, which reads the player's inputs at its tick, and waits until the room hands
//! back a frame that is not an input (or a refusal, or the end). A client must not
//! send frames before the `101` (RFC 6455); bytes that came with the request anyway
//! are lost with hyper's buffer.

use super::input_gate::SharedGate;
use super::read_source::Source;
use super::session::{Entry, Incoming, Link, LinkDown, Session};
use super::ws::{binary_frame, pong, read_error, text_frame};
use super::ws_direct::{SharedSocket, WsDirect};
use super::ws_read::ReadSide;
use crate::ctx::ServerCtx;
use crate::metrics::{Transport, TransportMetrics};
use crate::room::direct::DirectSocket;
use crate::room::ready::ReadMark;
use bytes::Bytes;
use futures_util::{SinkExt, StreamExt};
use prometheus_client::metrics::counter::Counter;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;

/// The socket both the session and the room use: on unix one whose reads the
/// room's poller can watch ([`super::taken_socket`]); elsewhere tokio's, whose
/// reactor tells the room of data.
#[cfg(unix)]
type PlayerSocket = super::taken_socket::TakenSocket;
#[cfg(not(unix))]
type PlayerSocket = TcpStream;

#[cfg(unix)]
fn player_socket(tcp: TcpStream) -> io::Result<PlayerSocket> {
    PlayerSocket::new(tcp)
}

#[cfg(not(unix))]
fn player_socket(tcp: TcpStream) -> io::Result<PlayerSocket> {
    Ok(tcp)
}
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::{CloseFrame, Role, WebSocketConfig};
use tokio_tungstenite::tungstenite::{Message, Utf8Bytes};

/// Run a player's session on a socket whose `101` the edge has written.
pub async fn run(tcp: TcpStream, entry: Entry, s: ServerCtx) {
    let socket = match player_socket(tcp) {
        Ok(socket) => socket,
        Err(e) => {
            tracing::debug!(error = %e, "taken socket could not be registered");
            return;
        }
    };
    let max = s.config.max_frame_bytes;
    let config = WebSocketConfig::default()
        .max_message_size(Some(max))
        .max_frame_size(Some(max))
        .read_buffer_size(
            s.config
                .ws_read_buffer
                .max(crate::config::MIN_WS_READ_BUFFER),
        )
        .write_buffer_size(s.config.ws_write_buffer);
    let link = WsTakenLink {
        ws: None,
        config,
        socket: Arc::new(SharedSocket::new(socket)),
        read: Arc::new(ReadSide::new(max)),
        stats: s.metrics.transport(Transport::Ws).clone(),
        direct: s.metrics.ws_direct_snapshots.clone(),
        direct_inputs: s.metrics.ws_direct_inputs.clone(),
        max_frame: max,
        ping: None,
        linger: crate::config::secs(s.config.limits.close_linger_secs),
    };
    Session::start(link, entry, s).await;
}

/// The taken socket as tungstenite's IO: reads through the shared read side (up to
/// the end of the frame it is in, see [`ReadSide::poll_read`]), writes through the
/// shared write side (whole frames only, see [`SharedSocket`]).
struct TakenIo {
    socket: Arc<SharedSocket<PlayerSocket>>,
    read: Arc<ReadSide>,
}

impl AsyncRead for TakenIo {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        self.read.poll_read(self.socket.sink(), cx, buf)
    }
}

impl AsyncWrite for TakenIo {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.socket.poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.socket.poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.socket.poll_flush(cx)
    }
}

/// A player's taken-over WebSocket as a session [`Link`].
struct WsTakenLink {
    /// Tungstenite, while the session reads or writes through it: while the room
    /// reads, it holds nothing (it stops at frame ends and its pongs are flushed),
    /// so it is let go with its buffers (a 4 KiB read chunk of its own) and made
    /// again when reading comes back to it. An idle player's memory is then the
    /// room's and the socket's alone.
    ws: Option<WebSocketStream<TakenIo>>,
    config: WebSocketConfig,
    socket: Arc<SharedSocket<PlayerSocket>>,
    read: Arc<ReadSide>,
    stats: TransportMetrics,
    /// `tickcast_ws_direct_snapshots_total`.
    direct: Counter,
    /// `tickcast_ws_direct_inputs_total`.
    direct_inputs: Counter,
    max_frame: usize,
    /// The outstanding WebSocket ping: its payload and when it was sent.
    ping: Option<(u64, Instant)>,
    /// How long a close waits for the peer's close, discarding what it still sends.
    linger: Duration,
}

impl WsTakenLink {
    /// Tungstenite over the socket, made when there is none.
    async fn ws(&mut self) -> &mut WebSocketStream<TakenIo> {
        let ws = match self.ws.take() {
            Some(ws) => ws,
            None => {
                let io = TakenIo {
                    socket: Arc::clone(&self.socket),
                    read: Arc::clone(&self.read),
                };
                WebSocketStream::from_raw_socket(io, Role::Server, Some(self.config)).await
            }
        };
        self.ws.insert(ws)
    }

    async fn write(&mut self, msg: Message) -> Result<(), LinkDown> {
        self.ws().await.send(msg).await.map_err(|_| LinkDown)
    }

    async fn queue(&mut self, msg: Message) -> Result<(), LinkDown> {
        self.ws().await.feed(msg).await.map_err(|_| LinkDown)
    }

    /// Write out what tungstenite holds, if there is a tungstenite.
    async fn flush_ws(&mut self) -> Result<(), LinkDown> {
        match &mut self.ws {
            Some(ws) => SinkExt::flush(ws).await.map_err(|_| LinkDown),
            None => Ok(()),
        }
    }
}

impl Link for WsTakenLink {
    const TRANSPORT: Transport = Transport::Ws;

    /// After whatever tungstenite holds, straight to the socket
    /// ([`SharedSocket::write_frame`]): a large message (the `Welcome`) does not
    /// leave tungstenite's buffer that large for the whole session.
    async fn send(&mut self, bytes: Bytes) -> Result<(), LinkDown> {
        self.flush_ws().await?;
        self.socket.write_frame(&bytes).await.map_err(|_| LinkDown)
    }

    async fn send_snapshot(&mut self, bytes: Bytes) -> Result<bool, LinkDown> {
        self.send(bytes).await.map(|()| true)
    }

    async fn feed(&mut self, bytes: Bytes) -> Result<(), LinkDown> {
        self.queue(Message::Binary(bytes)).await
    }

    async fn feed_snapshot(&mut self, bytes: Bytes) -> Result<bool, LinkDown> {
        self.queue(Message::Binary(bytes)).await.map(|()| true)
    }

    async fn flush(&mut self) -> Result<(), LinkDown> {
        self.flush_ws().await
    }

    /// While the room reads (seated), wait for it to hand back; then the message
    /// it decoded, or tungstenite's next one.
    async fn recv(&mut self) -> Incoming {
        if self.read.goes_to_room() {
            if self.flush_ws().await.is_err() {
                return Incoming::Gone;
            }
            self.ws = None;
        }
        let read = &self.read;
        if let Some(incoming) = std::future::poll_fn(|cx| read.poll_hand_back(cx)).await {
            return incoming;
        }
        let max = self.max_frame;
        let heard = match self.ws().await.next().await {
            None | Some(Ok(Message::Close(_))) => return Incoming::Gone,
            Some(Err(e)) => return read_error(&e, max),
            Some(Ok(Message::Text(_))) => text_frame(),
            Some(Ok(Message::Binary(b))) => binary_frame(&b, max),
            Some(Ok(Message::Pong(payload))) => pong(&mut self.ping, &payload),
            Some(Ok(Message::Ping(_))) => {
                // Tungstenite queued the pong; it would go out at its next read,
                // which may be the room's for a while.
                if self.flush_ws().await.is_err() {
                    return Incoming::Gone;
                }
                Incoming::Nothing
            }
            Some(Ok(_)) => Incoming::Nothing,
        };
        self.read.session_read_one();
        heard
    }

    async fn ping(&mut self, nonce: u64) -> Result<Option<Duration>, LinkDown> {
        self.ping = Some((nonce, Instant::now()));
        let payload = Bytes::copy_from_slice(&nonce.to_le_bytes());
        self.write(Message::Ping(payload)).await.map(|()| None)
    }

    /// The room's direct writes stop first, so the close frame is the last frame.
    async fn close(&mut self, code: u16, reason: &str) {
        self.socket.stop_direct();
        self.read.take_back();
        // The lingering read below waits on the reactor, which no tick drives.
        self.socket.sink().take_reads_back();
        let frame = CloseFrame {
            code: CloseCode::from(code),
            reason: Utf8Bytes::from(reason),
        };
        let sent = tokio::time::timeout(
            Duration::from_secs(2),
            self.write(Message::Close(Some(frame))),
        )
        .await;
        if !matches!(sent, Ok(Ok(()))) {
            return;
        }
        // Lingering close, as on the upgraded path (see `super::ws`).
        let _ = tokio::time::timeout(self.linger, async {
            let ws = self.ws().await;
            while let Some(Ok(msg)) = ws.next().await {
                if matches!(msg, Message::Close(_)) {
                    break;
                }
            }
        })
        .await;
    }

    /// The room writes snapshots and reads inputs from the session's next wait
    /// for a message on.
    fn direct(&self, gate: &SharedGate, mark: &ReadMark) -> Option<Arc<dyn DirectSocket>> {
        let stats = self.stats.clone();
        let direct = WsDirect::new(Arc::clone(&self.socket), stats, self.direct.clone()).reading(
            Arc::clone(&self.read),
            gate.clone(),
            self.direct_inputs.clone(),
        );
        self.socket.sink().hand_reads_to_room(mark);
        self.read.offer_to_room(mark.clone());
        Some(Arc::new(direct))
    }

    fn heard_directly(&self) -> Option<Instant> {
        self.read.heard()
    }
}

impl Drop for WsTakenLink {
    fn drop(&mut self) {
        self.socket.stop_direct();
    }
}
