//! A session's outbox: what the room has for one connection, read by the session at
//! its writer's pace.
//!
//! One slot for the newest snapshot (latest wins: a slow socket skips stale
//! snapshots, it never queues them), a bounded queue of control messages (events,
//! closes), and one waker. The room puts, the session takes everything pending in one
//! go ([`Outbox::poll_take`]) and writes it with one flush; however many things the
//! room put meanwhile, the session wakes once. Dropping the room's end
//! ([`Outbox::close`]) tells the session its room is gone.
//!
//! An outbox armed with a [`DirectSocket`] (see [`super::direct`]) first tries to
//! write a snapshot straight to the socket when the room puts it, and wakes nobody
//! when that worked. It does so only while nothing else is pending: no control
//! message queued, no snapshot or batch the session has taken and not yet written,
//! no rest of an earlier frame to finish; otherwise the snapshot takes the slot as
//! before, so control messages and snapshots keep their order. The room reads the
//! player's inputs through the armed socket too ([`Outbox::read_inputs`]).

use super::direct::{DirectSocket, DirectWrite};
use super::{Control, SnapshotFrame};
use futures_util::task::AtomicWaker;
use std::collections::VecDeque;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};
use tickcast_shared::protocol::Tick;

/// One connection's pending output.
#[derive(Debug)]
pub struct Outbox {
    pending: Mutex<Pending>,
    waker: AtomicWaker,
}

#[derive(Debug, Default)]
struct Pending {
    snapshot: Option<SnapshotFrame>,
    control: VecDeque<Control>,
    capacity: usize,
    closed: bool,
    /// The socket snapshots may be written to directly, once the session armed it.
    direct: Option<Arc<dyn DirectSocket>>,
    /// The session took output it has not finished writing.
    writing: bool,
    /// A direct write left the rest of a frame for the session to flush.
    flush: bool,
}

/// Everything the session took out of its outbox at once.
#[derive(Debug, Default)]
pub struct Taken {
    /// Control messages, oldest first.
    pub control: VecDeque<Control>,
    /// The newest snapshot, if one came since the last take.
    pub snapshot: Option<SnapshotFrame>,
    /// The room dropped its end: nothing more will come.
    pub closed: bool,
    /// The rest of a directly written frame waits: flush the link.
    pub flush: bool,
}

impl Outbox {
    /// An outbox whose control queue holds `capacity` messages (at least 1).
    pub fn new(capacity: usize) -> Outbox {
        Outbox {
            pending: Mutex::new(Pending {
                capacity: capacity.max(1),
                ..Pending::default()
            }),
            waker: AtomicWaker::new(),
        }
    }

    fn with<R>(&self, f: impl FnOnce(&mut Pending) -> R) -> R {
        // No code holding the lock can panic, so a poisoned lock still holds a
        // consistent state.
        let mut pending = self.pending.lock().unwrap_or_else(PoisonError::into_inner);
        f(&mut pending)
    }

    /// Queue a control message; false only when a full queue refused it (a closed
    /// outbox takes nothing: its session is gone, which is not a refusal).
    ///
    /// A close always gets through: on a full queue it takes the place of the
    /// queued messages (a session that far behind is going away anyway, and a kick
    /// or a room's end must not wait for a reader that does not read).
    pub fn control(&self, control: Control) -> bool {
        let queued = self.with(|p| {
            if p.closed {
                return true;
            }
            if p.control.len() >= p.capacity {
                if !matches!(control, Control::Close(..)) {
                    return false;
                }
                p.control.clear();
            }
            p.control.push_back(control);
            true
        });
        if queued {
            self.waker.wake();
        }
        queued
    }

    /// Write `frame` straight to the armed socket when nothing else is pending,
    /// else replace the pending snapshot with it. `Some(tick)`: it went to the
    /// socket directly (the rest of it, if any, goes before anything else).
    pub fn snapshot(&self, frame: SnapshotFrame) -> Option<Tick> {
        let (wake, written, _old) = self.with(|p| {
            if p.closed {
                return (false, None, Some(frame));
            }
            let idle = p.control.is_empty() && !p.writing && !p.flush;
            if let Some(direct) = p.direct.as_ref().filter(|_| idle) {
                match direct.try_snapshot(&frame) {
                    DirectWrite::Written => return (false, Some(frame.tick()), p.snapshot.take()),
                    DirectWrite::Partial => {
                        p.flush = true;
                        return (true, Some(frame.tick()), p.snapshot.take());
                    }
                    DirectWrite::Refused => {}
                    DirectWrite::Closed => p.direct = None,
                }
            }
            (true, None, p.snapshot.replace(frame))
        });
        if wake {
            self.waker.wake();
        }
        // A replaced frame drops here, outside the lock.
        written
    }

    /// Read the player's inputs from the armed socket, if the transport lets the
    /// room read ([`DirectSocket::read_inputs`]).
    pub fn read_inputs(&self, inputs: &mut Vec<tickcast_shared::protocol::InputCmd>) {
        if let Some(direct) = self.with(|p| p.direct.clone()) {
            direct.read_inputs(inputs);
        }
    }

