//! Requests in flight per address, across connections, and stalled HTTP/2 streams.
//!
//! HTTP/2 carries many requests on one connection, so the per-IP connection limit
//! ([`super::limiter`]) does not bound how many long-lived streams (spectator and room
//! list SSE, replay playback, WebSocket over HTTP/2 `CONNECT`) one address holds.
//! Every request therefore takes a [`StreamHold`] from a second [`ConnLimiter`]
//! (`max_streams_per_ip`, by default the connection limit): it is held until its
//! response body is done or dropped (a fan-out writer's connection, a WebSocket
//! session keep theirs for as long as they run), so an address holds at most that
//! many streams whatever mix of HTTP/1.1 and HTTP/2 connections carries them. One
//! more is answered `429` with `{"error": ...}` and counted as
//! `tickcast_streams_refused_total`. HTTP/1.1 carries one request per connection,
//! so with the default only HTTP/2 can meet this limit.
//!
//! A stalled HTTP/2 stream (its peer grants no flow-control window) leaves its body
//! unpolled forever: hyper holds the last chunk until there is room for it, so the
//! body cannot end itself and the stream is never reset. Each HTTP/2 response body
//! is [`Watched`]: when a chunk it handed out waits longer than
//! `stream_stall_secs`, the stream's task is dropped by [`StreamExec`], which makes
//! the HTTP/2 layer send `RST_STREAM` (and free what it buffered), counted as
//! `tickcast_stream_resets_total`.

use super::limiter::{ConnLimiter, ConnPermit};
use crate::metrics::Metrics;
use axum::body::Body;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use hyper::body::{Frame, SizeHint};
use std::cell::RefCell;
use std::future::Future;
use std::net::IpAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::time::Instant;

/// One request's share of its address's stream limit, until every clone is dropped.
#[derive(Debug, Clone)]
pub struct StreamHold {
    _permit: Arc<ConnPermit>,
}

/// The stream limit of one listener and what it counts.
pub struct StreamGate {
    limiter: Arc<ConnLimiter>,
    stall: Duration,
    metrics: Arc<Metrics>,
}

impl StreamGate {
    /// `max_per_ip` streams per address; an HTTP/2 chunk may wait `stall` for room.
    pub fn new(max_per_ip: usize, stall: Duration, metrics: Arc<Metrics>) -> StreamGate {
        StreamGate {
            limiter: ConnLimiter::new(max_per_ip),
            stall,
            metrics,
        }
    }

    /// A hold for one more request from `ip`; `None` (counted) when it is at the
    /// limit: answer [`refused`].
    pub fn admit(&self, ip: IpAddr) -> Option<StreamHold> {
        let hold = self.limiter.try_acquire(ip).map(|permit| StreamHold {
            _permit: Arc::new(permit),
        });
        if hold.is_none() {
            self.metrics.edge.streams_refused.inc();
        }
        hold
    }

    /// Streams open from `ip`.
    pub fn open_from(&self, ip: IpAddr) -> usize {
        self.limiter.open_from(ip)
    }

    /// Arm the stall watch of the HTTP/2 stream whose request is being called now:
    /// the next task this thread's [`StreamExec`] spawns is that stream's. Returns
    /// what its response body reports to.
    pub fn watch_next_stream(&self) -> Arc<Stall> {
        let stall = Arc::new(Stall::default());
        let watch = Watch {
            stall: Arc::clone(&stall),
            limit: self.stall,
            metrics: Arc::clone(&self.metrics),
        };
        NEXT_STREAM.with(|next| *next.borrow_mut() = Some(watch));
        stall
    }
}

/// The `429` for a request over its address's stream limit.
pub fn refused() -> Response {
    let body = axum::Json(serde_json::json!({
        "error": "too many open streams from your address"
    }));
    let mut res = (StatusCode::TOO_MANY_REQUESTS, body).into_response();
    res.headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
    res
}

/// Since when a chunk handed to hyper has been waiting to be sent (`None`: hyper
/// asked for more since, or nothing was handed out yet).
#[derive(Debug, Default)]
pub struct Stall(Mutex<Option<Instant>>);

