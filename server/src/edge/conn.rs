//! One accepted TCP connection: optional TLS handshake, then HTTP/1.1 or HTTP/2
//! (hyper-util's auto builder, WebSocket upgrades kept), with axum's router as the
//! service and `ConnectInfo<SocketAddr>` in every request's extensions.
//!
//! Deadlines, against peers that open a socket and then say nothing or trickle
//! bytes (slowloris): the TLS handshake and the first request head must arrive within
//! `header_timeout_secs` of the accept; after that hyper's HTTP/1 header read timeout
//! (the same value) bounds every further request head. A connection cut by either
//! is counted as `tickcast_header_timeouts_total`.
//!
//! The connection's [`Slot`] (per-IP permit and open-connections gauge) travels
//! inside the IO object ([`Counted`]), so a WebSocket upgraded out of this connection
//! keeps its slot until the socket closes. On shutdown a connection that has not sent
//! a request yet is dropped; one in the middle of requests is asked to finish
//! (`graceful_shutdown`); the listener cuts what is left at its deadline.
//!
//! Every request takes its share of the per-address stream limit and, with a body,
//! runs under the body deadline ([`super::streams`], [`super::body_deadline`]).
//!
//! On plain TCP, a request may be answered by taking the connection over
//! ([`super::takeover`]): hyper is dropped before it writes anything for that
//! request, the edge writes the head and hands the socket on.

use super::body_deadline::BodyDeadline;
use super::limiter::ConnPermit;
use super::streams::{self, StreamExec, StreamGate, StreamHold, Watched};
use super::takeover::{self, Reclaimable, Takeover, TakeoverOffer};
use crate::metrics::Metrics;
use axum::Router;
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper::{Method, Request, Version};
use hyper_util::rt::TokioIo;
use hyper_util::server::conn::auto;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::net::TcpStream;
use tokio::time::Instant;
use tokio_rustls::TlsAcceptor;
use tokio_util::sync::CancellationToken;
use tower_service::Service;

/// What every connection of one listener shares.
pub struct ConnCtx {
    pub router: Router,
    pub builder: auto::Builder<StreamExec>,
    pub tls: Option<TlsAcceptor>,
    pub header_timeout: Duration,
    pub metrics: Arc<Metrics>,
    /// Requests in flight per address, and stalled HTTP/2 streams.
    pub streams: StreamGate,
    /// The time a request has for its body.
    pub body_deadline: BodyDeadline,
}

/// One open connection's share of the limits: its per-IP permit and its place in
/// the `tickcast_http_connections` gauge, both given back on drop.
pub struct Slot {
    metrics: Arc<Metrics>,
    _permit: ConnPermit,
}

impl Slot {
    pub fn new(permit: ConnPermit, metrics: Arc<Metrics>) -> Slot {
        metrics.edge.connections.inc();
        Slot {
            metrics,
            _permit: permit,
        }
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.metrics.edge.connections.dec();
    }
}

/// An IO object that holds its connection's [`Slot`] for as long as it lives.
pub struct Counted<I> {
    io: I,
    _slot: Arc<Slot>,
}

/// A response that took its connection over: its head, and what runs next.
struct Taken {
    head: Vec<u8>,
    run: takeover::Run,
    /// The request's share of the stream limit, for as long as the response runs.
    hold: StreamHold,
}

/// Where the service leaves a takeover for the connection.
type TakenSlot = Arc<Mutex<Option<Taken>>>;

impl<I: AsyncRead + Unpin> AsyncRead for Counted<I> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_read(cx, buf)
    }
}

impl<I: AsyncWrite + Unpin> AsyncWrite for Counted<I> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.io).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.io).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_shutdown(cx)
    }
}

/// Serve one accepted connection until it ends, is cut by a deadline, or shutdown
/// finishes it.
pub async fn serve(
    ctx: Arc<ConnCtx>,
    tcp: TcpStream,
    peer: SocketAddr,
    slot: Slot,
    stop: CancellationToken,
) {
    let deadline = Instant::now() + ctx.header_timeout;
    let slot = Arc::new(slot);
    match &ctx.tls {
        None => {
            let (tcp, home) = Reclaimable::new(tcp);
            let io = Counted {
                io: tcp,
                _slot: Arc::clone(&slot),
            };
            // Boxed: hyper's connection state is freed when it is done, not kept
            // in this task for as long as a session taken over from it lasts.
            let taken = Box::pin(serve_io(&ctx, io, peer, deadline, stop, true)).await;
            // hyper is gone and has left the socket at home.
            let tcp = home.lock().unwrap_or_else(|p| p.into_inner()).take();
            if let (Some(taken), Some(tcp)) = (taken, tcp) {
                run_takeover(&ctx, tcp, taken).await;
            }
        }
        Some(acceptor) => {
            Box::pin(serve_tls(&ctx, acceptor, tcp, peer, &slot, deadline, stop)).await
        }
    }
}

