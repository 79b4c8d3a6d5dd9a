//! A socket for unit tests of the direct writers (spectators' fan-out, players'
//! direct WebSocket): a receive window the test opens by hand, a peer that can
//! break, a count of write calls, and bytes the peer sent that the test feeds by
//! hand. It implements the writers' [`Sink`](crate::spectators::direct::Sink) and
//! the players' read side's [`Source`](crate::net::read_source::Source).

use crate::spectators::direct::Sink;
use std::io;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};

/// What a fake socket's peer received, and how much more it accepts now.
#[derive(Default)]
struct Peer {
    received: Vec<u8>,
    /// Bytes the socket accepts before it is full.
    room: usize,
    broken: bool,
    /// Write calls that moved bytes.
    writes: usize,
    waker: Option<Waker>,
    /// Bytes the peer sent, not yet read.
    sent: std::collections::VecDeque<u8>,
    /// The peer closed its side: reads end once `sent` is read.
    ended: bool,
    /// Read calls that returned bytes or the end.
    reads: usize,
    read_waker: Option<Waker>,
    /// Whether the socket lets a room's poller watch it ([`FakeSocket::pollable`]).
    pollable: bool,
    /// The watching poller's mark, set when the peer sends (as a room's poller
    /// would report it).
    polled: Option<crate::room::ready::ReadMark>,
}

impl Peer {
    fn data_came(&mut self) {
        if let Some(mark) = &self.polled {
            mark.mark();
        } else if let Some(w) = self.read_waker.take() {
            w.wake();
        }
    }
}

/// A socket whose peer is the test (clones share it).
#[derive(Clone, Default)]
pub struct FakeSocket(Arc<Mutex<Peer>>);

impl FakeSocket {
    /// A socket that accepts `room` bytes before it is full.
    pub fn with_room(room: usize) -> FakeSocket {
        let s = FakeSocket::default();
        s.peer().room = room;
        s
    }

    fn peer(&self) -> std::sync::MutexGuard<'_, Peer> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Everything the peer received.
    pub fn bytes(&self) -> Vec<u8> {
        self.peer().received.clone()
    }

    /// Everything the peer received, as text.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.bytes()).into_owned()
    }

    /// Write calls that moved bytes so far.
    pub fn writes(&self) -> usize {
        self.peer().writes
    }

    /// The peer reads: `bytes` more fit, and a waiting writer is woken.
    pub fn open(&self, bytes: usize) {
        let mut p = self.peer();
        p.room += bytes;
        if let Some(w) = p.waker.take() {
            w.wake();
        }
    }

    /// A socket whose reads a room's poller may watch: while it does, data the
    /// peer sends sets the room's mark instead of waking a reader.
    pub fn pollable() -> FakeSocket {
        let s = FakeSocket::default();
        s.peer().pollable = true;
        s
    }

    /// The peer sends `bytes` (the watching poller's mark is set, or a waiting
    /// reader is woken).
    pub fn feed(&self, bytes: &[u8]) {
        let mut p = self.peer();
        p.sent.extend(bytes);
        p.data_came();
    }

    /// The peer closes its side: reads end after what it sent.
    pub fn end(&self) {
        let mut p = self.peer();
        p.ended = true;
        p.data_came();
    }

    /// Bytes the peer sent that nobody read yet.
    pub fn unread(&self) -> usize {
        self.peer().sent.len()
    }

    /// Read calls that returned bytes or the end so far.
    pub fn reads(&self) -> usize {
        self.peer().reads
    }

    /// The peer is gone: every write fails from now on.
    pub fn break_it(&self) {
        let mut p = self.peer();
        p.broken = true;
        if let Some(w) = p.waker.take() {
            w.wake();
        }
    }
}

impl Sink for FakeSocket {
    fn poll_write_ready(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let mut p = self.peer();
        if p.room > 0 || p.broken {
            return Poll::Ready(Ok(()));
        }
        p.waker = Some(cx.waker().clone());
        Poll::Pending
    }

    fn try_write(&self, buf: &[u8]) -> io::Result<usize> {
        self.try_write_vectored(&[io::IoSlice::new(buf)])
    }

    fn try_write_vectored(&self, bufs: &[io::IoSlice<'_>]) -> io::Result<usize> {
        let mut p = self.peer();
        if p.broken {
            return Err(io::ErrorKind::BrokenPipe.into());
        }
        let mut n = 0;
        for buf in bufs {
            let take = buf.len().min(p.room);
            p.room -= take;
            p.received.extend_from_slice(&buf[..take]);
            n += take;
        }
        if n == 0 {
            return Err(io::ErrorKind::WouldBlock.into());
        }
        p.writes += 1;
        Ok(n)
    }
}

impl crate::net::read_source::Source for FakeSocket {
    fn try_read(&self, buf: &mut [u8]) -> io::Result<usize> {
        let mut p = self.peer();
        if p.sent.is_empty() && !p.ended {
            return Err(io::ErrorKind::WouldBlock.into());
        }
        let n = buf.len().min(p.sent.len());
        for (slot, byte) in buf.iter_mut().zip(p.sent.drain(..n)) {
            *slot = byte;
        }
        p.reads += 1;
        Ok(n)
    }

    fn poll_read_ready(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let mut p = self.peer();
        if !p.sent.is_empty() || p.ended {
            return Poll::Ready(Ok(()));
        }
        p.read_waker = Some(cx.waker().clone());
        Poll::Pending
    }

    fn polled_by_room(&self) -> bool {
        self.peer().polled.is_some()
    }

    fn hand_reads_to_room(&self, mark: &crate::room::ready::ReadMark) -> bool {
        let mut p = self.peer();
        if p.pollable {
            p.polled = Some(mark.clone());
        }
        p.pollable
    }

    fn take_reads_back(&self) {
        self.peer().polled = None;
    }
}
