//! A deadline for reading a request body.
//!
//! hyper bounds the time for a request head ([`super::LimitsConfig::header_timeout_secs`])
//! but not for the body after it: a head declaring `Content-Length: 100` followed by
//! one byte every few seconds would hold its connection (and the handler reading it)
//! for as long as the peer likes. A request with a body has
//! [`super::LimitsConfig::body_timeout_secs`] from its head to the body's last byte;
//! a handler still waiting for the body then is dropped and the request answered
//! `408` with `{"error": ...}` (and `Connection: close` on HTTP/1, so the connection
//! ends with it), counted as `tickcast_body_timeouts_total`. Requests without a body
//! (almost every `GET`) are not watched.

use crate::metrics::Metrics;
use axum::body::Body;
use axum::http::{HeaderValue, Request, StatusCode, Version, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use hyper::body::{Frame, Incoming, SizeHint};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::time::Instant;

/// The body deadline of one listener.
pub struct BodyDeadline {
    limit: Duration,
    metrics: Arc<Metrics>,
}

/// Whether a watched body has been read to its end (or failed).
#[derive(Debug, Default)]
pub struct BodyRead(AtomicBool);

impl BodyRead {
    fn finish(&self) {
        self.0.store(true, Ordering::Release);
    }

    fn finished(&self) -> bool {
        self.0.load(Ordering::Acquire)
    }
}

/// A request body that says when it is read.
struct Timed {
    inner: Incoming,
    read: Arc<BodyRead>,
}

impl hyper::body::Body for Timed {
    type Data = Bytes;
    type Error = hyper::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, hyper::Error>>> {
        let polled = Pin::new(&mut self.inner).poll_frame(cx);
        match &polled {
            Poll::Ready(None | Some(Err(_))) => self.read.finish(),
            Poll::Ready(Some(Ok(_))) if self.inner.is_end_stream() => self.read.finish(),
            _ => {}
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

impl BodyDeadline {
    pub fn new(limit: Duration, metrics: Arc<Metrics>) -> BodyDeadline {
        BodyDeadline { limit, metrics }
    }

    /// `req` with its body watched from now; `None` beside it when there is no body.
    pub fn watch(&self, req: Request<Incoming>) -> (Request<Body>, Option<Watching>) {
        if hyper::body::Body::is_end_stream(req.body()) {
            return (req.map(Body::new), None);
        }
        let read = Arc::new(BodyRead::default());
        let watching = Watching {
            read: Arc::clone(&read),
            by: Instant::now() + self.limit,
            http1: req.version() <= Version::HTTP_11,
        };
        let req = req.map(|inner| Body::new(Timed { inner, read }));
        (req, Some(watching))
    }

    /// The handler's `answer`, or the `408` when the body it waits for is not read
    /// by the deadline (the handler is dropped then).
    pub async fn answer<F, E>(&self, answer: F, watching: Option<Watching>) -> Result<Response, E>
    where
        F: Future<Output = Result<Response, E>>,
    {
        let Some(watching) = watching else {
            return answer.await;
        };
        tokio::select! {
            res = answer => res,
            () = watching.expired() => {
                self.metrics.edge.body_timeouts.inc();
                Ok(timed_out(self.limit, watching.http1))
            }
        }
    }
}

/// One request body under its deadline.
pub struct Watching {
    read: Arc<BodyRead>,
    by: Instant,
    http1: bool,
}

impl Watching {
    /// Resolves at the deadline if the body is not read by then; never otherwise.
    async fn expired(&self) {
        tokio::time::sleep_until(self.by).await;
        if self.read.finished() {
            std::future::pending::<()>().await;
        }
    }
}

fn timed_out(limit: Duration, http1: bool) -> Response {
    let body = axum::Json(serde_json::json!({
        "error": format!("request body not received within {} s", limit.as_secs_f64())
    }));
    let mut res = (StatusCode::REQUEST_TIMEOUT, body).into_response();
    if http1 {
        res.headers_mut()
            .insert(header::CONNECTION, HeaderValue::from_static("close"));
    }
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_answer_names_the_deadline_and_closes_http1() {
        let res = timed_out(Duration::from_secs(10), true);
        assert_eq!(res.status(), StatusCode::REQUEST_TIMEOUT);
        assert_eq!(res.headers()[header::CONNECTION], "close");
        assert!(
            !timed_out(Duration::from_secs(1), false)
                .headers()
                .contains_key(header::CONNECTION)
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_body_read_in_time_is_never_cut() {
        let read = Arc::new(BodyRead::default());
        let watching = Watching {
            read: Arc::clone(&read),
            by: Instant::now() + Duration::from_secs(1),
            http1: true,
        };
        read.finish();
        let waited = tokio::time::timeout(Duration::from_secs(5), watching.expired()).await;
        assert!(waited.is_err(), "a finished body does not expire");
        let late = Watching {
            read: Arc::new(BodyRead::default()),
            by: Instant::now() + Duration::from_secs(1),
            http1: true,
        };
        let waited = tokio::time::timeout(Duration::from_secs(5), late.expired()).await;
        assert!(waited.is_ok(), "an unread body expires");
    }
}
