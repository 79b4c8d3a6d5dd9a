//! `GET /api/rooms/{id}/events`: a room's spectator events as Server-Sent Events.
//!
//! - unknown room: `404` with a JSON error, before any stream starts;
//! - a room the cluster's directory cannot look up now (Redis away): `503` with
//!   the reason and `Retry-After` ([`unavailable`]), never `404`;
//! - finished room: `204` (browsers stop reconnecting);
//! - too many spectators in the room or on the server: `503` with a JSON error;
//! - otherwise `200`, `Content-Type: text/event-stream`, `Cache-Control: no-cache`,
//!   a `Last-Event-ID` response header naming where the stream continues (the
//!   client's id when resumed exactly, else the id of the keyframe it restarts
//!   with), then `retry:`, an `event: reset` when the client's id could not be
//!   resumed, the backlog chosen by the id (see [`Hub::subscribe`]), and live
//!   events; a comment line every keep-alive period.
//!
//! The client's id comes from the `Last-Event-ID` request header or, for clients
//! that cannot set headers, the `lastEventId` query parameter ([`cursor`]).
//!
//! This module only moves bytes: events arrive rendered (shared `Bytes`) from the
//! room's hub. What a viewer is sent follows [`crate::spectators::viewer`]: one
//! that falls behind skips events until a catch-up keyframe (or a scheduled one)
//! comes. A viewer that leaves an event untaken for `write_timeout_secs` is dropped
//! and its place freed (judged by the hub, see [`crate::spectators::seat`]). The
//! stream ends after `event: end`.
//!
//! Two writers, one stream:
//! - **direct** (plain HTTP/1, the edge's [`TakeoverOffer`], and
//!   `viewers_per_writer` > 0): the response takes its connection over; after the
//!   head the socket is handed to one of the hub's fan-out writers
//!   ([`crate::spectators::fanout`]), which writes each event to all its viewers
//!   when it is published. The body is delimited by the connection's close.
//! - **body** (TLS, HTTP/2): the response body reads the hub's channel when the
//!   connection polls it (no task of its own), so one published event costs one
//!   wake-up and one write per viewer, and events that wait for a viewer go out
//!   together in one chunk.

use crate::edge::takeover::{Takeover, TakeoverOffer};
use crate::metrics::Metrics;
use crate::spectators::direct::KEEPALIVE;
use crate::spectators::viewer::Pass;
use crate::spectators::{
    DirectViewer, Entry, Hub, Start, SubscribeError, Subscription, ViewerCounters,
};
use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::{Bytes, BytesMut};
use futures_util::{StreamExt, stream};
use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;
use tickcast_shared::spectate::{EventId, Format, Reset, SpecEvent, SseEvent};
use tokio::sync::broadcast::error::{RecvError, TryRecvError};
use tokio::sync::mpsc;
use tokio::sync::mpsc::error::SendTimeoutError;
use tokio::time::{Instant, Interval, MissedTickBehavior};

/// A viewer that is behind gets the events waiting for it in chunks of about this
/// many bytes.
const MAX_BATCH: usize = 64 << 10;

fn json_error(status: StatusCode, message: &str) -> Response {
    (status, axum::Json(serde_json::json!({ "error": message }))).into_response()
}

/// Where a client asked to resume.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cursor {
    /// No id given: start afresh.
    Fresh,
    /// After this id.
    After(EventId),
    /// An id was given but is not one of ours.
    Unreadable,
}

impl Cursor {
    pub fn id(self) -> Option<EventId> {
        match self {
            Cursor::After(id) => Some(id),
            Cursor::Fresh | Cursor::Unreadable => None,
        }
    }
}

/// The query parameters of a spectator stream (others are ignored here).
#[derive(Debug, Default, serde::Deserialize)]
pub struct StreamQuery {
    /// The resume id for clients that cannot set `Last-Event-ID`.
    #[serde(rename = "lastEventId")]
    pub last_event_id: Option<String>,
    /// `json` (default) or `binary`.
    pub format: Option<String>,
}

/// The format a stream query asks for (`None`: an unknown one).
pub fn format_of(query: &StreamQuery) -> Option<Format> {
    Format::parse(query.format.as_deref())
}

/// How long a viewer told the room's directory is unavailable waits to retry, s.
const DIRECTORY_RETRY_SECS: &str = "1";

/// The `503` answer (with `Retry-After`) for a stream whose room the directory
/// cannot look up now (cluster mode, Redis away): not a `404`, which viewers
/// take as final.
pub fn unavailable(reason: &str) -> Response {
    let mut res = json_error(StatusCode::SERVICE_UNAVAILABLE, reason);
    res.headers_mut().insert(
        header::RETRY_AFTER,
        HeaderValue::from_static(DIRECTORY_RETRY_SECS),
    );
    res
}

/// The `400` answer for an unknown `format`.
pub fn bad_format() -> Response {
    json_error(StatusCode::BAD_REQUEST, "format must be json or binary")
}

