//! One room's spectator hub: the ring of recent events, the broadcast to connected
//! spectators, and the per-room and per-server spectator limits.
//!
//! Every event is rendered to SSE text once (by the room's spectator task) and
//! shared as an `Arc<Entry>`: its [`EventId`] and its bytes, which is all another
//! node needs to fan it out. The ring and every subscriber hold the same bytes.
//! The ring and the broadcast are updated under one lock, so a subscriber that takes
//! its backlog from the ring and then listens to the broadcast sees every event
//! exactly once, in order.
//!
//! The ring keeps [`SpectatorConfig::retain_secs`] of events and at most
//! [`SpectatorConfig::retain_bytes`] of text, but never less than its newest keyframe
//! and what follows. Its `floor` is the newest id it has let go of: a resume after an
//! id at or above the floor is exact; below it (or unknown) the stream restarts.
//!
//! A subscriber that fell behind asks for a catch-up keyframe
//! ([`Hub::request_catchup`]); the task renders the next frame also as a keyframe,
//! kept beside the ring ([`Hub::catchup_for`]), and the subscriber sends that in
//! place of the delta (same id) instead of waiting for the next scheduled keyframe.

use super::SpectatorConfig;
use bytes::Bytes;
use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use thiserror::Error;
use tickcast_shared::spectate::{EventId, Format};
use tokio::sync::broadcast;

/// What an event is, for resume and lag handling.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryKind {
    Keyframe,
    Delta,
    Game,
    End,
}

/// One event as sent: its SSE `id`, its kind and its whole SSE text in each format
/// (`game`, `end`: the same bytes twice).
#[derive(Debug)]
pub struct Entry {
    pub id: EventId,
    pub kind: EntryKind,
    /// The JSON format.
    pub text: Bytes,
    /// The binary format (`?format=binary`).
    pub binary: Bytes,
}

impl Entry {
    /// An event whose text is the same in both formats.
    pub fn same(id: EventId, kind: EntryKind, text: Bytes) -> Entry {
        Entry {
            id,
            kind,
            binary: text.clone(),
            text,
        }
    }

    /// The text in `format`.
    pub fn text_in(&self, format: Format) -> &Bytes {
        match format {
            Format::Json => &self.text,
            Format::Binary => &self.binary,
        }
    }

    /// Bytes this entry keeps (both formats, once when shared).
    fn size(&self) -> usize {
        if self.text.as_ptr() == self.binary.as_ptr() {
            self.text.len()
        } else {
            self.text.len() + self.binary.len()
        }
    }

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
    /// Text bytes of `entries`.
    bytes: usize,
    /// Every published event with an id above this is in `entries` (`None`: the
    /// ring is empty since it started or went idle; no resume is exact).
    floor: Option<EventId>,
    /// The newest catch-up keyframe (same id as the delta it stands in for).
    catchup: Option<Arc<Entry>>,
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
    /// A subscriber fell behind: render the next frame as a catch-up keyframe too.
    wants_catchup: AtomicBool,
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

/// How a subscription starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Start {
    /// Exactly after the id the client gave.
    Resumed(EventId),
    /// At the keyframe with this id (the newest retained one), because no id was
    /// given or it could not be resumed.
    Keyframe(EventId),
    /// At the next keyframe to come (none is retained).
    NextKeyframe,
}

/// A connected spectator: the events to send first, then the live channel. Dropping
/// it gives its place back.
pub struct Subscription {
    pub backlog: Vec<Arc<Entry>>,
    pub live: broadcast::Receiver<Arc<Entry>>,
    /// The backlog holds no keyframe: skip live events until one comes.
    pub await_keyframe: bool,
    pub start: Start,
    guard: SubscriberGuard,
}

