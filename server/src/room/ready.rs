//! Which players' sockets the room reads at its next tick: a room's [`ReadyList`]
//! and one [`ReadMark`] per connection.
//!
//! A mark is set when its socket may have something to read (the socket's reader
//! was just handed to the room, or data arrived). The room reads only marked
//! sockets, so a tick costs nothing for players who sent nothing.
//!
//! How data arriving sets a mark, two ways:
//! - **The room's own poller** ([`ReadMark::watch`], on unix): the socket is in an
//!   epoll set of the room's that no thread waits on; the room asks it, without
//!   waiting, at each tick ([`ReadyList::take`]). An input then wakes nothing at
//!   all, not even a runtime worker parked in tokio's `epoll_wait`: with 200
//!   players answering every snapshot, those wakes were a sixth of the server's CPU.
//!   The socket must then not be in tokio's read interest (see
//!   `net::taken_socket`).
//! - **As a [`Waker`]** registered with the socket's readiness in tokio's reactor:
//!   the reactor sets the mark itself and no task wakes, but the worker that
//!   waited in `epoll_wait` does. This is the fallback where the room's poller
//!   cannot be had.

use super::players::ConnId;
#[cfg(unix)]
use std::sync::Weak;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Wake, Waker};

/// Events the room's poller reports in one ask; more are asked for in the same
/// tick, up to [`ASKS_PER_TICK`] times.
#[cfg(unix)]
const EVENTS_PER_ASK: usize = 256;
#[cfg(unix)]
const ASKS_PER_TICK: usize = 16;

/// A room's list of connections to read at its next tick.
#[derive(Debug, Clone, Default)]
pub struct ReadyList(Arc<ReadyInner>);

#[derive(Debug, Default)]
struct ReadyInner {
    marked: Mutex<Vec<ConnId>>,
    /// The room's poller, made when the first socket is watched.
    #[cfg(unix)]
    poller: Mutex<Option<Poller>>,
}

/// The room's epoll set (through mio) and whose mark each of its sockets sets.
#[cfg(unix)]
#[derive(Debug)]
struct Poller {
    poll: mio::Poll,
    events: mio::Events,
    watched: std::collections::HashMap<ConnId, Weak<MarkInner>>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // Nothing that holds these locks panics: a poisoned lock is still consistent.
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl ReadyList {
    /// The mark of `conn` on this list.
    pub fn mark_for(&self, conn: ConnId) -> ReadMark {
        let inner = Arc::new(MarkInner {
            conn,
            queued: AtomicBool::new(false),
            list: self.clone(),
        });
        ReadMark {
            waker: Waker::from(Arc::clone(&inner)),
            inner,
        }
    }

    /// The marked connections, oldest first (the list is empty after), with those
    /// whose watched sockets received data since the last call.
    pub fn take(&self) -> Vec<ConnId> {
        #[cfg(unix)]
        self.ask_poller();
        std::mem::take(&mut *lock(&self.0.marked))
    }

    /// Mark every watched connection whose socket the poller reports, without
    /// waiting. A failed ask (interrupted) is asked again at the next tick: the
    /// poller keeps what it has not reported.
    #[cfg(unix)]
    fn ask_poller(&self) {
        let mut poller = lock(&self.0.poller);
        let Some(p) = poller.as_mut() else {
            return;
        };
        for _ in 0..ASKS_PER_TICK {
            if p.poll
                .poll(&mut p.events, Some(std::time::Duration::ZERO))
                .is_err()
            {
                return;
            }
            let mut reported = 0;
            for event in p.events.iter() {
                reported += 1;
                let conn = event.token().0 as ConnId;
                if let Some(mark) = p.watched.get(&conn).and_then(Weak::upgrade) {
                    mark.mark();
                }
            }
            if reported < EVENTS_PER_ASK {
                return;
            }
        }
    }

    /// Watch `fd` for data, as `mark`'s socket.
    #[cfg(unix)]
    fn watch(&self, fd: std::os::fd::RawFd, mark: &Arc<MarkInner>) -> std::io::Result<()> {
        let token = mio::Token(usize::try_from(mark.conn).map_err(std::io::Error::other)?);
        let mut poller = lock(&self.0.poller);
        let p = match poller.as_mut() {
            Some(p) => p,
            None => poller.insert(Poller {
                poll: mio::Poll::new()?,
                events: mio::Events::with_capacity(EVENTS_PER_ASK),
                watched: std::collections::HashMap::new(),
            }),
        };
        let mut source = mio::unix::SourceFd(&fd);
        p.poll
            .registry()
            .register(&mut source, token, mio::Interest::READABLE)?;
        p.watched.insert(mark.conn, Arc::downgrade(mark));
        Ok(())
    }

    /// Stop watching `fd` (before it closes).
    #[cfg(unix)]
    fn unwatch(&self, fd: std::os::fd::RawFd, conn: ConnId) {
        if let Some(p) = lock(&self.0.poller).as_mut()
            && p.watched.remove(&conn).is_some()
        {
            let _ = p.poll.registry().deregister(&mut mio::unix::SourceFd(&fd));
        }
    }
}

#[derive(Debug)]
struct MarkInner {
    conn: ConnId,
    /// On the list already (a connection is listed once, however often marked).
    queued: AtomicBool,
    list: ReadyList,
}

impl MarkInner {
    fn mark(&self) {
        if !self.queued.swap(true, Ordering::AcqRel) {
            lock(&self.list.0.marked).push(self.conn);
        }
    }
}

impl Wake for MarkInner {
    fn wake(self: Arc<Self>) {
        self.mark();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.mark();
    }
}

/// One connection's mark on its room's [`ReadyList`].
#[derive(Debug, Clone)]
pub struct ReadMark {
    inner: Arc<MarkInner>,
    waker: Waker,
}

impl ReadMark {
    /// Read this connection at the next tick.
    pub fn mark(&self) {
        self.inner.mark();
    }

