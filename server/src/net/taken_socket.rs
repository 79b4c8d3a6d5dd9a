//! A player's plain TCP socket after the edge took it over ([`super::ws_taken`]),
//! used by two parties: its session, through tokio's reactor, and its room, by
//! non-blocking calls at its ticks (writes of snapshots, reads of inputs).
//!
//! While the room reads the player's inputs (from its seat on), the socket is out
//! of tokio's read interest and in the room's own poller instead
//! ([`ReadMark::watch`]): an input then wakes no thread at all, where tokio's
//! reactor would have woken a runtime worker parked in `epoll_wait` for each one
//! (with 200 players answering every snapshot, a sixth of the server's CPU).
//! tokio keeps the write interest, for the session's writes to a full socket. When
//! the session takes reading back for good (its close), or the room's poller cannot
//! be had, the socket is in tokio's read interest again and the room is told of
//! data by the reactor (a [`ReadMark`] as the read waker), as before.

use super::read_source::{Source, counted, short_read_drains};
use crate::room::ready::ReadMark;
use crate::spectators::direct::Sink;
use std::io::{self, IoSlice, Read, Write};
use std::net::TcpStream;
use std::os::fd::AsRawFd;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll};
use tokio::io::Interest;
use tokio::io::unix::AsyncFd;

/// A taken-over player socket, shared by its session and its room.
#[derive(Debug)]
pub struct TakenSocket {
    stream: Arc<TcpStream>,
    /// The socket in tokio's reactor: read and write interest, or write only while
    /// the room's poller watches its reads. `None` only if registering it again
    /// failed: the session's IO then fails and it ends.
    reactor: Mutex<Option<AsyncFd<Arc<TcpStream>>>>,
    /// The mark the room's poller sets for this socket, while it watches it.
    watched: Mutex<Option<ReadMark>>,
    /// Reads are the room poller's to report (mirrors `watched`, read lock-free).
    polled: AtomicBool,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // Nothing that holds these locks panics: a poisoned lock is still consistent.
    m.lock().unwrap_or_else(|p| p.into_inner())
}

fn both() -> Interest {
    Interest::READABLE.add(Interest::WRITABLE)
}

/// `stream` in tokio's reactor with `interest`. tokio deprecated this safe
/// constructor for an unsafe one (tokio#8587: an `AsRawFd` whose descriptor
/// changes or closes while registered would be unsound); the project forbids
/// `unsafe`, and what that contract asks holds here: the `Arc` keeps the one
/// `TcpStream` open and its descriptor unchanged for as long as the `AsyncFd`
/// (which [`TakenSocket`] drops or unwraps before its own `Arc`).
#[allow(deprecated)]
fn register(stream: &Arc<TcpStream>, interest: Interest) -> io::Result<AsyncFd<Arc<TcpStream>>> {
    AsyncFd::with_interest(Arc::clone(stream), interest)
}

fn gone() -> io::Error {
    io::Error::new(io::ErrorKind::NotConnected, "socket left the reactor")
}

impl TakenSocket {
    /// Take `tcp` out of tokio's hands into ours (same reactor, same interest).
    pub fn new(tcp: tokio::net::TcpStream) -> io::Result<TakenSocket> {
        let stream = Arc::new(tcp.into_std()?);
        let reactor = register(&stream, both())?;
        Ok(TakenSocket {
            stream,
            reactor: Mutex::new(Some(reactor)),
            watched: Mutex::new(None),
            polled: AtomicBool::new(false),
        })
    }

    /// Register the socket with tokio again, with `interest` only.
    fn reregister(&self, interest: Interest) -> io::Result<()> {
        let mut reactor = lock(&self.reactor);
        if let Some(old) = reactor.take() {
            // Out of the reactor first: one fd is in one epoll set once.
            drop(old.into_inner());
        }
        *reactor = Some(register(&self.stream, interest)?);
        Ok(())
    }
}

impl Source for TakenSocket {
    fn try_read(&self, buf: &mut [u8]) -> io::Result<usize> {
        if self.polled.load(Ordering::Acquire) {
            return (&*self.stream).read(buf);
        }
        let reactor = lock(&self.reactor);
        let Some(fd) = reactor.as_ref() else {
            return Err(gone());
        };
        let (len, mut count) = (buf.len(), None);
        let result = fd.try_io(Interest::READABLE, |stream| {
            short_read_drains((&**stream).read(buf), len, &mut count)
        });
        counted(count, result)
    }

    fn poll_read_ready(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let reactor = lock(&self.reactor);
        let Some(fd) = reactor.as_ref() else {
            return Poll::Ready(Err(gone()));
        };
        fd.poll_read_ready(cx)
            .map_ok(|mut ready| ready.retain_ready())
    }

    fn polled_by_room(&self) -> bool {
        self.polled.load(Ordering::Acquire)
    }

    /// Into the room's poller, out of tokio's read interest. Data already waiting
    /// is reported at the room's next ask (epoll reports a socket's state when it
    /// is added).
    fn hand_reads_to_room(&self, mark: &ReadMark) -> bool {
        let fd = self.stream.as_raw_fd();
        if mark.watch(fd).is_err() {
            return false;
        }
        if self.reregister(Interest::WRITABLE).is_err() {
            mark.unwatch(fd);
            // Back as it was; if even that fails, the session's IO fails and ends it.
            let _ = self.reregister(both());
            return false;
        }
        *lock(&self.watched) = Some(mark.clone());
        self.polled.store(true, Ordering::Release);
        true
    }