    /// Let the room write snapshots to `direct` from now on (`None`: no more).
    pub fn arm(&self, direct: Option<Arc<dyn DirectSocket>>) {
        let _old = self.with(|p| std::mem::replace(&mut p.direct, direct));
    }

    /// The session wrote everything it took: direct writes may resume.
    pub fn written(&self) {
        self.with(|p| p.writing = false);
    }

    /// The room's end is gone; the session takes what is left, then sees `closed`.
    pub fn close(&self) {
        self.with(|p| p.closed = true);
        self.waker.wake();
    }

    /// Take everything pending, or wait (register `cx`) until something is.
    pub fn poll_take(&self, cx: &mut Context<'_>) -> Poll<Taken> {
        if let Some(taken) = self.try_take() {
            return Poll::Ready(taken);
        }
        self.waker.register(cx.waker());
        // Whatever came between the look and the registration.
        match self.try_take() {
            Some(taken) => Poll::Ready(taken),
            None => Poll::Pending,
        }
    }

    /// Everything pending, if anything is (the close counts).
    pub fn try_take(&self) -> Option<Taken> {
        self.with(|p| {
            if p.control.is_empty() && p.snapshot.is_none() && !p.closed && !p.flush {
                return None;
            }
            p.writing = true;
            Some(Taken {
                control: std::mem::take(&mut p.control),
                snapshot: p.snapshot.take(),
                closed: p.closed,
                flush: std::mem::take(&mut p.flush),
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::task::{Wake, Waker};
    use tickcast_shared::codec::SnapshotHead;
    use tickcast_shared::protocol::Tick;

    #[derive(Default)]
    struct Count(AtomicUsize);

    impl Wake for Count {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    fn frame(tick: u32) -> SnapshotFrame {
        SnapshotFrame {
            head: SnapshotHead {
                tick: Tick(tick),
                ..SnapshotHead::default()
            },
            body: Bytes::from_static(b"body"),
            at: None,
        }
    }

    #[test]
    fn the_newest_snapshot_wins_and_control_keeps_its_order() {
        let outbox = Outbox::new(2);
        let wakes = Arc::new(Count::default());
        let waker = Waker::from(Arc::clone(&wakes));
        let mut cx = Context::from_waker(&waker);
        assert!(outbox.poll_take(&mut cx).is_pending());
        outbox.snapshot(frame(3));
        outbox.snapshot(frame(6));
        assert!(outbox.control(Control::Frame(Bytes::from_static(b"a"))));
        assert!(outbox.control(Control::Close(1000, "b".into())));
        assert!(!outbox.control(Control::Frame(Bytes::new())), "bounded");
        assert!(wakes.0.load(Ordering::SeqCst) >= 1);
        let Poll::Ready(taken) = outbox.poll_take(&mut cx) else {
            panic!("pending output")
        };
        assert_eq!(taken.snapshot.map(|f| f.tick()), Some(Tick(6)));
        assert!(matches!(taken.control.front(), Some(Control::Frame(_))));
        assert!(matches!(
            taken.control.back(),
            Some(Control::Close(1000, _))
        ));
        assert!(!taken.closed);
        assert!(outbox.try_take().is_none(), "all taken at once");
    }

    #[test]
    fn a_close_gets_through_a_full_queue() {
        let outbox = Outbox::new(2);
        assert!(outbox.control(Control::Frame(Bytes::from_static(b"a"))));
        assert!(outbox.control(Control::Frame(Bytes::from_static(b"b"))));
        assert!(!outbox.control(Control::Frame(Bytes::from_static(b"c"))));
        assert!(outbox.control(Control::Close(1000, "bye".to_owned())));
        let taken = outbox.try_take().expect("pending");
        assert_eq!(taken.control.len(), 1);
        assert!(matches!(taken.control.front(), Some(Control::Close(1000, r)) if r == "bye"));
    }

    #[test]
    fn a_closed_outbox_wakes_its_session_and_takes_nothing_new() {
        let outbox = Outbox::new(4);
        let wakes = Arc::new(Count::default());
        let waker = Waker::from(Arc::clone(&wakes));
        let mut cx = Context::from_waker(&waker);
        assert!(outbox.poll_take(&mut cx).is_pending());
        assert!(outbox.control(Control::Close(1011, "crash".into())));
        outbox.close();
        assert!(
            outbox.control(Control::Frame(Bytes::new())),
            "a gone session is not a refusal"
        );
        outbox.snapshot(frame(9));
        let Poll::Ready(taken) = outbox.poll_take(&mut cx) else {
            panic!("the close is pending output")
        };
        assert!(taken.closed && taken.snapshot.is_none());
        assert_eq!(taken.control.len(), 1, "the close queued before it");
        assert!(wakes.0.load(Ordering::SeqCst) >= 1);
    }
}
