//! One room's spectator hub: the ring of recent events, the broadcast to connected
//! spectators, and the per-room and per-server spectator limits.
//!
//! Every event is rendered to SSE text once (by the room's spectator task) and
//! shared as an `Arc<Entry>`; the ring and every subscriber hold the same bytes.
//! The ring and the broadcast are updated under one lock, so a subscriber that takes
//! its backlog from the ring and then listens to the broadcast sees every event
//! exactly once, in order.

use super::SpectatorConfig;
use bytes::Bytes;
use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use thiserror::Error;
use tokio::sync::broadcast;

/// What an event is, for resume and lag handling.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryKind {
    Keyframe,
    Delta,
    Game,
    End,
}

/// One event as sent: its tick (the SSE `id`), its kind and its whole SSE text.
#[derive(Debug)]
pub struct Entry {
    pub tick: u32,
    pub kind: EntryKind,
    pub text: Bytes,
}

impl Entry {
    pub fn is_frame(&self) -> bool {
        matches!(self.kind, EntryKind::Keyframe | EntryKind::Delta)
    }
}

/// Spectators connected to the whole server (for the per-server limit and metrics).
#[derive(Debug, Clone, Default)]
pub struct SpectatorCounter(Arc<AtomicUsize>);

impl SpectatorCounter {
    pub fn get(&self) -> usize {
        self.0.load(Ordering::Relaxed)
    }
}

/// Add one to `n` unless it is at `max`.
fn try_increment(n: &AtomicUsize, max: usize) -> bool {
    n.fetch_update(Ordering::AcqRel, Ordering::Acquire, |v| {
        (v < max).then_some(v + 1)
    })
    .is_ok()
}

/// Why a spectator could not subscribe.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum SubscribeError {
    #[error("the match is over")]
    Finished,
    #[error("this room has its maximum of {0} spectators")]
    RoomFull(usize),
    #[error("this server has its maximum of {0} spectators")]
    ServerFull(usize),
}

struct Ring {
    entries: VecDeque<Arc<Entry>>,
    tx: broadcast::Sender<Arc<Entry>>,
    finished: bool,
}

/// The spectator side of one room.
pub struct Hub {
    config: SpectatorConfig,
    retain_ticks: u32,
    max_entries: usize,
    ring: Mutex<Ring>,
    subscribers: AtomicUsize,
    total: SpectatorCounter,
    /// Someone watched recently: the room hands over snapshots.
    active: AtomicBool,
    /// A subscriber is waiting for a keyframe: the next frame must be one.
    wants_keyframe: AtomicBool,
    /// Also hands every published event to this (cluster mode: to Redis).
    tap: std::sync::OnceLock<Tap>,
}

/// A receiver of every event a hub publishes (must not block).
pub type Tap = Box<dyn Fn(&Arc<Entry>) + Send + Sync>;

impl std::fmt::Debug for Hub {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Hub")
            .field("subscribers", &self.spectators())
            .field("active", &self.is_active())
            .finish_non_exhaustive()
    }
}

/// A connected spectator: the events to send first, then the live channel. Dropping
/// it gives its place back.
pub struct Subscription {
    pub backlog: Vec<Arc<Entry>>,
    pub live: broadcast::Receiver<Arc<Entry>>,
    /// The backlog holds no keyframe: skip live events until one comes.
    pub await_keyframe: bool,
    _guard: SubscriberGuard,
}

struct SubscriberGuard {
    hub: Arc<Hub>,
}

impl Drop for SubscriberGuard {
    fn drop(&mut self) {
        self.hub.subscribers.fetch_sub(1, Ordering::AcqRel);
        self.hub.total.0.fetch_sub(1, Ordering::AcqRel);
    }
}

impl Hub {
    /// A hub for a room ticking `tick_rate` times a second.
    pub fn new(config: SpectatorConfig, tick_rate: u32, total: SpectatorCounter) -> Arc<Hub> {
        let retain_ticks = config.retain_ticks(tick_rate);
        let frames = (retain_ticks / config.frame_interval(tick_rate)) as usize;
        // Frames plus at most one game event per tick in between, bounded.
        let max_entries = frames.saturating_mul(2).saturating_add(16).min(1 << 16);
        let (tx, _) = broadcast::channel(config.lag_events.max(1));
        Arc::new(Hub {
            config,
            retain_ticks,
            max_entries,
            ring: Mutex::new(Ring {
                entries: VecDeque::new(),
                tx,
                finished: false,
            }),
            subscribers: AtomicUsize::new(0),
            total,
            active: AtomicBool::new(false),
            wants_keyframe: AtomicBool::new(false),
            tap: std::sync::OnceLock::new(),
        })
    }

