//! `GET /api/rooms/events`: the live room list as Server-Sent Events (the tokio
//! side of [`super::events`]).
//!
//! While anyone watches, [`LobbyFeed::run`] takes the directory's public list every
//! `[lobby] events_interval_ms` (the lobby's own list on one node, the cluster's
//! room records in cluster mode) and publishes what changed, so a room that changes
//! often is sent at most once per interval. A viewer arriving after an idle spell
//! refreshes the list first, so it never starts from a stale one.
//!
//! The stream: `retry:`, then either exactly the retained changes after the
//! viewer's id (`Last-Event-ID` header or `?lastEventId=`), or, for a new viewer,
//! the full list (`event: rooms`), preceded by `event: reset` (`data:
//! {"requested": ID, "reason": ...}`) when an id was given but cannot be continued
//! (older than the `[lobby] events_retain` kept changes, not one of ours). Then
//! live changes, and a comment line every `[spectators] keepalive_ms`. The
//! response's `Last-Event-ID` header names the id the stream continues after.
//!
//! Bounded: at most `[lobby] events_viewers` viewers (more get `503` with a JSON
//! error, counted in `tickcast_lobby_viewers_refused`); a viewer that takes no bytes
//! for `[spectators] write_timeout_secs` is dropped (`tickcast_lobby_write_timeouts`);
//! one that falls behind the live channel gets a reset and the full list. Streams
//! end when the server shuts down.

use super::events::{Change, Resume, RoomListLog};
use crate::metrics::Metrics;
use crate::net::sse::{body_of, event_stream};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use serde_json::{Value, json};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tokio::sync::broadcast::{self, error::RecvError};
use tokio::sync::mpsc::{self, error::SendTimeoutError};
use tokio::time::{Instant, MissedTickBehavior};
use tokio_util::sync::CancellationToken;

const KEEPALIVE: &[u8] = b": keep-alive\n\n";
/// Chunks waiting between a viewer's task and its socket.
const BODY_BUFFER: usize = 4;

/// Where a viewer asked to resume.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cursor {
    Fresh,
    After(u64),
    /// An id that is no number of ours (kept as given, for the reset event).
    Unreadable(String),
}

/// The viewer's id: the `Last-Event-ID` header, else `?lastEventId=`; empty
/// means afresh.
pub fn cursor(headers: &HeaderMap, query: Option<&str>) -> Cursor {
    let text = match headers.get("last-event-id") {
        Some(v) => String::from_utf8_lossy(v.as_bytes()).into_owned(),
        None => match query {
            Some(q) => q.to_owned(),
            None => return Cursor::Fresh,
        },
    };
    let text = text.trim();
    if text.is_empty() {
        return Cursor::Fresh;
    }
    match text.parse() {
        Ok(id) => Cursor::After(id),
        Err(_) => Cursor::Unreadable(text.chars().take(64).collect()),
    }
}

/// The settings of the feed (from `[lobby]` and `[spectators]`).
#[derive(Debug, Clone)]
pub struct FeedConfig {
    pub interval: Duration,
    pub max_viewers: usize,
    pub retain: usize,
    pub keepalive: Duration,
    pub write_timeout: Duration,
    pub retry_ms: u64,
}

impl FeedConfig {
    pub fn of(config: &crate::config::Config) -> FeedConfig {
        let (lobby, spec) = (&config.lobby, &config.spectators);
        FeedConfig {
            interval: Duration::from_millis(lobby.events_interval_ms.max(1)),
            max_viewers: lobby.events_viewers,
            retain: lobby.events_retain,
            keepalive: Duration::from_millis(spec.keepalive_ms.max(1)),
            write_timeout: spec.write_timeout(),
            retry_ms: spec.retry_ms,
        }
    }
}

