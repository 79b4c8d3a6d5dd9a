//! The accept loop of the one TCP listener.
//!
//! Each accepted socket gets TCP_NODELAY (game traffic is small messages that must
//! not wait for Nagle's algorithm) and a per-IP permit from the [`ConnLimiter`]. A
//! socket over its address's limit is answered at once, without reading it: a short
//! `503` with `{"error": ...}` on plain HTTP (just closed over TLS), and counted as
//! `tickcast_connections_refused_total`. Accept errors (out of file descriptors) are
//! logged and retried after a short pause instead of spinning.
//!
//! On shutdown the loop stops accepting, every connection is asked to finish, and
//! after [`super::LimitsConfig::shutdown_grace_secs`] whatever is left (a stalled
//! spectator, a slowloris socket) is cut and counted as
//! `tickcast_connections_cut_total`.

use super::LimitsConfig;
use super::body_deadline::BodyDeadline;
use super::conn::{self, ConnCtx, Slot};
use super::limiter::ConnLimiter;
use super::streams::{StreamExec, StreamGate};
use crate::metrics::Metrics;
use axum::Router;
use hyper_util::rt::TokioTimer;
use hyper_util::server::conn::auto;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinSet;
use tokio_rustls::TlsAcceptor;
use tokio_util::sync::CancellationToken;

/// Pause after a failed `accept` (e.g. out of file descriptors).
const ACCEPT_BACKOFF: Duration = Duration::from_millis(50);

/// The answer to a connection over its address's limit (plain HTTP only).
const REFUSED: &[u8] = b"HTTP/1.1 503 Service Unavailable\r\n\
content-type: application/json\r\n\
retry-after: 5\r\n\
connection: close\r\n\
content-length: 50\r\n\
\r\n\
{\"error\":\"too many connections from your address\"}";

/// A bound listener with everything its connections need.
pub struct Listener {
    tcp: TcpListener,
    ctx: Arc<ConnCtx>,
    limiter: Arc<ConnLimiter>,
    grace: Duration,
}

/// hyper's connection settings from the limits.
fn builder(limits: &LimitsConfig, header_timeout: Duration) -> auto::Builder<StreamExec> {
    let mut builder = auto::Builder::new(StreamExec);
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(header_timeout)
        .max_buf_size(limits.max_header_bytes.max(8192))
        .max_headers(limits.max_headers);
    builder
        .http2()
        .timer(TokioTimer::new())
        .max_concurrent_streams(limits.http2_max_streams)
        .max_header_list_size(u32::try_from(limits.max_header_bytes).unwrap_or(u32::MAX))
        .keep_alive_interval(Some(Duration::from_secs(20)))
        .keep_alive_timeout(Duration::from_secs(20))
        .enable_connect_protocol();
    builder
}

impl Listener {
    /// Serve `router` on `tcp` (HTTPS when `tls` is given).
    pub fn new(
        tcp: TcpListener,
        router: Router,
        tls: Option<TlsAcceptor>,
        limits: &LimitsConfig,
        limiter: Arc<ConnLimiter>,
        metrics: Arc<Metrics>,
    ) -> Listener {
        let header_timeout = crate::config::secs(limits.header_timeout_secs);
        let ctx = ConnCtx {
            router,
            builder: builder(limits, header_timeout),
            tls,
            header_timeout,
            streams: StreamGate::new(
                limits.streams_per_ip(),
                crate::config::secs(limits.stream_stall_secs),
                Arc::clone(&metrics),
            ),
            body_deadline: BodyDeadline::new(
                crate::config::secs(limits.body_timeout_secs),
                Arc::clone(&metrics),
            ),
            metrics,
        };
        Listener {
            tcp,
            ctx: Arc::new(ctx),
            limiter,
            grace: crate::config::secs(limits.shutdown_grace_secs),
        }
    }

    /// Accept until `stop` is cancelled, then finish the connections (bounded by the
    /// shutdown grace period).
    pub async fn run(self, stop: CancellationToken) {
        let mut conns = JoinSet::new();
        loop {
            tokio::select! {
                _ = stop.cancelled() => break,
                Some(_) = conns.join_next(), if !conns.is_empty() => {}
                accepted = self.tcp.accept() => match accepted {
                    Ok((tcp, peer)) => {
                        let Some(permit) = self.limiter.try_acquire(peer.ip()) else {
                            self.refuse(tcp);
                            continue;
                        };
                        if let Err(e) = tcp.set_nodelay(true) {
                            tracing::debug!("TCP_NODELAY: {e}");
                        }
                        let slot = Slot::new(permit, Arc::clone(&self.ctx.metrics));
                        conns.spawn(conn::serve(Arc::clone(&self.ctx), tcp, peer, slot, stop.clone()));
                    }
                    Err(e) => {
                        tracing::warn!("accept: {e}");
                        tokio::time::sleep(ACCEPT_BACKOFF).await;
                    }
                },
            }
        }
        drop(self.tcp);
        let deadline = tokio::time::sleep(self.grace);
        tokio::pin!(deadline);
        loop {
            tokio::select! {
                next = conns.join_next() => if next.is_none() { break },
                _ = &mut deadline => {
                    let left = conns.len();
                    tracing::warn!("shutdown: cutting {left} connections after {:?}", self.grace);
                    self.ctx.metrics.edge.connections_cut.inc_by(left as u64);
                    conns.abort_all();
                    while conns.join_next().await.is_some() {}
                    break;
                }
            }
        }
    }

    fn refuse(&self, tcp: TcpStream) {
        self.ctx.metrics.edge.connections_refused.inc();
        if self.ctx.tls.is_none() {
            // A fresh socket's send buffer is empty: this never blocks, and a peer
            // that is not reading loses nothing but this answer.
            let _ = tcp.try_write(REFUSED);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_refusal_is_a_complete_http_answer() {
        let text = std::str::from_utf8(REFUSED).unwrap();
        let (head, body) = text.split_once("\r\n\r\n").unwrap();
        assert!(head.starts_with("HTTP/1.1 503 "));
        let declared: usize = head
            .lines()
            .find_map(|l| l.strip_prefix("content-length: "))
            .unwrap()
            .parse()
            .unwrap();
        assert_eq!(declared, body.len());
        let json: serde_json::Value = serde_json::from_str(body).unwrap();
        assert!(json["error"].is_string());
    }
}