impl Stall {
    fn set(&self, since: Option<Instant>) {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner) = since;
    }

    fn since(&self) -> Option<Instant> {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// What the spawned task of one HTTP/2 stream watches.
struct Watch {
    stall: Arc<Stall>,
    limit: Duration,
    metrics: Arc<Metrics>,
}

impl Watch {
    /// Resolves once a chunk has waited longer than the limit.
    async fn stalled(self) {
        loop {
            match self.stall.since() {
                Some(since) if since.elapsed() >= self.limit => {
                    self.metrics.edge.stream_resets.inc();
                    return;
                }
                Some(since) => tokio::time::sleep_until(since + self.limit).await,
                None => tokio::time::sleep(self.limit).await,
            }
        }
    }
}

thread_local! {
    /// The watch of the stream whose service call just ran on this thread (hyper
    /// calls the service and spawns the stream's task in one go, on one thread).
    static NEXT_STREAM: RefCell<Option<Watch>> = const { RefCell::new(None) };
}

/// hyper's executor: tokio's, except that an HTTP/2 stream's task ends early (its
/// stream reset) when its response has waited for the peer's window longer than
/// the stall limit.
#[derive(Debug, Clone, Copy, Default)]
pub struct StreamExec;

impl<F> hyper::rt::Executor<F> for StreamExec
where
    F: Future<Output = ()> + Send + 'static,
{
    fn execute(&self, fut: F) {
        match NEXT_STREAM.with(|next| next.borrow_mut().take()) {
            Some(watch) => {
                tokio::spawn(async move {
                    tokio::select! {
                        () = fut => {}
                        () = watch.stalled() => {}
                    }
                });
            }
            None => {
                tokio::spawn(fut);
            }
        }
    }
}

/// A response body that keeps its request's [`StreamHold`] and, on HTTP/2, tells
/// its [`Stall`] when a chunk waits to be sent.
pub struct Watched {
    inner: Body,
    stall: Option<Arc<Stall>>,
    _hold: Option<StreamHold>,
}

impl Watched {
    /// `res` with its body watched.
    pub fn wrap(res: Response, hold: Option<StreamHold>, stall: Option<Arc<Stall>>) -> Response {
        res.map(|inner| {
            Body::new(Watched {
                inner,
                stall,
                _hold: hold,
            })
        })
    }
}

impl hyper::body::Body for Watched {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        let polled = Pin::new(&mut self.inner).poll_frame(cx);
        if let Some(stall) = &self.stall {
            match &polled {
                Poll::Ready(Some(Ok(frame))) if frame.is_data() => stall.set(Some(Instant::now())),
                _ => stall.set(None),
            }
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::Ipv4Addr;

    const A: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);

    #[test]
    fn a_hold_lasts_until_its_last_clone_is_gone() {
        let gate = StreamGate::new(1, Duration::from_secs(1), Arc::new(Metrics::default()));
        let hold = gate.admit(A);
        let kept = hold.clone();
        assert!(gate.admit(A).is_none());
        assert_eq!(refused().status(), StatusCode::TOO_MANY_REQUESTS);
        drop(hold);
        assert_eq!(gate.open_from(A), 1);
        drop(kept);
        assert_eq!(gate.open_from(A), 0);
        assert!(gate.admit(A).is_some());
    }

    #[tokio::test(start_paused = true)]
    async fn a_chunk_waiting_past_the_limit_is_a_stall() {
        let stall = Arc::new(Stall::default());
        let watch = Watch {
            stall: Arc::clone(&stall),
            limit: Duration::from_secs(5),
            metrics: Arc::new(Metrics::default()),
        };
        let metrics = Arc::clone(&watch.metrics);
        let watching = tokio::spawn(watch.stalled());
        tokio::time::sleep(Duration::from_secs(20)).await;
        assert!(!watching.is_finished(), "nothing handed out: no stall");
        stall.set(Some(Instant::now()));
        tokio::time::sleep(Duration::from_secs(6)).await;
        assert!(watching.is_finished());
        assert_eq!(metrics.edge.stream_resets.get(), 1);
    }
}