/// The live room list and its viewers.
pub struct LobbyFeed {
    log: Mutex<RoomListLog>,
    live: broadcast::Sender<Arc<Change>>,
    /// When the list was last taken; held across a fetch so refreshes never
    /// apply out of order.
    refreshed: tokio::sync::Mutex<Option<Instant>>,
    viewers: AtomicUsize,
    config: FeedConfig,
    metrics: Arc<Metrics>,
    stop: CancellationToken,
}

/// Every viewer's place is taken (the limit): answered `503` with `Retry-After`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Full(pub usize);

impl IntoResponse for Full {
    fn into_response(self) -> Response {
        let message = format!("too many room list viewers (limit {})", self.0);
        let mut res = (
            StatusCode::SERVICE_UNAVAILABLE,
            axum::Json(json!({ "error": message })),
        )
            .into_response();
        res.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
        res
    }
}

/// A viewer's place, given back when dropped.
pub struct Slot(Arc<LobbyFeed>);

impl Drop for Slot {
    fn drop(&mut self) {
        self.0.viewers.fetch_sub(1, Ordering::Relaxed);
        self.0.metrics.limits.lobby_viewers.dec();
    }
}

impl LobbyFeed {
    /// A feed whose streams end when `stop` is cancelled.
    pub fn new(config: FeedConfig, metrics: Arc<Metrics>, stop: CancellationToken) -> Arc<Self> {
        let now_ms = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| {
            u64::try_from(d.as_millis()).unwrap_or(u64::MAX / 1000)
        });
        let first_id = now_ms.saturating_mul(1000).max(1);
        let (live, _) = broadcast::channel(config.retain.clamp(16, 4096));
        Arc::new(LobbyFeed {
            log: Mutex::new(RoomListLog::new(first_id, config.retain)),
            live,
            refreshed: tokio::sync::Mutex::new(None),
            viewers: AtomicUsize::new(0),
            config,
            metrics,
            stop,
        })
    }

    fn log(&self) -> MutexGuard<'_, RoomListLog> {
        self.log.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn viewers(&self) -> usize {
        self.viewers.load(Ordering::Relaxed)
    }

    /// Publish the changes between the last list and `list`.
    pub fn apply(&self, list: Vec<Value>) {
        let mut log = self.log();
        for change in log.apply(list) {
            self.metrics.limits.lobby_events.inc();
            // No receiver is fine: nobody watches.
            let _ = self.live.send(change);
        }
    }

    /// Take the list from `fetch` and apply it; with `only_if_stale`, not when it
    /// was taken less than an interval ago.
    pub async fn refresh<E>(
        &self,
        fetch: impl Future<Output = Result<Vec<Value>, E>>,
        only_if_stale: bool,
    ) -> Result<(), E> {
        let mut refreshed = self.refreshed.lock().await;
        if only_if_stale && refreshed.is_some_and(|at| at.elapsed() < self.config.interval) {
            return Ok(());
        }
        let list = fetch.await?;
        self.apply(list);
        *refreshed = Some(Instant::now());
        Ok(())
    }

    /// Poll `fetch` every interval while anyone watches, until the server stops.
    pub async fn run<F, Fut, E>(self: Arc<Self>, fetch: F)
    where
        F: Fn() -> Fut,
        Fut: Future<Output = Result<Vec<Value>, E>>,
        E: std::fmt::Display,
    {
        let mut every = tokio::time::interval(self.config.interval);
        every.set_missed_tick_behavior(MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = self.stop.cancelled() => return,
                _ = every.tick() => {}
            }
            if self.viewers() == 0 {
                continue;
            }
            if let Err(e) = self.refresh(fetch(), false).await {
                tracing::debug!("room list not refreshed: {e}");
            }
        }
    }

    /// A place for one more viewer, or [`Full`] when all are taken (counted).
    pub fn reserve(self: &Arc<Self>) -> Result<Slot, Full> {
        let max = self.config.max_viewers;
        if self.viewers.fetch_add(1, Ordering::Relaxed) >= max {
            self.viewers.fetch_sub(1, Ordering::Relaxed);
            self.metrics.limits.lobby_viewers_refused.inc();
            return Err(Full(max));
        }
        self.metrics.limits.lobby_viewers.inc();
        Ok(Slot(Arc::clone(self)))
    }

    /// The first chunks for `cursor`, the live channel from right after them, and
    /// the id the stream continues after.
    fn start(&self, cursor: &Cursor) -> (Vec<Bytes>, broadcast::Receiver<Arc<Change>>, u64) {
        let mut log = self.log();
        let live = self.live.subscribe();
        let reset = |requested: Value, reason: &str| {
            let data = json!({ "requested": requested, "reason": reason });
            Bytes::from(format!("event: reset\ndata: {data}\n\n"))
        };
        let first = match cursor {
            Cursor::Fresh => vec![log.full_list()],
            Cursor::Unreadable(text) => vec![
                reset(json!(text), "the id is not a room list event id"),
                log.full_list(),
            ],
            Cursor::After(id) => match log.resume(*id) {
                Resume::Exact(changes) => {
                    return (changes.iter().map(|c| c.text.clone()).collect(), live, *id);
                }
                Resume::Reset(reason) => {
                    vec![reset(json!(id.to_string()), reason), log.full_list()]
                }
            },
        };
        (first, live, log.last_id())
    }

    /// The stream for a viewer holding `slot`, resuming at `cursor`.
    pub fn respond(self: &Arc<Self>, slot: Slot, cursor: &Cursor) -> Response {
        let (mut first, live, continues) = self.start(cursor);
        first.insert(
            0,
            Bytes::from(format!("retry: {}\n\n", self.config.retry_ms)),
        );
        let (tx, rx) = mpsc::channel(BODY_BUFFER);
        tokio::spawn(Arc::clone(self).pump(slot, first, live, tx));
        let mut res = event_stream(body_of(rx));
        if let Ok(v) = HeaderValue::from_str(&continues.to_string()) {
            res.headers_mut().insert("last-event-id", v);
        }
        res
    }

    /// Hand `chunk` to the body; false when the viewer is gone or stalled.
    async fn hand_over(&self, tx: &mpsc::Sender<Bytes>, chunk: Bytes) -> bool {
        match tx.send_timeout(chunk, self.config.write_timeout).await {
            Ok(()) => true,
            Err(SendTimeoutError::Timeout(_)) => {
                self.metrics.limits.lobby_write_timeouts.inc();
                false
            }
            Err(SendTimeoutError::Closed(_)) => false,
        }
    }

    async fn pump(
        self: Arc<Self>,
        _slot: Slot,
        first: Vec<Bytes>,
        mut live: broadcast::Receiver<Arc<Change>>,
        tx: mpsc::Sender<Bytes>,
    ) {
        let mut pending = first;
        let period = self.config.keepalive;
        let mut keepalive = tokio::time::interval_at(Instant::now() + period, period);
        keepalive.set_missed_tick_behavior(MissedTickBehavior::Delay);
        loop {
            for chunk in pending.drain(..) {
                if !self.hand_over(&tx, chunk).await {
                    return;
                }
            }
            tokio::select! {
                _ = self.stop.cancelled() => return,
                _ = keepalive.tick() => pending.push(Bytes::from_static(KEEPALIVE)),
                received = live.recv() => match received {
                    Ok(change) => pending.push(change.text.clone()),
                    Err(RecvError::Lagged(_)) => {
                        // Fell behind the channel: start over from the full list.
                        let (first, fresh, _) = self.start(&Cursor::Fresh);
                        let data = json!({ "requested": null, "reason": "the viewer fell behind" });
                        pending.push(Bytes::from(format!("event: reset\ndata: {data}\n\n")));
                        pending.extend(first);
                        live = fresh;
                    }
                    Err(RecvError::Closed) => return,
                },
            }
        }
    }
}