/// A TLS connection: the handshake (within the header timeout), then HTTP on it.
/// (Boxed by [`serve`]: a plain connection's task does not carry its size.)
async fn serve_tls(
    ctx: &Arc<ConnCtx>,
    acceptor: &TlsAcceptor,
    tcp: TcpStream,
    peer: SocketAddr,
    slot: &Arc<Slot>,
    deadline: Instant,
    stop: CancellationToken,
) {
    let handshake = tokio::select! {
        _ = stop.cancelled() => return,
        done = tokio::time::timeout_at(deadline, acceptor.accept(tcp)) => done,
    };
    match handshake {
        Ok(Ok(tls)) => {
            let io = Counted {
                io: tls,
                _slot: Arc::clone(slot),
            };
            serve_io(ctx, io, peer, deadline, stop, false).await;
        }
        Ok(Err(e)) => {
            ctx.metrics.edge.tls_handshake_failures.inc();
            tracing::debug!(%peer, "tls handshake: {e}");
        }
        Err(_) => {
            ctx.metrics.edge.header_timeouts.inc();
        }
    }
}

/// Write a taken-over response's head (within the header timeout), then run it.
async fn run_takeover(ctx: &ConnCtx, mut tcp: TcpStream, taken: Taken) {
    let Taken { head, run, hold } = taken;
    let written = tokio::time::timeout(ctx.header_timeout, tcp.write_all(&head)).await;
    // Written or not, the head is not kept for as long as the session lasts.
    drop(head);
    if matches!(written, Ok(Ok(()))) {
        run(tcp).await;
    }
    drop(hold);
}

/// Serve HTTP on `io` until the connection ends; `Some` when a response took the
/// connection over (`offer`: it may), with hyper dropped.
async fn serve_io<I>(
    ctx: &Arc<ConnCtx>,
    io: Counted<I>,
    peer: SocketAddr,
    first_request_by: Instant,
    stop: CancellationToken,
    offer: bool,
) -> Option<Taken>
where
    I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let started = CancellationToken::new();
    let took = CancellationToken::new();
    let slot: TakenSlot = Arc::default();
    let conn_ctx = Arc::clone(ctx);
    let first = started.clone();
    let (took_tx, slot_tx) = (took.clone(), Arc::clone(&slot));
    let service = hyper::service::service_fn(move |mut req: Request<Incoming>| {
        first.cancel();
        req.extensions_mut().insert(ConnectInfo(peer));
        let ctx = Arc::clone(&conn_ctx);
        // hyper spawns this stream's task right after this call, on this thread.
        let stall = (req.version() == Version::HTTP_2).then(|| ctx.streams.watch_next_stream());
        // Only a GET: hyper leaves out the body of a HEAD answer, the edge would not.
        let offered = offer && req.version() <= Version::HTTP_11 && req.method() == Method::GET;
        if offered {
            req.extensions_mut().insert(TakeoverOffer);
        }
        let admitted = ctx.streams.admit(peer.ip()).map(|hold| {
            // A handler whose work outlives its response (a WebSocket) keeps a clone.
            req.extensions_mut().insert(hold.clone());
            let (req, watching) = ctx.body_deadline.watch(req);
            (hold, ctx.router.clone().call(req), watching)
        });
        let (took, slot) = (took_tx.clone(), Arc::clone(&slot_tx));
        async move {
            let Some((hold, answer, watching)) = admitted else {
                return Ok(Watched::wrap(streams::refused(), None, stall));
            };
            let res = ctx.body_deadline.answer(answer, watching).await?;
            let run = res.extensions().get::<Takeover>().and_then(Takeover::take);
            if let (true, Some(run)) = (offered, run) {
                let (parts, _) = res.into_parts();
                let head = takeover::head(&parts);
                let taken = Taken { head, run, hold };
                *slot.lock().unwrap_or_else(|p| p.into_inner()) = Some(taken);
                took.cancel();
                // hyper must write nothing for this request: it is dropped first.
                return std::future::pending().await;
            }
            Ok::<_, std::convert::Infallible>(Watched::wrap(res, Some(hold), stall))
        }
    });
    let taken = move || slot.lock().unwrap_or_else(|p| p.into_inner()).take();
    let conn = ctx
        .builder
        .serve_connection_with_upgrades(TokioIo::new(io), service);
    tokio::pin!(conn);
    tokio::select! {
        done = conn.as_mut() => {
            finished(ctx, peer, done);
            return None;
        }
        _ = started.cancelled() => {}
        _ = tokio::time::sleep_until(first_request_by) => {
            ctx.metrics.edge.header_timeouts.inc();
            return None;
        }
        _ = stop.cancelled() => return None,
    }
    tokio::select! {
        done = conn.as_mut() => finished(ctx, peer, done),
        _ = took.cancelled() => return taken(),
        _ = stop.cancelled() => {
            conn.as_mut().graceful_shutdown();
            tokio::select! {
                done = conn.as_mut() => finished(ctx, peer, done),
                _ = took.cancelled() => return taken(),
            }
        }
    }
    None
}

fn finished(
    ctx: &ConnCtx,
    peer: SocketAddr,
    done: Result<(), Box<dyn std::error::Error + Send + Sync>>,
) {
    let Err(e) = done else { return };
    let timed_out = e
        .downcast_ref::<hyper::Error>()
        .is_some_and(hyper::Error::is_timeout);
    if timed_out {
        ctx.metrics.edge.header_timeouts.inc();
    }
    tracing::debug!(%peer, "connection: {e}");
}
