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

use super::limiter::ConnPermit;
use crate::metrics::Metrics;
use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use hyper::Request;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio::time::Instant;
use tokio_rustls::TlsAcceptor;
use tokio_util::sync::CancellationToken;
use tower_service::Service;

/// What every connection of one listener shares.
pub struct ConnCtx {
    pub router: Router,
    pub builder: auto::Builder<TokioExecutor>,
    pub tls: Option<TlsAcceptor>,
    pub header_timeout: Duration,
    pub metrics: Arc<Metrics>,
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
    _slot: Slot,
}

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
    match &ctx.tls {
        None => {
            serve_io(
                &ctx,
                Counted {
                    io: tcp,
                    _slot: slot,
                },
                peer,
                deadline,
                stop,
            )
            .await
        }
        Some(acceptor) => {
            let handshake = tokio::select! {
                _ = stop.cancelled() => return,
                done = tokio::time::timeout_at(deadline, acceptor.accept(tcp)) => done,
            };
            match handshake {
                Ok(Ok(tls)) => {
                    let io = Counted {
                        io: tls,
                        _slot: slot,
                    };
                    serve_io(&ctx, io, peer, deadline, stop).await;
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
    }
}

async fn serve_io<I>(
    ctx: &ConnCtx,
    io: Counted<I>,
    peer: SocketAddr,
    first_request_by: Instant,
    stop: CancellationToken,
) where
    I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let started = CancellationToken::new();
    let router = ctx.router.clone();
    let first = started.clone();
    let service = hyper::service::service_fn(move |mut req: Request<Incoming>| {
        first.cancel();
        req.extensions_mut().insert(ConnectInfo(peer));
        let mut router = router.clone();
        router.call(req.map(Body::new))
    });
    let conn = ctx
        .builder
        .serve_connection_with_upgrades(TokioIo::new(io), service);
    tokio::pin!(conn);
    tokio::select! {
        done = conn.as_mut() => return finished(ctx, peer, done),
        _ = started.cancelled() => {}
        _ = tokio::time::sleep_until(first_request_by) => {
            ctx.metrics.edge.header_timeouts.inc();
            return;
        }
        _ = stop.cancelled() => return,
    }
    tokio::select! {
        done = conn.as_mut() => finished(ctx, peer, done),
        _ = stop.cancelled() => {
            conn.as_mut().graceful_shutdown();
            finished(ctx, peer, conn.await);
        }
    }
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