    fn lock(&self) -> MutexGuard<'_, Ring> {
        // A panic while holding this lock cannot leave the ring half-updated in a
        // way that matters to readers; keep serving.
        self.ring
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub fn config(&self) -> &SpectatorConfig {
        &self.config
    }

    /// Spectators connected now.
    pub fn spectators(&self) -> usize {
        self.subscribers.load(Ordering::Acquire)
    }

    /// Whether the room should hand over snapshots and events.
    pub fn is_active(&self) -> bool {
        self.active.load(Ordering::Acquire)
    }

    pub fn is_finished(&self) -> bool {
        self.lock().finished
    }

    /// Take (and clear) the request for a keyframe.
    pub(crate) fn take_keyframe_request(&self) -> bool {
        self.wants_keyframe.swap(false, Ordering::AcqRel)
    }

    /// Nobody watched for the retention window: forget everything and stop.
    pub(crate) fn go_idle(&self) {
        let mut ring = self.lock();
        if self.spectators() == 0 {
            ring.entries.clear();
            self.active.store(false, Ordering::Release);
        }
    }

    /// Hand every event published from now on to `tap` too (set once).
    pub fn set_tap(&self, tap: Tap) {
        let _ = self.tap.set(tap);
    }

    /// Publish one event: into the ring (trimmed to the retention window) and to
    /// every connected spectator. An `End` finishes the hub.
    pub(crate) fn publish(&self, entry: Entry) {
        let entry = Arc::new(entry);
        let mut ring = self.lock();
        if ring.finished {
            return;
        }
        if let Some(tap) = self.tap.get() {
            tap(&entry);
        }
        let newest = entry.tick;
        ring.entries.push_back(Arc::clone(&entry));
        while ring.entries.len() > self.max_entries
            || ring
                .entries
                .front()
                .is_some_and(|e| e.tick.saturating_add(self.retain_ticks) < newest)
        {
            ring.entries.pop_front();
        }
        if entry.kind == EntryKind::End {
            ring.finished = true;
        }
        // No receivers is fine: the ring keeps the event for later resumes.
        let _ = ring.tx.send(entry);
    }

    /// Connect a spectator, resuming after `last_event_id` when the ring still holds
    /// everything after it; otherwise starting at the newest retained keyframe (or
    /// at the next one, when none is retained).
    pub fn subscribe(
        self: &Arc<Self>,
        last_event_id: Option<u32>,
    ) -> Result<Subscription, SubscribeError> {
        let ring = self.lock();
        if ring.finished {
            return Err(SubscribeError::Finished);
        }
        if !try_increment(&self.subscribers, self.config.max_per_room) {
            return Err(SubscribeError::RoomFull(self.config.max_per_room));
        }
        if !try_increment(&self.total.0, self.config.max_total) {
            self.subscribers.fetch_sub(1, Ordering::AcqRel);
            return Err(SubscribeError::ServerFull(self.config.max_total));
        }
        let guard = SubscriberGuard {
            hub: Arc::clone(self),
        };
        self.active.store(true, Ordering::Release);
        let entries = &ring.entries;
        let covered = |t: u32| {
            entries.front().is_some_and(|f| f.tick <= t)
                && entries.back().is_some_and(|b| t <= b.tick)
        };
        let backlog: Vec<Arc<Entry>> = match last_event_id {
            // The frame of tick T again (the client may have its game event only),
            // then everything after T.
            Some(t) if covered(t) => entries
                .iter()
                .filter(|e| e.tick > t || (e.tick == t && e.is_frame()))
                .cloned()
                .collect(),
            _ => match entries.iter().rposition(|e| e.kind == EntryKind::Keyframe) {
                Some(k) => entries.iter().skip(k).cloned().collect(),
                None => Vec::new(),
            },
        };
        let await_keyframe = !backlog.iter().any(|e| e.kind == EntryKind::Keyframe)
            && !(last_event_id.is_some_and(covered));
        if await_keyframe {
            self.wants_keyframe.store(true, Ordering::Release);
        }
        Ok(Subscription {
            backlog,
            live: ring.tx.subscribe(),
            await_keyframe,
            _guard: guard,
        })
    }
}

#[cfg(test)]
#[path = "hub_tests.rs"]
mod tests;
