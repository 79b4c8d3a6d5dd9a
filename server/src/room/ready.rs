//! Which players' sockets the room reads at its next tick: a room's [`ReadyList`]
//! and one [`ReadMark`] per connection.
//!
//! A mark is set when its socket may have something to read (the socket's reader
//! was just handed to the room, or data arrived). As a [`Waker`] it is what the
//! room's read registers with the socket's readiness: tokio's reactor then sets the
//! mark itself, and no task wakes. The room reads only marked sockets, so a tick
//! costs nothing for players who sent nothing, and an input costs the reactor one
//! push onto a list.

use super::players::ConnId;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Wake, Waker};

/// A room's list of connections to read at its next tick.
#[derive(Debug, Clone, Default)]
pub struct ReadyList(Arc<Mutex<Vec<ConnId>>>);

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

    /// The marked connections, oldest first (the list is empty after).
    pub fn take(&self) -> Vec<ConnId> {
        std::mem::take(&mut *self.0.lock().unwrap_or_else(PoisonError::into_inner))
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
            let mut list = self.list.0.lock().unwrap_or_else(PoisonError::into_inner);
            list.push(self.conn);
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
}
