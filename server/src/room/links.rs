//! The room shell's ends of its sessions, by connection id: each connection's
//! [`Outbox`] (a latest-wins snapshot slot, so a slow socket skips stale snapshots
//! and never queues them, and a small bounded control queue, behind one waker).
//!
//! If the room task dies without finishing (a panic unwinds through it), dropping
//! [`Links`] still tells every session why: a close with 1011 and a reason.

use super::outbox::Outbox;
use super::players::ConnId;
use super::ready::{ReadMark, ReadyList};
use super::{Control, Delivered, SessionLink, SnapshotFrame};
use std::collections::HashMap;
use std::sync::Arc;
use tickcast_shared::protocol::{InputCmd, PlayerId, Tick};
use tickcast_shared::quic::close;

/// The reason sessions get when their room stops without finishing.
pub const CRASH_REASON: &str = "room stopped after an internal error";

struct LinkTx {
    player: PlayerId,
    outbox: Arc<Outbox>,
    delivered: Delivered,
    /// The delivered tick already reported to the core.
    reported: Option<Tick>,
    read_mark: ReadMark,
}

impl Drop for LinkTx {
    /// The session takes what is left, then sees its room gone.
    fn drop(&mut self) {
        self.outbox.close();
    }
}

/// Every open session link of one room.
pub struct Links {
    links: HashMap<ConnId, LinkTx>,
    /// Connections whose sockets the room reads at its next tick.
    ready: ReadyList,
    queue: usize,
    finished: bool,
}

impl Links {
    /// Links whose control queues hold `queue` messages (at least 2).
    pub fn new(queue: usize) -> Links {
        Links {
            links: HashMap::new(),
            ready: ReadyList::default(),
            queue: queue.max(2),
            finished: false,
        }
    }

    /// A new link for `conn` of `player`; the session gets the returned end.
    pub fn open(&mut self, conn: ConnId, player: PlayerId) -> SessionLink {
        let outbox = Arc::new(Outbox::new(self.queue));
        let delivered = Delivered::default();
        let read_mark = self.ready.mark_for(conn);
        self.links.insert(
            conn,
            LinkTx {
                player,
                outbox: Arc::clone(&outbox),
                delivered: delivered.clone(),
                reported: None,
                read_mark: read_mark.clone(),
            },
        );
        SessionLink {
            outbox,
            delivered,
            read_mark,
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

    /// Queue a control message; false only when the session's full queue refused
    /// it (a session already gone is not a refusal).
    pub fn control(&self, conn: ConnId, control: Control) -> bool {
        self.links
            .get(&conn)
            .is_none_or(|l| l.outbox.control(control))
    }

    /// Hand `frame` to the session's outbox (written directly when it can be: a
    /// reliable socket then has it, so it counts as delivered).
    pub fn snapshot(&self, conn: ConnId, frame: SnapshotFrame) {
        if let Some(l) = self.links.get(&conn)
            && let Some(tick) = l.outbox.snapshot(frame)
        {
            l.delivered.store(tick);
        }
    }

    /// Read the inputs of the players whose sockets the room reads itself (see
    /// [`super::direct`]) and that are marked ready, into `inputs` as `(player,
    /// conn, input)`.
    pub fn read_inputs(&self, inputs: &mut Vec<(PlayerId, ConnId, InputCmd)>) {
        let mut one = Vec::new();
        for conn in self.ready.take() {
            if let Some(link) = self.links.get(&conn) {
                link.read_mark.clear();
                link.outbox.read_inputs(&mut one);
                inputs.extend(one.drain(..).map(|cmd| (link.player, conn, cmd)));
            }
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
            link.outbox
                .control(Control::Close(close::INTERNAL, CRASH_REASON.to_owned()));
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
