//! The room shell's ends of its sessions, by connection id: a latest-wins snapshot
//! slot (a slow socket skips stale snapshots, it never queues them) and a small
//! bounded control queue per connection.
//!
//! If the room task dies without finishing (a panic unwinds through it), dropping
//! [`Links`] still tells every session why: a close with 1011 and a reason.

use super::players::ConnId;
use super::{Control, Delivered, SessionLink, SnapshotFrame};
use std::collections::HashMap;
use tickcast_shared::protocol::{PlayerId, Tick};
use tickcast_shared::quic::close;
use tokio::sync::{mpsc, watch};

/// The reason sessions get when their room stops without finishing.
pub const CRASH_REASON: &str = "room stopped after an internal error";

struct LinkTx {
    player: PlayerId,
    snapshots: watch::Sender<SnapshotFrame>,
    control: mpsc::Sender<Control>,
    delivered: Delivered,
    /// The delivered tick already reported to the core.
    reported: Option<Tick>,
}

/// Every open session link of one room.
pub struct Links {
    links: HashMap<ConnId, LinkTx>,
    queue: usize,
    finished: bool,
}

impl Links {
    /// Links whose control queues hold `queue` messages (at least 2).
    pub fn new(queue: usize) -> Links {
        Links {
            links: HashMap::new(),
            queue: queue.max(2),
            finished: false,
        }
    }

    /// A new link for `conn` of `player`; the session gets the returned end.
    pub fn open(&mut self, conn: ConnId, player: PlayerId) -> SessionLink {
        let (snap_tx, snap_rx) = watch::channel(SnapshotFrame::default());
        let (ctl_tx, ctl_rx) = mpsc::channel(self.queue);
        let delivered = Delivered::default();
        self.links.insert(
            conn,
            LinkTx {
                player,
                snapshots: snap_tx,
                control: ctl_tx,
                delivered: delivered.clone(),
                reported: None,
            },
        );
        SessionLink {
            snapshots: snap_rx,
            control: ctl_rx,
            delivered,
        }
    }

    /// Snapshots written since the last call, per connection: `(player, conn, tick)`.
    pub fn delivered(&mut self) -> Vec<(PlayerId, ConnId, Tick)> {
        let mut news = Vec::new();
        for (conn, link) in &mut self.links {
            let tick = link.delivered.load();
            if tick > link.reported {
                link.reported = tick;
                if let Some(tick) = tick {
                    news.push((link.player, *conn, tick));
                }
            }
        }
        news
    }

    /// Queue a control message; false when the queue is full or the session gone.
    pub fn control(&self, conn: ConnId, control: Control) -> bool {
        self.links
            .get(&conn)
            .is_some_and(|l| l.control.try_send(control).is_ok())
    }

    /// Replace the session's pending snapshot with `frame`.
    pub fn snapshot(&self, conn: ConnId, frame: SnapshotFrame) {
        if let Some(l) = self.links.get(&conn) {
            l.snapshots.send_replace(frame);
        }
    }

    /// Drop the link of `conn` (the session then sees its room end).
    pub fn release(&mut self, conn: ConnId) {
        self.links.remove(&conn);
    }

    pub fn len(&self) -> usize {
        self.links.len()
    }

    pub fn is_empty(&self) -> bool {
        self.links.is_empty()
    }

    /// The room finished in order: its sessions got their closes already.
    pub fn set_finished(&mut self) {
        self.finished = true;
    }
}

impl Drop for Links {
    fn drop(&mut self) {
        if self.finished {
            return;
        }
        for link in self.links.values() {
            let _ = link
                .control
                .try_send(Control::Close(close::INTERNAL, CRASH_REASON.to_owned()));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn written_snapshots_are_reported_once_and_only_forward() {
        let mut links = Links::new(4);
        let a = links.open(1, PlayerId(10));
        let _b = links.open(2, PlayerId(20));
        assert!(links.delivered().is_empty());
        a.delivered.store(Tick(6));
        assert_eq!(links.delivered(), vec![(PlayerId(10), 1, Tick(6))]);
        assert!(links.delivered().is_empty(), "reported once");
        a.delivered.store(Tick(3));
        assert!(links.delivered().is_empty(), "never backwards");
        links.release(1);
        a.delivered.store(Tick(9));
        assert!(links.delivered().is_empty(), "a released link is gone");
    }
}
