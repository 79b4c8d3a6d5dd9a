//! One room's spectator hub: the ring of recent events ([`super::ring`]), the
//! broadcast to connected spectators, catch-up keyframes, and the seats
//! ([`super::seat`]) under the per-room and per-server limits.
//!
//! Every event is rendered to SSE text once (by the room's spectator task) and
//! shared as an `Arc<Entry>`: its [`EventId`] and its bytes, which is all another
//! node needs to fan it out. The ring and every subscriber hold the same bytes.
//! The ring and the broadcast are updated under one lock, so a subscriber that takes
//! its backlog from the ring and then listens to the broadcast sees every event
//! exactly once, in order. The broadcast wakes each waiting viewer's connection
//! directly: viewers have no task of their own.
//!
//! A subscriber that fell behind asks for a catch-up keyframe
//! ([`Hub::request_catchup`]); the task renders the next frame also as a keyframe,
//! kept beside the ring ([`Hub::catchup_for`]), and the subscriber sends that in
//! place of the delta (same id) instead of waiting for the next scheduled keyframe.

use super::SpectatorConfig;
use super::direct::DirectViewer;
use super::fanout::{WriterConfig, Writers};
use super::ring::{Bounds, Ring};
use super::seat::{Seat, Seats, try_increment};
use super::viewer::ViewerCounters;
// The hub's vocabulary, also reachable from here.
pub use super::ring::{Entry, EntryKind, Start};
pub use super::seat::{SpectatorCounter, SubscribeError, Subscription};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use tickcast_shared::spectate::EventId;
use tokio::sync::broadcast;

struct State {
    ring: Ring,
    /// The newest catch-up keyframe (same id as the delta it stands in for).
    catchup: Option<Arc<Entry>>,
    tx: broadcast::Sender<Arc<Entry>>,
    /// The writers of the direct viewers.
    writers: Writers,
    finished: bool,
}

/// The spectator side of one room.
pub struct Hub {
    config: SpectatorConfig,
    bounds: Bounds,
    state: Mutex<State>,
    subscribers: Arc<AtomicUsize>,
    total: SpectatorCounter,
    seats: Seats,
    /// Someone watched recently: the room hands over snapshots.
    active: AtomicBool,
    /// A subscriber is waiting for a keyframe: the next frame must be one.
    wants_keyframe: AtomicBool,
    /// A subscriber fell behind: render the next frame as a catch-up keyframe too.
    wants_catchup: AtomicBool,
    /// Also hands every published event to this (cluster mode: to Redis).
    tap: std::sync::OnceLock<Tap>,
    /// The events do not reach this hub as they happen (a cluster mirror cut off
    /// from its room's owner): the ring may end well before the room's present,
    /// so no resume is exact.
    feed_interrupted: AtomicBool,
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

impl Hub {
    /// A hub for a room ticking `tick_rate` times a second.
    pub fn new(config: SpectatorConfig, tick_rate: u32, total: SpectatorCounter) -> Arc<Hub> {
        let ticks = config.retain_ticks(tick_rate);
        let frames = (ticks / config.frame_interval(tick_rate)) as usize;
        // Frames plus at most one game event per tick in between, bounded.
        let entries = frames.saturating_mul(2).saturating_add(16).min(1 << 16);
        let (tx, _) = broadcast::channel(config.lag_events.max(1));
        Arc::new(Hub {
            bounds: Bounds {
                ticks,
                bytes: config.retain_bytes,
                entries,
            },
            config,
            state: Mutex::new(State {
                ring: Ring::default(),
                catchup: None,
                tx,
                writers: Writers::default(),
                finished: false,
            }),
            subscribers: Arc::new(AtomicUsize::new(0)),
            total,
            seats: Seats::default(),
            active: AtomicBool::new(false),
            wants_keyframe: AtomicBool::new(false),
            wants_catchup: AtomicBool::new(false),
            tap: std::sync::OnceLock::new(),
            feed_interrupted: AtomicBool::new(false),
        })
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while holding this lock cannot leave the ring half-updated in a
        // way that matters to readers; keep serving.
        self.state
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
        let mut state = self.lock();
        if self.spectators() == 0 {
            state.ring.clear();
            state.catchup = None;
            self.active.store(false, Ordering::Release);
        }
    }

