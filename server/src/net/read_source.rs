//! A player socket's read end, as both of its readers see it (the room at its
//! tick and the session's tungstenite, [`super::ws_read`]): what to read now, and
//! who tells of new data: tokio's reactor, or the room's own poller once the socket
//! was handed to it ([`Source::hand_reads_to_room`], see `super::taken_socket`).

use crate::room::ready::ReadMark;
use std::io;
use std::task::{Context, Poll};

/// A socket's read end: what both readers read through.
pub trait Source: Send + Sync {
    /// Read what is there now, without waiting (`WouldBlock`: nothing). While the
    /// reactor tells of data, a read shorter than `buf` drained the socket: its
    /// readiness is cleared, so the next [`Source::poll_read_ready`] waits for new
    /// data.
    fn try_read(&self, buf: &mut [u8]) -> io::Result<usize>;

    /// Wait until the socket may have something to read (through the reactor;
    /// not while [`Source::polled_by_room`]).
    fn poll_read_ready(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>>;

    /// Whether the room's poller, not the reactor, tells of new data: a reader
    /// that finds nothing then waits for the room to wake it.
    fn polled_by_room(&self) -> bool {
        false
    }

    /// From now on let the room's poller tell of new data, setting `mark`; false
    /// when the socket cannot (the reactor goes on telling).
    fn hand_reads_to_room(&self, mark: &ReadMark) -> bool {
        let _ = mark;
        false
    }

    /// The reactor tells of new data again (the session reads alone from now on).
    fn take_reads_back(&self) {}
}

/// A read inside tokio's `try_io`, where a `WouldBlock` clears the readiness tokio
/// cached (unless new data came meanwhile): a read shorter than `len` drained the
/// socket, so it is told to tokio as one, its count kept in `count` for the
/// caller ([`counted`]).
pub fn short_read_drains(
    read: io::Result<usize>,
    len: usize,
    count: &mut Option<usize>,
) -> io::Result<usize> {
    let n = read?;
    *count = Some(n);
    if n > 0 && n < len {
        Err(io::ErrorKind::WouldBlock.into())
    } else {
        Ok(n)
    }
}

/// What the caller of a [`short_read_drains`] read gets: the count when the read
/// ran, else what `try_io` said.
pub fn counted(count: Option<usize>, result: io::Result<usize>) -> io::Result<usize> {
    count.map_or(result, Ok)
}

impl Source for tokio::net::TcpStream {
    fn try_read(&self, buf: &mut [u8]) -> io::Result<usize> {
        use std::io::Read;
        let (len, mut count) = (buf.len(), None);
        let result = self.try_io(tokio::io::Interest::READABLE, || {
            let socket = socket2::SockRef::from(self);
            short_read_drains((&*socket).read(buf), len, &mut count)
        });
        counted(count, result)
    }

    fn poll_read_ready(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        tokio::net::TcpStream::poll_read_ready(self, cx)
    }
}
