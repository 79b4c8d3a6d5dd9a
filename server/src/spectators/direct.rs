//! One viewer whose socket a fan-out writer ([`super::fanout`]) writes to directly,
//! without an HTTP body, a task or a wake-up of its own.
//!
//! The response head is already written when the viewer gets here; what follows is
//! the event stream itself, delimited by the connection's close. Each event is
//! written with one non-blocking `write` the moment its writer receives it. What a
//! socket does not accept at once waits in the viewer's queue (bounded by
//! `lag_events`; past that the viewer skips to a keyframe like any lagging viewer)
//! until its writer sees the socket writable again.
//!
//! The viewer leaves (its socket is closed and its place given back) when `end`
//! went out, when a write fails (the peer left), when the write timeout freed its
//! place, or when the connection that handed it over is gone (server shutdown).

use super::hub::Hub;
use super::ring::Entry;
use super::seat::Subscription;
use super::viewer::{Pass, ViewerCounters};
use bytes::Bytes;
use std::collections::VecDeque;
use std::io;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;
use tickcast_shared::spectate::{EventId, Format};
use tokio::sync::broadcast::error::TryRecvError;
use tokio::sync::oneshot;

/// The comment line written to a viewer that got nothing for a keep-alive period.
pub const KEEPALIVE: &[u8] = b": keep-alive\n\n";

/// Where a direct viewer's bytes go: a non-blocking socket.
pub trait Sink: Send + Sync + 'static {
    /// Ready when the socket may accept bytes again (registers `cx` otherwise).
    fn poll_write_ready(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>>;
    /// Write what the socket accepts now (`WouldBlock` when nothing).
    fn try_write(&self, buf: &[u8]) -> io::Result<usize>;
    /// Write what the socket accepts now of `bufs`, in order, with one call
    /// (`WouldBlock` when nothing). By default the first non-empty buffer only.
    fn try_write_vectored(&self, bufs: &[io::IoSlice<'_>]) -> io::Result<usize> {
        match bufs.iter().find(|b| !b.is_empty()) {
            Some(buf) => self.try_write(buf),
            None => Ok(0),
        }
    }
}

impl Sink for tokio::net::TcpStream {
    fn poll_write_ready(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        tokio::net::TcpStream::poll_write_ready(self, cx)
    }

    fn try_write(&self, buf: &[u8]) -> io::Result<usize> {
        tokio::net::TcpStream::try_write(self, buf)
    }

    fn try_write_vectored(&self, bufs: &[io::IoSlice<'_>]) -> io::Result<usize> {
        tokio::net::TcpStream::try_write_vectored(self, bufs)
    }
}

/// A viewer handed to a fan-out writer.
pub struct DirectViewer {
    sub: Subscription,
    pass: Pass,
    sink: Box<dyn Sink>,
    /// Written first: `retry:` and a reset, when there is one.
    first: Vec<Bytes>,
    /// Text for the socket, oldest first; `offset` bytes of the front are written.
    pending: VecDeque<Bytes>,
    offset: usize,
    /// The newest event id this viewer has seen (written, queued or skipped).
    seen: Option<EventId>,
    /// The newest id whose text is in `pending` (taken once `pending` drains).
    owed: Option<EventId>,
    /// Something was written since the last keep-alive round.
    wrote: bool,
    /// Keep-alive rounds in a row in which queued text did not move.
    stuck_rounds: u32,
    gone: bool,
    /// Dropped when the viewer leaves: the connection that waits on it ends.
    leaving: oneshot::Sender<()>,
}

impl std::fmt::Debug for DirectViewer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DirectViewer")
            .field("pending", &self.pending.len())
            .field("seen", &self.seen)
            .field("gone", &self.gone)
            .finish_non_exhaustive()
    }
}

impl DirectViewer {
    /// A viewer of `sub` in `format` writing to `sink`, `first` before any event.
    /// The receiver resolves (with an error) once the viewer has left.
    pub fn new(
        sub: Subscription,
        format: Format,
        sink: Box<dyn Sink>,
        first: Vec<Bytes>,
    ) -> (DirectViewer, oneshot::Receiver<()>) {
        let (leaving, left) = oneshot::channel();
        let viewer = DirectViewer {
            pass: Pass::new(format, sub.await_keyframe),
            sub,
            sink,
            first,
            pending: VecDeque::new(),
            offset: 0,
            seen: None,
            owed: None,
            wrote: false,
            stuck_rounds: 0,
            gone: false,
            leaving,
        };
        (viewer, left)
    }

    /// The hub this viewer watches.
    pub fn hub(&self) -> &Arc<Hub> {
        self.sub.hub()
    }