    /// Whether the feed is interrupted now (a mirror cut off from its room).
    pub fn feed_interrupted(&self) -> bool {
        self.feed_interrupted.load(Ordering::Acquire)
    }

    /// The feed into this hub stopped (or goes again): while it is interrupted,
    /// a viewer asking to resume is restarted at a keyframe (with a `reset`),
    /// never told its resume is exact.
    pub(crate) fn set_feed_interrupted(&self, interrupted: bool) {
        self.feed_interrupted.store(interrupted, Ordering::Release);
    }

    /// The feed lost events (a mirror's frames do not follow on): forget what the
    /// ring holds, so no resume reaches across the break; the next retained
    /// keyframe starts the ring again.
    pub(crate) fn break_feed(&self) {
        let mut state = self.lock();
        state.ring.clear();
        state.catchup = None;
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
        let id = entry.id;
        {
            let mut state = self.lock();
            if state.finished {
                return;
            }
            if let Some(tap) = self.tap.get() {
                tap(&entry);
            }
            if let Some(k) = catchup {
                state.catchup = Some(Arc::new(k));
            }
            state.ring.push(Arc::clone(&entry), self.bounds);
            if entry.kind == EntryKind::End {
                state.finished = true;
            }
            state.writers.publish(&entry);
            // No receivers is fine: the ring keeps the event for later resumes.
            let _ = state.tx.send(entry);
        }
        self.seats
            .scan(tokio::time::Instant::now(), id, self.config.write_timeout());
    }

    /// Whether viewers of this hub may be written directly by fan-out writers.
    pub fn writes_directly(&self) -> bool {
        self.config.viewers_per_writer > 0
    }

    /// Hand a direct viewer of this hub (its head written) to a fan-out writer.
    pub fn attach_direct(&self, viewer: DirectViewer, counters: &ViewerCounters) {
        let config = WriterConfig {
            viewers: self.config.viewers_per_writer,
            queue: self.config.lag_events,
            keepalive: std::time::Duration::from_millis(self.config.keepalive_ms),
        };
        self.lock().writers.attach(viewer, &config, counters);
    }

    /// Fan-out writers running for this hub (tests).
    #[cfg(test)]
    pub(crate) fn writers(&self) -> usize {
        self.lock().writers.len()
    }

    /// Judge the seats' write timeout as if it were `now` (tests).
    #[cfg(test)]
    pub(crate) fn scan_seats(&self, now: tokio::time::Instant) -> usize {
        let newest = self.lock().ring.newest().unwrap_or(EventId(0));
        self.seats.scan(now, newest, self.config.write_timeout())
    }

    /// Connect a spectator, resuming exactly after `last` when the ring holds every
    /// event after it; otherwise starting at the newest retained keyframe (or at the
    /// next one, when none is retained).
    pub fn subscribe(
        self: &Arc<Self>,
        last: Option<EventId>,
    ) -> Result<Subscription, SubscribeError> {
        let state = self.lock();
        if state.finished {
            return Err(SubscribeError::Finished);
        }
        if !try_increment(&self.subscribers, self.config.max_per_room) {
            return Err(SubscribeError::RoomFull(self.config.max_per_room));
        }
        if !try_increment(&self.total.0, self.config.max_total) {
            self.subscribers.fetch_sub(1, Ordering::AcqRel);
            return Err(SubscribeError::ServerFull(self.config.max_total));
        }
        let seat = Arc::new(Seat::new(
            Arc::clone(&self.subscribers),
            self.total.clone(),
            state.ring.newest(),
        ));
        self.seats.add(Arc::clone(&seat), self.spectators());
        self.active.store(true, Ordering::Release);
        let feed_interrupted = self.feed_interrupted();
        let (backlog, start) = state.ring.backlog(last.filter(|_| !feed_interrupted));
        let await_keyframe = start == Start::NextKeyframe;
        if await_keyframe {
            self.wants_keyframe.store(true, Ordering::Release);
        }
        Ok(Subscription {
            backlog,
            live: state.tx.subscribe(),
            await_keyframe,
            start,
            feed_interrupted,
            hub: Arc::clone(self),
            seat,
        })
    }
}

#[cfg(test)]
#[path = "hub_tests.rs"]
mod tests;