/// The client's resume id: the `Last-Event-ID` header, else the `lastEventId`
/// query parameter. An empty value means "afresh" (as the SSE spec resets it).
pub fn cursor(headers: &HeaderMap, query: Option<&str>) -> Cursor {
    let text = match headers.get("last-event-id") {
        Some(v) => match v.to_str() {
            Ok(t) => t,
            Err(_) => return Cursor::Unreadable,
        },
        None => match query {
            Some(q) => q,
            None => return Cursor::Fresh,
        },
    };
    if text.trim().is_empty() {
        return Cursor::Fresh;
    }
    EventId::parse(text).map_or(Cursor::Unreadable, Cursor::After)
}

/// The counters a viewer's skips go to.
pub fn viewer_counters(metrics: &Metrics) -> ViewerCounters {
    ViewerCounters {
        catchup_keyframes: metrics.spectator.catchup_keyframes.clone(),
        lag_skips: metrics.spectator_lag_skips.clone(),
    }
}

/// The response for a spectator of `hub` (`None`: no such room) asking to resume at
/// `cursor`; written directly when the edge `offer`s its connection.
pub fn respond(
    hub: Option<&Arc<Hub>>,
    cursor: Cursor,
    format: Format,
    metrics: &Arc<Metrics>,
    offer: Option<TakeoverOffer>,
) -> Response {
    let Some(hub) = hub else {
        return json_error(StatusCode::NOT_FOUND, "no such room");
    };
    let sub = match hub.subscribe(cursor.id()) {
        Ok(sub) => sub,
        Err(SubscribeError::Finished) => return StatusCode::NO_CONTENT.into_response(),
        Err(e @ (SubscribeError::RoomFull(_) | SubscribeError::ServerFull(_))) => {
            let mut res = json_error(StatusCode::SERVICE_UNAVAILABLE, &e.to_string());
            res.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
            return res;
        }
    };
    let config = hub.config();
    let mut first = vec![Bytes::from(format!("retry: {}\n\n", config.retry_ms))];
    let continues = match sub.start {
        Start::Resumed(id) => {
            metrics.spectator.resumes.inc();
            Some(id)
        }
        Start::Keyframe(id) => Some(id),
        Start::NextKeyframe => None,
    };
    if cursor != Cursor::Fresh && !matches!(sub.start, Start::Resumed(_)) {
        metrics.spectator.resets.inc();
        let reset = reset_event(cursor, sub.start, sub.feed_interrupted);
        first.push(Bytes::from(reset.to_sse()));
    }
    sub.arm_write_timeout(metrics.spectator.write_timeouts.clone());
    let counters = viewer_counters(metrics);
    let mut res = match offer {
        Some(TakeoverOffer) if hub.writes_directly() => direct(sub, format, first, counters),
        _ => {
            let keepalive = Duration::from_millis(config.keepalive_ms.max(1));
            let viewer = Viewer::new(sub, format, keepalive);
            event_stream(viewer.into_body(first, counters))
        }
    };
    if let Some(id) = continues
        && let Ok(v) = HeaderValue::from_str(&id.to_string())
    {
        res.headers_mut().insert("last-event-id", v);
    }
    res
}

/// The stream's head, taking the connection over: the socket goes to one of the
/// hub's fan-out writers, and the connection lasts as long as the viewer.
fn direct(
    sub: Subscription,
    format: Format,
    first: Vec<Bytes>,
    counters: ViewerCounters,
) -> Response {
    let takeover = Takeover::new(move |tcp| async move {
        let hub = Arc::clone(sub.hub());
        let (viewer, left) = DirectViewer::new(sub, format, Box::new(tcp), first);
        hub.attach_direct(viewer, &counters);
        // Resolves (with an error) when the writer lets the viewer go.
        let _ = left.await;
    });
    let mut res = event_stream(Body::empty());
    res.extensions_mut().insert(takeover);
    res
}

fn reset_event(cursor: Cursor, start: Start, feed_interrupted: bool) -> SpecEvent {
    let (restart, reason) = match start {
        Start::Keyframe(id) => (Some(id.tick()), "the id is not in the retained window"),
        Start::NextKeyframe | Start::Resumed(_) => (None, "nothing is retained yet"),
    };
    let reason = if cursor == Cursor::Unreadable {
        "the id is not a spectator event id"
    } else if feed_interrupted {
        "this node's feed of the room was interrupted; restarting at a keyframe"
    } else {
        reason
    };
    SpecEvent::Reset(Reset {
        requested: cursor.id().map(|id| id.0),
        restart,
        reason: reason.to_owned(),
    })
}

/// A response body fed by a viewer's task through `rx`.
pub fn body_of(rx: mpsc::Receiver<Bytes>) -> Body {
    Body::from_stream(stream::unfold(rx, |mut rx| async move {
        rx.recv()
            .await
            .map(|chunk| (Ok::<Bytes, Infallible>(chunk), rx))
    }))
}

