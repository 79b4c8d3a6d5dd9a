//! The ring of recently applied snapshots (rows of the game's schema), keyed by tick.
//!
//! The server encodes each snapshot as a delta against the newest tick this client
//! acknowledged; by the time that delta arrives the client may have applied a few
//! newer snapshots, so it keeps the last `capacity` of them. The ring is bounded: the
//! oldest snapshot is dropped when a new one is pushed into a full ring.

use std::collections::VecDeque;
use std::sync::Arc;
use tickcast_shared::codec::RowSnapshot;
use tickcast_shared::protocol::Tick;

/// Default number of snapshots kept (1.6 s at the default 20 Hz send rate).
pub const DEFAULT_BASELINE_RING: usize = 32;

/// Recently applied snapshots, oldest first, ticks strictly increasing.
#[derive(Debug, Clone)]
pub struct BaselineRing {
    snapshots: VecDeque<Arc<RowSnapshot>>,
    capacity: usize,
}

impl BaselineRing {
    /// An empty ring holding at most `capacity` snapshots (at least one).
    pub fn new(capacity: usize) -> BaselineRing {
        let capacity = capacity.max(1);
        BaselineRing {
            snapshots: VecDeque::with_capacity(capacity),
            capacity,
        }
    }

    /// The snapshot applied for `tick`, if still held.
    pub fn get(&self, tick: Tick) -> Option<&Arc<RowSnapshot>> {
        self.snapshots
            .binary_search_by_key(&tick, |s| s.tick)
            .ok()
            .and_then(|i| self.snapshots.get(i))
    }

    /// The newest snapshot.
    pub fn newest(&self) -> Option<&Arc<RowSnapshot>> {
        self.snapshots.back()
    }

    /// Keep `snapshot`. A snapshot not newer than the newest held one is ignored (the
    /// server never sends ticks backwards on an ordered transport, and the world view
    /// drops late QUIC snapshots before they get here); returns whether it was kept.
    pub fn push(&mut self, snapshot: Arc<RowSnapshot>) -> bool {
        if self.newest().is_some_and(|n| n.tick >= snapshot.tick) {
            return false;
        }
        if self.snapshots.len() >= self.capacity {
            self.snapshots.pop_front();
        }
        self.snapshots.push_back(snapshot);
        true
    }

    /// Forget every snapshot (e.g. after a resume, when the server sends a keyframe).
    pub fn clear(&mut self) {
        self.snapshots.clear();
    }

    pub fn len(&self) -> usize {
        self.snapshots.len()
    }

    pub fn is_empty(&self) -> bool {
        self.snapshots.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn snap(t: u32) -> Arc<RowSnapshot> {
        Arc::new(RowSnapshot {
            tick: Tick(t),
            rows: Vec::new(),
        })
    }

    #[test]
    fn keeps_the_newest_capacity_snapshots() {
        let mut ring = BaselineRing::new(3);
        for t in [3, 6, 9, 12] {
            assert!(ring.push(snap(t)));
        }
        assert_eq!(ring.len(), 3);
        assert!(ring.get(Tick(3)).is_none());
        assert_eq!(ring.get(Tick(6)).map(|s| s.tick), Some(Tick(6)));
        assert_eq!(ring.get(Tick(12)).map(|s| s.tick), Some(Tick(12)));
        assert!(ring.get(Tick(7)).is_none());
        assert_eq!(ring.newest().map(|s| s.tick), Some(Tick(12)));
    }

    #[test]
    fn ignores_old_or_repeated_ticks() {
        let mut ring = BaselineRing::new(4);
        assert!(ring.push(snap(5)));
        assert!(!ring.push(snap(5)));
        assert!(!ring.push(snap(4)));
        assert_eq!(ring.len(), 1);
        ring.clear();
        assert!(ring.is_empty());
    }
}
