//! `GET /api/rooms/{id}/events`: a room's spectator events as Server-Sent Events.
//!
//! - unknown room: `404` with a JSON error, before any stream starts;
//! - finished room: `204` (browsers stop reconnecting);
//! - too many spectators in the room or on the server: `503` with a JSON error;
//! - otherwise `200`, `Content-Type: text/event-stream`, `Cache-Control: no-cache`,
//!   then `retry:`, the backlog chosen by `Last-Event-ID` (see
//!   [`Hub::subscribe`]), and live events; a comment line every keep-alive period.
//!
//! This module only moves bytes: events arrive rendered (shared `Bytes`) from the
//! room's hub. A spectator that falls behind the hub's channel skips every event
//! until the next keyframe; the stream ends after `event: end`.

use crate::spectators::{Entry, EntryKind, Hub, SubscribeError, Subscription};
use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use futures_util::stream;
use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::broadcast::error::RecvError;
use tokio::time::{Instant, Interval, MissedTickBehavior};

const KEEPALIVE: &[u8] = b": keep-alive\n\n";
/// Longest `Last-Event-ID` value we look at (a u32 has 10 digits).
const MAX_ID_LEN: usize = 16;

fn json_error(status: StatusCode, message: &str) -> Response {
    (status, axum::Json(serde_json::json!({ "error": message }))).into_response()
}

/// The tick in a `Last-Event-ID` header, if it is one.
pub fn last_event_id(headers: &HeaderMap) -> Option<u32> {
    let value = headers.get("last-event-id")?.to_str().ok()?.trim();
    if value.len() > MAX_ID_LEN {
        return None;
    }
    value.parse().ok()
}

/// The response for a spectator of `hub` (`None`: no such room).
pub fn respond(hub: Option<&Arc<Hub>>, headers: &HeaderMap) -> Response {
    let Some(hub) = hub else {
        return json_error(StatusCode::NOT_FOUND, "no such room");
    };
    let sub = match hub.subscribe(last_event_id(headers)) {
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
    let keepalive = Duration::from_millis(config.keepalive_ms.max(1));
    let retry = Bytes::from(format!("retry: {}\n\n", config.retry_ms));
    event_stream(Body::from_stream(events(sub, retry, keepalive)))
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

struct Stream {
    sub: Subscription,
    next_backlog: usize,
    retry: Option<Bytes>,
    keepalive: Interval,
    skipping: bool,
    done: bool,
}

impl Stream {
    /// What to write next for a live entry, updating the lag state.
    fn pass(&mut self, entry: &Entry) -> bool {
        if self.skipping && !matches!(entry.kind, EntryKind::Keyframe | EntryKind::End) {
            return false;
        }
        self.skipping = false;
        self.done = entry.kind == EntryKind::End;
        true
    }
}

fn events(
    sub: Subscription,
    retry: Bytes,
    keepalive: Duration,
) -> impl futures_util::Stream<Item = Result<Bytes, Infallible>> + Send + 'static {
    let mut keepalive = tokio::time::interval_at(Instant::now() + keepalive, keepalive);
    keepalive.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let skipping = sub.await_keyframe;
    let state = Stream {
        sub,
        next_backlog: 0,
        retry: Some(retry),
        keepalive,
        skipping,
        done: false,
    };
    stream::unfold(state, |mut s| async move {
        if s.done {
            return None;
        }
        if let Some(retry) = s.retry.take() {
            return Some((Ok(retry), s));
        }
        while let Some(entry) = s.sub.backlog.get(s.next_backlog).cloned() {
            s.next_backlog += 1;
            if s.pass(&entry) {
                return Some((Ok(entry.text.clone()), s));
            }
        }
        loop {
            tokio::select! {
                _ = s.keepalive.tick() => {
                    return Some((Ok(Bytes::from_static(KEEPALIVE)), s));
                }
                received = s.sub.live.recv() => match received {
                    Ok(entry) => {
                        if s.pass(&entry) {
                            return Some((Ok(entry.text.clone()), s));
                        }
                    }
                    // Fell behind: skip to the next keyframe instead of catching up.
                    Err(RecvError::Lagged(_)) => {
                        if !s.skipping {
                            s.sub.hub().note_lag_skip();
                        }
                        s.skipping = true;
                    }
                    Err(RecvError::Closed) => return None,
                },
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spectators::{SpectatorConfig, SpectatorCounter};
    use futures_util::StreamExt;

    fn publish(hub: &Hub, tick: u32, kind: EntryKind) {
        hub.publish(Entry {
            tick,
            kind,
            text: Bytes::from(format!("{kind:?} {tick}\n\n")),
        });
    }

    #[tokio::test]
    async fn a_lagging_spectator_skips_to_the_next_keyframe() {
        let config = SpectatorConfig {
            lag_events: 2,
            ..SpectatorConfig::default()
        };
        let hub = Hub::new(config, 60, SpectatorCounter::default());
        publish(&hub, 6, EntryKind::Keyframe);
        let sub = hub.subscribe(None).unwrap();
        let stream = events(
            sub,
            Bytes::from_static(b"retry: 1\n\n"),
            Duration::from_secs(60),
        );
        futures_util::pin_mut!(stream);
        let mut next =
            async || String::from_utf8(stream.next().await.unwrap().unwrap().to_vec()).unwrap();
        assert_eq!(next().await, "retry: 1\n\n");
        assert_eq!(next().await, "Keyframe 6\n\n");
        // The spectator does not read while more events pass than its channel holds;
        // the channel keeps the newest two (deltas 48 and 54), which it must skip.
        for t in [12, 18, 24, 30, 36] {
            publish(&hub, t, EntryKind::Delta);
        }
        publish(&hub, 42, EntryKind::Keyframe);
        publish(&hub, 48, EntryKind::Delta);
        publish(&hub, 54, EntryKind::Delta);
        assert!(
            futures_util::FutureExt::now_or_never(next()).is_none(),
            "deltas after a lag are not sent"
        );
        publish(&hub, 60, EntryKind::Game);
        publish(&hub, 60, EntryKind::Keyframe);
        publish(&hub, 66, EntryKind::Delta);
        assert_eq!(next().await, "Keyframe 60\n\n");
        assert_eq!(next().await, "Delta 66\n\n");
        assert_eq!(hub.lag_skips(), 1, "the skip is counted");
        publish(&hub, 72, EntryKind::End);
        assert_eq!(next().await, "End 72\n\n");
        assert!(stream.next().await.is_none(), "the stream ends after end");
    }
}
