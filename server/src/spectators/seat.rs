//! A spectator's place in a room: the per-room and per-server limits, the
//! [`Subscription`] a viewer reads, and the write-timeout watch that frees the place
//! of a viewer that stopped taking events.
//!
//! No viewer has a timer of its own for the write timeout. A viewer records the
//! newest event id it has taken ([`Subscription::took`]); its hub, whenever it
//! publishes, at most every quarter of `write_timeout_secs`, notes its newest id
//! with the time (`Seats::scan`). A viewer whose newest taken id is older than the
//! id the hub had published `write_timeout_secs` ago has left an event untaken that
//! long: its place is given back (counted) and its stream ends when next polled. A
//! viewer waiting for events that do not come is never dropped.

use super::hub::Hub;
use super::ring::{Entry, Start};
use prometheus_client::metrics::counter::Counter;
use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;
use thiserror::Error;
use tickcast_shared::spectate::EventId;
use tokio::sync::broadcast;
use tokio::time::Instant;

/// Spectators connected to the whole server (for the per-server limit and metrics).
#[derive(Debug, Clone, Default)]
pub struct SpectatorCounter(pub(crate) Arc<AtomicUsize>);

impl SpectatorCounter {
    pub fn get(&self) -> usize {
        self.0.load(Ordering::Relaxed)
    }
}

/// Add one to `n` unless it is at `max`.
pub(crate) fn try_increment(n: &AtomicUsize, max: usize) -> bool {
    n.fetch_update(Ordering::AcqRel, Ordering::Acquire, |v| {
        (v < max).then_some(v + 1)
    })
    .is_ok()
}

/// Why a spectator could not subscribe.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum SubscribeError {
    #[error("this room has its maximum of {0} spectators")]
    RoomFull(usize),
    #[error("this server has its maximum of {0} spectators")]
    ServerFull(usize),
    #[error("the match is over")]
    Finished,
}

/// One taken place: counted in its room and on the server until released (once).
#[derive(Debug)]
pub(crate) struct Seat {
    room: Arc<AtomicUsize>,
    total: SpectatorCounter,
    released: AtomicBool,
    /// The newest event id the viewer took.
    taken: AtomicU64,
    /// Set when the viewer is subject to the write timeout: counts its timeout.
    timeouts: OnceLock<Counter>,
}

impl Seat {
    /// A place already counted in `room` and `total`.
    pub fn new(room: Arc<AtomicUsize>, total: SpectatorCounter, taken: Option<EventId>) -> Seat {
        Seat {
            room,
            total,
            released: AtomicBool::new(false),
            taken: AtomicU64::new(taken.map_or(0, |id| id.0)),
            timeouts: OnceLock::new(),
        }
    }

    /// Give the place back; true the first time only.
    fn release(&self) -> bool {
        let first = !self.released.swap(true, Ordering::AcqRel);
        if first {
            self.room.fetch_sub(1, Ordering::AcqRel);
            self.total.0.fetch_sub(1, Ordering::AcqRel);
        }
        first
    }

    fn is_released(&self) -> bool {
        self.released.load(Ordering::Acquire)
    }
}

/// The seats of one hub and the marks the write timeout is judged by.
#[derive(Debug, Default)]
pub(crate) struct Seats {
    inner: Mutex<SeatsInner>,
}

#[derive(Debug, Default)]
struct SeatsInner {
    seats: Vec<Arc<Seat>>,
    /// (when, the newest id published then), oldest first.
    marks: VecDeque<(Instant, EventId)>,
    last_scan: Option<Instant>,
}

impl Seats {
    fn lock(&self) -> std::sync::MutexGuard<'_, SeatsInner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Keep `seat` under watch (released seats are forgotten as the list grows).
    pub fn add(&self, seat: Arc<Seat>, live: usize) {
        let mut inner = self.lock();
        if inner.seats.len() > live.saturating_mul(2).saturating_add(64) {
            inner.seats.retain(|s| !s.is_released());
        }
        inner.seats.push(seat);
    }

    /// The hub published up to `newest` at `now`: at most every quarter of
    /// `timeout`, note it and release every armed seat that has not taken the
    /// newest id of `timeout` ago. Returns how many were released.
    pub fn scan(&self, now: Instant, newest: EventId, timeout: Duration) -> usize {
        let period = (timeout / 4).max(Duration::from_millis(10));
        let mut inner = self.lock();
        if inner
            .last_scan
            .is_some_and(|t| now.saturating_duration_since(t) < period)
        {
            return 0;
        }
        inner.last_scan = Some(now);
        inner.marks.push_back((now, newest));
        let Some(cutoff) = now.checked_sub(timeout) else {
            return 0;
        };
        while inner.marks.get(1).is_some_and(|&(t, _)| t <= cutoff) {
            inner.marks.pop_front();
        }
        let judge = inner
            .marks
            .front()
            .filter(|&&(t, _)| t <= cutoff)
            .map(|&(_, id)| id.0);
        inner.seats.retain(|s| !s.is_released());
        let Some(judge) = judge else { return 0 };
        let mut released = 0;
        for seat in &inner.seats {
            let Some(counter) = seat.timeouts.get() else {
                continue;
            };
            if seat.taken.load(Ordering::Acquire) < judge && seat.release() {
                counter.inc();
                released += 1;
            }
        }
        inner.seats.retain(|s| !s.is_released());
        released
    }
}