    fn take_reads_back(&self) {
        let Some(mark) = lock(&self.watched).take() else {
            return;
        };
        self.polled.store(false, Ordering::Release);
        mark.unwatch(self.stream.as_raw_fd());
        // A failure leaves no registration: the session's next IO fails.
        let _ = self.reregister(both());
    }
}

impl Sink for TakenSocket {
    fn poll_write_ready(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let reactor = lock(&self.reactor);
        let Some(fd) = reactor.as_ref() else {
            return Poll::Ready(Err(gone()));
        };
        fd.poll_write_ready(cx)
            .map_ok(|mut ready| ready.retain_ready())
    }

    /// The session's write: a `WouldBlock` clears tokio's write readiness, so its
    /// next [`Sink::poll_write_ready`] waits for the socket.
    fn try_write(&self, buf: &[u8]) -> io::Result<usize> {
        let reactor = lock(&self.reactor);
        let Some(fd) = reactor.as_ref() else {
            return Err(gone());
        };
        fd.try_io(Interest::WRITABLE, |stream| (&**stream).write(buf))
    }

    /// The room's write of a snapshot: straight to the socket, past the reactor
    /// (a refusal leaves the frame to the session, whose own write then finds out
    /// through [`Sink::try_write`]). `sendmsg(2)`, not `writev(2)`: the same
    /// gathered write without the file layer's work for each call.
    fn try_write_vectored(&self, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
        socket2::SockRef::from(&*self.stream).send_vectored(bufs)
    }
}

impl Drop for TakenSocket {
    /// Out of the room's poller before the socket closes.
    fn drop(&mut self) {
        if let Some(mark) = lock(&self.watched).take() {
            mark.unwatch(self.stream.as_raw_fd());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::room::ready::ReadyList;
    use std::time::Duration;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    /// A taken socket and its peer, over loopback.
    async fn pair() -> (TakenSocket, tokio::net::TcpStream) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let peer = tokio::net::TcpStream::connect(listener.local_addr().unwrap())
            .await
            .unwrap();
        let (ours, _) = listener.accept().await.unwrap();
        (TakenSocket::new(ours).unwrap(), peer)
    }

    /// The room's ticks until one lists something (at most 2 s of them).
    async fn tick_until_listed(list: &ReadyList) -> Vec<u64> {
        for _ in 0..200 {
            let taken = list.take();
            if !taken.is_empty() {
                return taken;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        Vec::new()
    }

    #[tokio::test]
    async fn reads_go_to_the_rooms_poller_and_back_to_the_reactor() {
        let (socket, mut peer) = pair().await;
        let list = ReadyList::default();
        let mark = list.mark_for(3);
        assert!(socket.hand_reads_to_room(&mark));
        assert!(socket.polled_by_room());

        peer.write_all(b"abc").await.unwrap();
        assert_eq!(tick_until_listed(&list).await, vec![3]);
        let mut buf = [0u8; 8];
        assert_eq!(socket.try_read(&mut buf).unwrap(), 3);
        let nothing = socket.try_read(&mut buf).unwrap_err();
        assert_eq!(nothing.kind(), io::ErrorKind::WouldBlock);

        // Taken back: the reactor tells of data, the room's poller no more.
        mark.clear();
        socket.take_reads_back();
        assert!(!socket.polled_by_room());
        peer.write_all(b"de").await.unwrap();
        tokio::time::timeout(
            Duration::from_secs(5),
            std::future::poll_fn(|cx| socket.poll_read_ready(cx)),
        )
        .await
        .expect("the reactor tells")
        .unwrap();
        assert_eq!(socket.try_read(&mut buf).unwrap(), 2);
        assert_eq!(list.take(), Vec::<u64>::new());
    }

    #[tokio::test]
    async fn a_full_socket_refuses_both_writers_until_the_peer_reads() {
        let (socket, mut peer) = pair().await;
        let list = ReadyList::default();
        assert!(socket.hand_reads_to_room(&list.mark_for(1)));
        // The room's writes go straight to the socket until it is full.
        let chunk = vec![7u8; 64 * 1024];
        let mut written = 0;
        loop {
            match socket.try_write_vectored(&[IoSlice::new(&chunk)]) {
                Ok(n) => written += n,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) => panic!("write failed: {e}"),
            }
        }
        let session = socket.try_write(b"control").unwrap_err();
        assert_eq!(session.kind(), io::ErrorKind::WouldBlock);

        // The peer reads everything: the session's wait for room ends (tokio
        // kept the write interest) and both write again.
        let reader = tokio::spawn(async move {
            let mut got = vec![0u8; written];
            peer.read_exact(&mut got).await.unwrap();
            peer
        });
        let _peer = reader.await.unwrap();
        tokio::time::timeout(
            Duration::from_secs(5),
            std::future::poll_fn(|cx| socket.poll_write_ready(cx)),
        )
        .await
        .expect("writable again")
        .unwrap();
        assert_eq!(socket.try_write(b"hello").unwrap(), 5);
        let room = socket.try_write_vectored(&[IoSlice::new(b"snap"), IoSlice::new(b"shot")]);
        assert_eq!(room.unwrap(), 8);
    }
}