    /// The mark as a waker, to register with the socket's readiness.
    pub fn waker(&self) -> &Waker {
        &self.waker
    }

    /// The room is about to read this connection: a mark from now on lists it
    /// again.
    pub fn clear(&self) {
        self.inner.queued.store(false, Ordering::Release);
    }

    /// Let the room's poller set this mark when data arrives on `fd`, from now on
    /// (data already there sets it at the next tick). The socket must stay open
    /// until [`ReadMark::unwatch`]. An error (no poller could be made) leaves the
    /// mark to be set as a waker.
    #[cfg(unix)]
    pub fn watch(&self, fd: std::os::fd::RawFd) -> std::io::Result<()> {
        self.inner.list.watch(fd, &self.inner)
    }

    /// The room's poller no longer watches `fd` for this mark.
    #[cfg(unix)]
    pub fn unwatch(&self, fd: std::os::fd::RawFd) {
        self.inner.list.unwatch(fd, self.inner.conn);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_connection_is_listed_once_until_the_room_clears_its_mark() {
        let list = ReadyList::default();
        let a = list.mark_for(1);
        let b = list.mark_for(2);
        a.mark();
        a.waker().wake_by_ref();
        let owned: Waker = b.waker().clone();
        owned.wake();
        a.mark();
        assert_eq!(list.take(), vec![1, 2]);
        assert_eq!(list.take(), Vec::<ConnId>::new());
        a.mark();
        assert_eq!(list.take(), Vec::<ConnId>::new(), "not cleared yet");
        a.clear();
        a.mark();
        assert_eq!(list.take(), vec![1]);
    }

    /// A connected pair of loopback sockets: (the server's end, the peer's).
    #[cfg(unix)]
    fn pair() -> (std::net::TcpStream, std::net::TcpStream) {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let peer = std::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let (ours, _) = listener.accept().unwrap();
        ours.set_nonblocking(true).unwrap();
        (ours, peer)
    }

    /// Ask the list until it lists something, for at most 2 s (the data crosses
    /// loopback on another thread's send).
    #[cfg(unix)]
    fn take_some(list: &ReadyList) -> Vec<ConnId> {
        for _ in 0..200 {
            let taken = list.take();
            if !taken.is_empty() {
                return taken;
            }
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        Vec::new()
    }

    #[cfg(unix)]
    #[test]
    fn the_rooms_poller_marks_a_watched_socket_when_data_arrives_and_only_then() {
        use std::io::{Read, Write};
        use std::os::fd::AsRawFd;
        let list = ReadyList::default();
        let (a, mut a_peer) = pair();
        let (b, _b_peer) = pair();
        let mark_a = list.mark_for(7);
        let mark_b = list.mark_for(8);
        mark_a.watch(a.as_raw_fd()).unwrap();
        mark_b.watch(b.as_raw_fd()).unwrap();
        assert_eq!(list.take(), Vec::<ConnId>::new(), "nothing sent yet");

        a_peer.write_all(b"input").unwrap();
        assert_eq!(
            take_some(&list),
            vec![7],
            "only the socket that received data"
        );
        assert_eq!(list.take(), Vec::<ConnId>::new(), "listed once per arrival");

        // The room reads it all; new data marks it again once the mark is cleared.
        mark_a.clear();
        let mut buf = [0u8; 16];
        assert_eq!((&a).read(&mut buf).unwrap(), 5);
        a_peer.write_all(b"again").unwrap();
        assert_eq!(take_some(&list), vec![7]);

        // Unwatched, and closed by its peer: the poller says nothing of it any more.
        mark_a.clear();
        mark_a.unwatch(a.as_raw_fd());
        drop(a_peer);
        std::thread::sleep(std::time::Duration::from_millis(50));
        assert_eq!(list.take(), Vec::<ConnId>::new());
    }
}
