//! Fan-out writers: tasks that each write a room's events to up to
//! [`SpectatorConfig::viewers_per_writer`](super::SpectatorConfig) direct viewers'
//! sockets ([`super::direct`]).
//!
//! With a response body per viewer, one published event costs a wake-up, a task
//! poll and HTTP framing per viewer before its `write`. A writer is woken once per
//! event and makes the writes for all its viewers in one go, so what an event costs
//! per viewer is close to the `write` alone. Each writer has a bounded queue of
//! events from its hub; a writer too slow to keep it from filling makes all its
//! viewers skip to a keyframe (as a slow response body would), and a viewer whose
//! socket is full waits with a bounded queue of its own.
//!
//! A writer ends when its last viewer leaves; the hub starts a new one when a viewer
//! comes and every writer is full. Counting a viewer into a writer's `load` before
//! handing it over, and closing a writer only by swapping a `load` of 0 for
//! `CLOSED`, means a viewer is never handed to a writer that has ended.

use super::direct::DirectViewer;
use super::ring::Entry;
use super::seat::try_increment;
use super::viewer::ViewerCounters;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::sync::mpsc::{self, error::TrySendError};
use tokio::time::{Instant, Interval, MissedTickBehavior};

/// A writer's `load` once it has ended: no viewer is counted into it again.
const CLOSED: usize = usize::MAX;
/// Events a writer handles in one poll before it lets other tasks run.
const BATCH: usize = 16;

/// What a hub's writers need to know.
#[derive(Debug, Clone)]
pub(crate) struct WriterConfig {
    pub viewers: usize,
    pub queue: usize,
    pub keepalive: Duration,
}

/// A hub's writers (kept under the hub's lock, beside its ring).
#[derive(Default)]
pub(crate) struct Writers {
    handles: Vec<Handle>,
}

/// The hub's end of one writer.
struct Handle {
    entries: mpsc::Sender<Arc<Entry>>,
    joins: mpsc::Sender<DirectViewer>,
    load: Arc<AtomicUsize>,
    lagged: Arc<AtomicBool>,
}

impl Writers {
    /// Writers running now.
    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.handles.len()
    }

    /// Hand `entry` to every writer; never blocks (a full writer is told it lagged).
    pub fn publish(&mut self, entry: &Arc<Entry>) {
        self.handles
            .retain(|h| match h.entries.try_send(Arc::clone(entry)) {
                Ok(()) => true,
                Err(TrySendError::Full(_)) => {
                    h.lagged.store(true, Ordering::Release);
                    true
                }
                Err(TrySendError::Closed(_)) => false,
            });
    }

    /// Give `viewer` to a writer with room for it, starting one when none has.
    pub fn attach(
        &mut self,
        mut viewer: DirectViewer,
        config: &WriterConfig,
        counters: &ViewerCounters,
    ) {
        let per_writer = config.viewers.max(1);
        for h in &self.handles {
            if !try_increment(&h.load, per_writer) {
                continue;
            }
            match h.joins.try_send(viewer) {
                Ok(()) => return,
                Err(e) => {
                    h.load.fetch_sub(1, Ordering::AcqRel);
                    viewer = e.into_inner();
                }
            }
        }
        let (entries_tx, entries) = mpsc::channel(config.queue.max(1));
        // Joins are counted into `load` first, so at most `per_writer` wait.
        let (joins_tx, joins) = mpsc::channel(per_writer);
        let load = Arc::new(AtomicUsize::new(1));
        let lagged = Arc::new(AtomicBool::new(false));
        let period = config.keepalive.max(Duration::from_millis(1));
        let mut keepalive = tokio::time::interval_at(Instant::now() + period, period);
        keepalive.set_missed_tick_behavior(MissedTickBehavior::Delay);
        if joins_tx.try_send(viewer).is_err() {
            return;
        }
        tokio::spawn(Writer {
            entries,
            joins,
            load: Arc::clone(&load),
            lagged: Arc::clone(&lagged),
            keepalive,
            counters: counters.clone(),
            viewers: Vec::new(),
        });
        self.handles.push(Handle {
            entries: entries_tx,
            joins: joins_tx,
            load,
            lagged,
        });
    }
}

/// One writer task: its viewers and its queue of events.
struct Writer {
    entries: mpsc::Receiver<Arc<Entry>>,
    joins: mpsc::Receiver<DirectViewer>,
    load: Arc<AtomicUsize>,
    lagged: Arc<AtomicBool>,
    keepalive: Interval,
    counters: ViewerCounters,
    viewers: Vec<DirectViewer>,
}

impl Writer {
    /// Every viewer skips to a keyframe: the hub had to drop an event for us.
    fn take_lag(&mut self) {
        if self.lagged.swap(false, Ordering::AcqRel) {
            for v in &mut self.viewers {
                v.lag(&self.counters);
            }
        }
    }
}

impl Future for Writer {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let w = self.get_mut();
        while let Poll::Ready(Some(mut viewer)) = w.joins.poll_recv(cx) {
            viewer.start(&w.counters);
            w.viewers.push(viewer);
        }
        let mut handled = 0;
        loop {
            w.take_lag();
            if handled == BATCH {
                cx.waker().wake_by_ref();
                break;
            }
            match w.entries.poll_recv(cx) {
                Poll::Ready(Some(entry)) => {
                    for v in &mut w.viewers {
                        v.offer(&entry, &w.counters);
                    }
                    handled += 1;
                }
                Poll::Ready(None) | Poll::Pending => break,
            }
        }
        while w.keepalive.poll_tick(cx).is_ready() {
            let period = w.keepalive.period();
            for v in &mut w.viewers {
                v.keepalive(period);
            }
        }
        for v in w.viewers.iter_mut().filter(|v| v.is_slow()) {
            v.poll_slow(cx);
        }
        let before = w.viewers.len();
        w.viewers.retain(|v| !v.is_gone());
        let left = before - w.viewers.len();
        if left > 0 {
            w.load.fetch_sub(left, Ordering::AcqRel);
        }
        if w.viewers.is_empty()
            && w.load
                .compare_exchange(0, CLOSED, Ordering::AcqRel, Ordering::Acquire)
                .is_ok()
        {
            return Poll::Ready(());
        }
        Poll::Pending
    }
}

#[cfg(test)]
#[path = "fanout_tests.rs"]
mod tests;