/// A connected spectator: the events to send first, then the live channel. Dropping
/// it gives its place back.
pub struct Subscription {
    pub backlog: Vec<Arc<Entry>>,
    pub live: broadcast::Receiver<Arc<Entry>>,
    /// The backlog holds no keyframe: skip live events until one comes.
    pub await_keyframe: bool,
    pub start: Start,
    /// The hub's feed was interrupted (a cluster mirror cut off from its room's
    /// owner): no resume was exact, whatever the ring holds.
    pub feed_interrupted: bool,
    pub(crate) hub: Arc<Hub>,
    pub(crate) seat: Arc<Seat>,
}

impl Subscription {
    /// The hub this spectator watches.
    pub fn hub(&self) -> &Arc<Hub> {
        &self.hub
    }

    /// From now on, free this place (and count it in `timeouts`) when the viewer
    /// leaves an event untaken for the hub's `write_timeout_secs`.
    pub fn arm_write_timeout(&self, timeouts: Counter) {
        let _ = self.seat.timeouts.set(timeouts);
    }

    /// The viewer took (sent or skipped) the event `id`.
    pub fn took(&self, id: EventId) {
        self.seat.taken.fetch_max(id.0, Ordering::AcqRel);
    }

    /// Give the place back as timed out (counted when armed): for a writer that
    /// saw the viewer take nothing for the write timeout after the hub stopped
    /// publishing.
    pub fn time_out(&self) {
        if self.seat.release()
            && let Some(counter) = self.seat.timeouts.get()
        {
            counter.inc();
        }
    }

    /// The place was given back by the write timeout: the stream must end.
    pub fn timed_out(&self) -> bool {
        self.seat.is_released()
    }
}

impl Drop for Subscription {
    fn drop(&mut self) {
        self.seat.release();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seat(taken: u64) -> (Arc<Seat>, SpectatorCounter) {
        let total = SpectatorCounter::default();
        total.0.store(1, Ordering::Release);
        let room = Arc::new(AtomicUsize::new(1));
        (
            Arc::new(Seat::new(room, total.clone(), Some(EventId(taken)))),
            total,
        )
    }

    #[test]
    fn an_armed_seat_that_takes_nothing_for_the_timeout_is_released_once() {
        let seats = Seats::default();
        let timeout = Duration::from_secs(4);
        let (stalled, total) = seat(10);
        let (taking, _) = seat(10);
        let (unarmed, _) = seat(10);
        let counter = Counter::default();
        for s in [&stalled, &taking] {
            let _ = s.timeouts.set(counter.clone());
        }
        for s in [&stalled, &taking, &unarmed] {
            seats.add(Arc::clone(s), 3);
        }
        let t0 = Instant::now();
        let at = |ms: u64| t0 + Duration::from_secs(10) + Duration::from_millis(ms);
        assert_eq!(seats.scan(at(0), EventId(20), timeout), 0);
        // Within the timeout nothing is judged; `taking` takes each new id.
        for (ms, id) in [(1000, 24), (2000, 28), (3000, 32)] {
            taking.taken.fetch_max(id, Ordering::AcqRel);
            assert_eq!(seats.scan(at(ms), EventId(id), timeout), 0);
        }
        taking.taken.fetch_max(36, Ordering::AcqRel);
        // Four seconds after id 20 was published, `stalled` still has only 10.
        assert_eq!(seats.scan(at(4000), EventId(36), timeout), 1);
        assert!(stalled.is_released() && !taking.is_released() && !unarmed.is_released());
        assert_eq!(counter.get(), 1);
        assert_eq!(total.get(), 0, "the place is given back");
        assert_eq!(seats.scan(at(5000), EventId(40), timeout), 0, "once only");
    }

    #[test]
    fn a_seat_waiting_for_events_that_do_not_come_is_kept() {
        let seats = Seats::default();
        let (waiting, _) = seat(20);
        let _ = waiting.timeouts.set(Counter::default());
        seats.add(Arc::clone(&waiting), 1);
        let t0 = Instant::now() + Duration::from_secs(10);
        assert_eq!(seats.scan(t0, EventId(20), Duration::from_secs(1)), 0);
        let later = t0 + Duration::from_secs(60);
        assert_eq!(seats.scan(later, EventId(20), Duration::from_secs(1)), 0);
        assert!(!waiting.is_released());
    }
}