impl Subscription {
    /// The hub this spectator watches.
    pub fn hub(&self) -> &Arc<Hub> {
        &self.guard.hub
    }
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
                bytes: 0,
                floor: None,
                catchup: None,
                tx,
                finished: false,
            }),
            subscribers: AtomicUsize::new(0),
            total,
            active: AtomicBool::new(false),
            wants_keyframe: AtomicBool::new(false),
            wants_catchup: AtomicBool::new(false),
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

    /// A subscriber fell behind: ask for a catch-up keyframe with the next frame.
    pub fn request_catchup(&self) {
        self.wants_catchup.store(true, Ordering::Release);
    }

    /// Take (and clear) the request for a catch-up keyframe.
    pub(crate) fn take_catchup_request(&self) -> bool {
        self.wants_catchup.swap(false, Ordering::AcqRel)
    }

    /// The catch-up keyframe standing in for the frame `id`, if one was rendered.
    pub fn catchup_for(&self, id: EventId) -> Option<Arc<Entry>> {
        self.lock().catchup.as_ref().filter(|e| e.id == id).cloned()
    }

    /// Nobody watched for the retention window: forget everything and stop.
    pub(crate) fn go_idle(&self) {
        let mut ring = self.lock();
        if self.spectators() == 0 {
            ring.entries.clear();
            ring.bytes = 0;
            ring.floor = None;
            ring.catchup = None;
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
        self.publish_with_catchup(entry, None);
    }

    /// Publish a frame, with the same frame as a catch-up keyframe when one was
    /// requested (stored before the frame goes out, so a lagging subscriber that
    /// receives the frame finds it).
    pub(crate) fn publish_with_catchup(&self, entry: Entry, catchup: Option<Entry>) {
        let entry = Arc::new(entry);
        let mut ring = self.lock();
        if ring.finished {
            return;
        }
        if let Some(tap) = self.tap.get() {
            tap(&entry);
        }
        if let Some(k) = catchup {
            ring.catchup = Some(Arc::new(k));
        }
        if ring.floor.is_none() {
            ring.floor = Some(EventId(entry.id.0.saturating_sub(1)));
        }
        ring.bytes = ring.bytes.saturating_add(entry.size());
        ring.entries.push_back(Arc::clone(&entry));
        self.trim(&mut ring, entry.id);
        if entry.kind == EntryKind::End {
            ring.finished = true;
        }
        // No receivers is fine: the ring keeps the event for later resumes.
        let _ = ring.tx.send(entry);
    }

    /// Drop the oldest events past the time, byte and count bounds, keeping the
    /// newest keyframe and everything after it.
    fn trim(&self, ring: &mut Ring, newest: EventId) {
        let newest_tick = newest.tick().0;
        let mut last_key = ring
            .entries
            .iter()
            .rposition(|e| e.kind == EntryKind::Keyframe);
        while let Some(front) = ring.entries.front() {
            let too_old = front.id.tick().0.saturating_add(self.retain_ticks) < newest_tick;
            let over =
                ring.entries.len() > self.max_entries || ring.bytes > self.config.retain_bytes;
            if !(too_old || over) || last_key == Some(0) {
                return;
            }
            if let Some(gone) = ring.entries.pop_front() {
                ring.bytes = ring.bytes.saturating_sub(gone.size());
                ring.floor = Some(gone.id);
            }
            last_key = last_key.map(|k| k.saturating_sub(1));
        }
    }

    /// Connect a spectator, resuming exactly after `last` when the ring holds every
    /// event after it; otherwise starting at the newest retained keyframe (or at the
    /// next one, when none is retained).
    pub fn subscribe(
        self: &Arc<Self>,
        last: Option<EventId>,
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
        let newest = entries.back().map(|e| e.id);
        let exact = last
            .filter(|&id| ring.floor.is_some_and(|f| f <= id) && newest.is_some_and(|n| id <= n));
        let (backlog, start): (Vec<Arc<Entry>>, Start) = match exact {
            Some(id) => (
                entries.iter().filter(|e| e.id > id).cloned().collect(),
                Start::Resumed(id),
            ),
            None => match entries.iter().rposition(|e| e.kind == EntryKind::Keyframe) {
                Some(k) => {
                    let backlog: Vec<Arc<Entry>> = entries.iter().skip(k).cloned().collect();
                    let id = backlog.first().map_or(EventId(0), |e| e.id);
                    (backlog, Start::Keyframe(id))
                }
                None => (Vec::new(), Start::NextKeyframe),
            },
        };
        let await_keyframe = start == Start::NextKeyframe;
        if await_keyframe {
            self.wants_keyframe.store(true, Ordering::Release);
        }
        Ok(Subscription {
            backlog,
            live: ring.tx.subscribe(),
            await_keyframe,
            start,
            guard,
        })
    }
}

#[cfg(test)]
#[path = "hub_tests.rs"]
mod tests;