/// Hand `chunk` to the body within `timeout`; false when the viewer is gone or
/// took nothing for that long (then counted as a write timeout).
pub async fn hand_over(
    tx: &mpsc::Sender<Bytes>,
    chunk: Bytes,
    timeout: Duration,
    metrics: &Metrics,
) -> bool {
    match tx.send_timeout(chunk, timeout).await {
        Ok(()) => true,
        Err(SendTimeoutError::Timeout(_)) => {
            metrics.spectator.write_timeouts.inc();
            false
        }
        Err(SendTimeoutError::Closed(_)) => false,
    }
}

/// A `200 text/event-stream` response around `body` (live feed and replay playback).
pub fn event_stream(body: Body) -> Response {
    let mut res = Response::new(body);
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/event-stream"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    // Ask reverse proxies not to buffer the stream.
    h.insert("x-accel-buffering", HeaderValue::from_static("no"));
    res
}

/// One viewer's position in its room's events; its response body, polled by the
/// connection itself (no task of its own).
struct Viewer {
    sub: Subscription,
    pass: Pass,
    next_backlog: usize,
    keepalive: Interval,
}

impl Viewer {
    fn new(sub: Subscription, format: Format, keepalive: Duration) -> Viewer {
        let mut keepalive = tokio::time::interval_at(Instant::now() + keepalive, keepalive);
        keepalive.set_missed_tick_behavior(MissedTickBehavior::Delay);
        Viewer {
            pass: Pass::new(format, sub.await_keyframe),
            sub,
            next_backlog: 0,
            keepalive,
        }
    }

    /// The response body: `first`, then the viewer's chunks until the stream is over.
    fn into_body(self, first: Vec<Bytes>, counters: ViewerCounters) -> Body {
        let head = stream::iter(first.into_iter().map(Ok::<Bytes, Infallible>));
        let rest = stream::unfold((self, counters), |(mut viewer, counters)| async move {
            let chunk = viewer.next(&counters).await?;
            Some((Ok(chunk), (viewer, counters)))
        });
        Body::from_stream(head.chain(rest))
    }

    /// What to write for an entry, if anything (see [`Pass::pass`]).
    fn pass(&mut self, entry: &Arc<Entry>, counters: &ViewerCounters) -> Option<Bytes> {
        self.sub.took(entry.id);
        self.pass.pass(entry, self.sub.hub(), counters)
    }

    /// Fell behind the hub's channel: skip ahead.
    fn lagged(&mut self, counters: &ViewerCounters) {
        self.pass.lagged(self.sub.hub(), counters);
    }

    /// The next chunk to write: every event ready now, in one chunk of at most
    /// [`MAX_BATCH`] bytes (a viewer that is behind catches up in few writes), or
    /// else the next event or keep-alive to come. `None` when the stream is over
    /// (after `end`, or when the write timeout gave the viewer's place back).
    async fn next(&mut self, counters: &ViewerCounters) -> Option<Bytes> {
        if self.pass.is_done() || self.sub.timed_out() {
            return None;
        }
        let first = match self.ready(counters) {
            Some(text) => text,
            None => self.wait(counters).await?,
        };
        let Some(second) = self.ready(counters) else {
            return Some(first);
        };
        let mut batch = BytesMut::with_capacity(first.len() + second.len());
        batch.extend_from_slice(&first);
        batch.extend_from_slice(&second);
        while batch.len() < MAX_BATCH {
            match self.ready(counters) {
                Some(text) => batch.extend_from_slice(&text),
                None => break,
            }
        }
        Some(batch.freeze())
    }

    /// The next text to write that is there already (backlog, then events the
    /// channel holds), without waiting.
    fn ready(&mut self, counters: &ViewerCounters) -> Option<Bytes> {
        while !self.pass.is_done() {
            let entry = match self.sub.backlog.get(self.next_backlog) {
                Some(entry) => {
                    self.next_backlog += 1;
                    Arc::clone(entry)
                }
                None => match self.sub.live.try_recv() {
                    Ok(entry) => entry,
                    Err(TryRecvError::Lagged(_)) => {
                        self.lagged(counters);
                        continue;
                    }
                    Err(TryRecvError::Empty | TryRecvError::Closed) => return None,
                },
            };
            if let Some(text) = self.pass(&entry, counters) {
                return Some(text);
            }
        }
        None
    }

    /// Wait for the next live event to write, or a keep-alive.
    async fn wait(&mut self, counters: &ViewerCounters) -> Option<Bytes> {
        loop {
            tokio::select! {
                _ = self.keepalive.tick() => return Some(Bytes::from_static(KEEPALIVE)),
                received = self.sub.live.recv() => match received {
                    Ok(entry) => {
                        if let Some(text) = self.pass(&entry, counters) {
                            return Some(text);
                        }
                        if self.pass.is_done() {
                            return None;
                        }
                    }
                    Err(RecvError::Lagged(_)) => self.lagged(counters),
                    Err(RecvError::Closed) => return None,
                },
            }
        }
    }
}

#[cfg(test)]
#[path = "sse_tests.rs"]
mod tests;
