//! A player's WebSocket on a plain HTTP/1 connection the edge took over
//! ([`crate::edge::takeover`]): the `/ws` route answers `101` with a takeover, the
//! edge writes that head (`connection: upgrade`) and hands the socket here.
//!
//! The session runs over it as over any WebSocket (`WsTakenLink`, tungstenite
//! on the raw socket with the same limits as the upgraded path: frame and message
//! size, read and write buffers, so the `Hello` deadline, input rate and hostile
//! frames are judged as before). Its socket's write side is shared
//! ([`super::ws_direct`]): the session offers it to its room ([`Link::direct`]),
//! which then writes snapshots to it without waking the session. A client must not
//! send frames before the `101` (RFC 6455); bytes that came with the request anyway
//! are lost with hyper's buffer.

use super::session::{Entry, Incoming, Link, LinkDown, Session};
use super::ws::{binary_frame, pong, read_error, text_frame};
use super::ws_direct::{SharedSocket, WsDirect};
use crate::ctx::ServerCtx;
use crate::metrics::{Transport, TransportMetrics};
use crate::room::direct::DirectSocket;
use bytes::Bytes;
use futures_util::{SinkExt, StreamExt};
use prometheus_client::metrics::counter::Counter;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};
use std::time::{Duration, Instant};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::{CloseFrame, Role, WebSocketConfig};
use tokio_tungstenite::tungstenite::{Message, Utf8Bytes};

/// Run a player's session on a socket whose `101` the edge has written.
pub async fn run(tcp: TcpStream, entry: Entry, s: ServerCtx) {
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
    let socket = Arc::new(SharedSocket::new(tcp));
    let io = TakenIo(Arc::clone(&socket));
    let ws = WebSocketStream::from_raw_socket(io, Role::Server, Some(config)).await;
    let link = WsTakenLink {
        ws,
        socket,
        stats: s.metrics.transport(Transport::Ws).clone(),
        direct: s.metrics.ws_direct_snapshots.clone(),
        max_frame: max,
        ping: None,
        linger: crate::config::secs(s.config.limits.close_linger_secs),
    };
    Session::start(link, entry, s).await;
}

/// The taken socket as tungstenite's IO: reads straight from the socket, writes
/// through the shared write side (whole frames only, see [`SharedSocket`]).
struct TakenIo(Arc<SharedSocket<TcpStream>>);

impl AsyncRead for TakenIo {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let tcp = self.0.sink();
        loop {
            ready!(tcp.poll_read_ready(cx))?;
            match tcp.try_read(buf.initialize_unfilled()) {
                Ok(n) => {
                    buf.advance(n);
                    return Poll::Ready(Ok(()));
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Poll::Ready(Err(e)),
            }
        }
    }
}

impl AsyncWrite for TakenIo {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.0.poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.0.poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.0.poll_flush(cx)
    }
}

/// A player's taken-over WebSocket as a session [`Link`].
struct WsTakenLink {
    ws: WebSocketStream<TakenIo>,
    socket: Arc<SharedSocket<TcpStream>>,
    stats: TransportMetrics,
    /// `tickcast_ws_direct_snapshots_total`.
    direct: Counter,
    max_frame: usize,
    /// The outstanding WebSocket ping: its payload and when it was sent.
    ping: Option<(u64, Instant)>,
    /// How long a close waits for the peer's close, discarding what it still sends.
    linger: Duration,
}

impl WsTakenLink {
    async fn write(&mut self, msg: Message) -> Result<(), LinkDown> {
        self.ws.send(msg).await.map_err(|_| LinkDown)
    }

    async fn queue(&mut self, msg: Message) -> Result<(), LinkDown> {
        self.ws.feed(msg).await.map_err(|_| LinkDown)
    }
}

impl Link for WsTakenLink {
    const TRANSPORT: Transport = Transport::Ws;

    /// After whatever tungstenite holds, straight to the socket
    /// ([`SharedSocket::write_frame`]): a large message (the `Welcome`) does not
    /// leave tungstenite's buffer that large for the whole session.
    async fn send(&mut self, bytes: Bytes) -> Result<(), LinkDown> {
        SinkExt::flush(&mut self.ws).await.map_err(|_| LinkDown)?;
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
        SinkExt::flush(&mut self.ws).await.map_err(|_| LinkDown)
    }

    async fn recv(&mut self) -> Incoming {
        let max = self.max_frame;
        match self.ws.next().await {
            None | Some(Ok(Message::Close(_))) => Incoming::Gone,
            Some(Err(e)) => read_error(&e, max),
            Some(Ok(Message::Text(_))) => text_frame(),
            Some(Ok(Message::Binary(b))) => binary_frame(&b, max),
            Some(Ok(Message::Pong(payload))) => pong(&mut self.ping, &payload),
            Some(Ok(_)) => Incoming::Nothing,
        }
    }

    async fn ping(&mut self, nonce: u64) -> Result<Option<Duration>, LinkDown> {
        self.ping = Some((nonce, Instant::now()));
        let payload = Bytes::copy_from_slice(&nonce.to_le_bytes());
        self.write(Message::Ping(payload)).await.map(|()| None)
    }

    /// The room's direct writes stop first, so the close frame is the last frame.
    async fn close(&mut self, code: u16, reason: &str) {
        self.socket.stop_direct();
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
            while let Some(Ok(msg)) = self.ws.next().await {
                if matches!(msg, Message::Close(_)) {
                    break;
                }
            }
        })
        .await;
    }

    fn direct(&self) -> Option<Arc<dyn DirectSocket>> {
        let stats = self.stats.clone();
        let direct = WsDirect::new(Arc::clone(&self.socket), stats, self.direct.clone());
        Some(Arc::new(direct))
    }
}

impl Drop for WsTakenLink {
    fn drop(&mut self) {
        self.socket.stop_direct();
    }
}