    /// Joined a writer: queue the first lines, the backlog and every event that
    /// came while the head was being written, and write what the socket takes.
    pub(crate) fn start(&mut self, counters: &ViewerCounters) {
        self.pending.extend(self.first.drain(..));
        for entry in std::mem::take(&mut self.sub.backlog) {
            self.offer_queued(&entry, counters);
        }
        loop {
            match self.sub.live.try_recv() {
                Ok(entry) => self.offer_queued(&entry, counters),
                Err(TryRecvError::Lagged(_)) => self.lag(counters),
                Err(TryRecvError::Empty | TryRecvError::Closed) => break,
            }
        }
        self.flush();
    }

    /// Whether the viewer has left (its writer drops it).
    pub fn is_gone(&self) -> bool {
        self.gone
    }

    /// Text waits for the socket: the writer watches it for writability.
    pub fn is_slow(&self) -> bool {
        !self.pending.is_empty()
    }

    /// Hand `entry` (published after the viewer's start, possibly seen already) to
    /// the viewer and write it now if the socket takes it.
    pub(crate) fn offer(&mut self, entry: &Arc<Entry>, counters: &ViewerCounters) {
        if self.gone {
            return;
        }
        let was_empty = self.pending.is_empty();
        self.offer_queued(entry, counters);
        if was_empty {
            self.flush();
        } else {
            self.check();
        }
    }

    /// Queue `entry` by the viewer's rules (no write).
    fn offer_queued(&mut self, entry: &Arc<Entry>, counters: &ViewerCounters) {
        if self.seen.is_some_and(|seen| entry.id <= seen) {
            return;
        }
        self.seen = Some(entry.id);
        if self.pending.len() > self.sub.hub().config().lag_events {
            self.lag(counters);
        }
        match self.pass.pass(entry, self.sub.hub(), counters) {
            Some(text) => {
                self.pending.push_back(text);
                self.owed = Some(entry.id);
            }
            None if self.pending.is_empty() => self.sub.took(entry.id),
            None => {}
        }
    }

    /// Fell behind (its queue or its writer's): drop what has not begun to go out
    /// and skip to a keyframe.
    pub(crate) fn lag(&mut self, counters: &ViewerCounters) {
        let keep = usize::from(self.offset > 0);
        self.pending.truncate(keep);
        self.pass.lagged(self.sub.hub(), counters);
    }

    /// One keep-alive round (every `period`): write a keep-alive comment when
    /// nothing went out since the last round; time the viewer out when its queued
    /// text has not moved for the write timeout (the hub judges that only while it
    /// publishes; after `end` it no longer does).
    pub(crate) fn keepalive(&mut self, period: Duration) {
        if self.gone {
            return;
        }
        if self.pending.is_empty() {
            self.stuck_rounds = 0;
            if !self.wrote {
                self.pending.push_back(Bytes::from_static(KEEPALIVE));
                self.flush();
            }
        } else if self.wrote {
            self.stuck_rounds = 0;
        } else {
            self.stuck_rounds = self.stuck_rounds.saturating_add(1);
            let timeout = self.sub.hub().config().write_timeout();
            if period.saturating_mul(self.stuck_rounds) >= timeout {
                self.sub.time_out();
                self.gone = true;
            }
        }
        self.wrote = false;
    }

    /// A slow viewer: write what its socket takes once it is writable again.
    pub(crate) fn poll_slow(&mut self, cx: &mut Context<'_>) {
        if self.gone || self.pending.is_empty() {
            return;
        }
        if self.leaving.poll_closed(cx).is_ready() {
            self.gone = true;
            return;
        }
        // Until the socket is full again (then `cx` is registered for writability).
        while !self.gone && !self.pending.is_empty() {
            match self.sink.poll_write_ready(cx) {
                Poll::Ready(Ok(())) => self.flush(),
                Poll::Ready(Err(_)) => self.gone = true,
                Poll::Pending => return,
            }
        }
    }

    /// Write queued text until the socket stops taking it.
    fn flush(&mut self) {
        while let Some(front) = self.pending.front() {
            match self.sink.try_write(&front[self.offset..]) {
                Ok(0) => {
                    self.gone = true;
                    return;
                }
                Ok(n) => {
                    self.wrote = true;
                    self.offset += n;
                    if self.offset == front.len() {
                        self.pending.pop_front();
                        self.offset = 0;
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(_) => {
                    self.gone = true;
                    return;
                }
            }
        }
        if self.pending.is_empty()
            && let Some(id) = self.owed.take()
        {
            self.sub.took(id);
        }
        self.check();
    }

    /// Leave when the stream is over, the place was freed or the connection is gone.
    fn check(&mut self) {
        let over = self.pass.is_done() && self.pending.is_empty();
        if over || self.sub.timed_out() || self.leaving.is_closed() {
            self.gone = true;
        }
    }
}
