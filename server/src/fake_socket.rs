//! A socket for unit tests of the direct writers (spectators' fan-out, players'
//! direct WebSocket): a receive window the test opens by hand, a peer that can
//! break, and a count of write calls. It implements the writers'
//! [`Sink`](crate::spectators::direct::Sink).

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
