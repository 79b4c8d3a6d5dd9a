//! The ring of recent snapshots and the per-send-tick fan-out to players.
//!
//! The ring holds what may still serve as a baseline, at most its capacity: the
//! room forgets snapshots older than every connected player's acknowledged tick
//! ([`SnapshotRing::forget_before`]), since acknowledgements only move forward. On
//! reliable transports, where a written snapshot is the baseline at once, that
//! leaves about two snapshots instead of a full ring (each holds a row of every
//! entity, so the ring was most of what a player's entity cost the server).
//!
//! Each player gets the newest snapshot as a delta against the newest snapshot it
//! acknowledged that the ring still holds (a keyframe when none). Deltas are cached
//! by baseline within one send tick, so players sharing a baseline share one encoding
//! (the same `Bytes`); only the message head (which carries the player's own last
//! consumed input and input lead) is per player, see [`super::SnapshotFrame`].

use bytes::Bytes;
use std::collections::VecDeque;
use std::sync::Arc;
use tickcast_shared::codec::{RowCodec, RowSnapshot, encode_rows};
use tickcast_shared::protocol::Tick;

/// Recent snapshots, oldest first.
#[derive(Debug)]
pub struct SnapshotRing {
    snaps: VecDeque<Arc<RowSnapshot>>,
    capacity: usize,
}

impl SnapshotRing {
    pub fn new(capacity: usize) -> SnapshotRing {
        SnapshotRing {
            snaps: VecDeque::with_capacity(capacity.max(1)),
            capacity: capacity.max(1),
        }
    }

    pub fn push(&mut self, snap: Arc<RowSnapshot>) {
        if self.snaps.len() == self.capacity {
            self.snaps.pop_front();
        }
        self.snaps.push_back(snap);
    }

    /// Forget the snapshots older than `tick` (no longer anyone's baseline).
    pub fn forget_before(&mut self, tick: Tick) {
        while self.snaps.front().is_some_and(|s| s.tick < tick) {
            self.snaps.pop_front();
        }
    }

    /// The snapshot of `tick`, if still held.
    pub fn get(&self, tick: Tick) -> Option<&Arc<RowSnapshot>> {
        let idx = self.snaps.binary_search_by_key(&tick, |s| s.tick).ok()?;
        self.snaps.get(idx)
    }

    pub fn newest(&self) -> Option<&Arc<RowSnapshot>> {
        self.snaps.back()
    }

    pub fn len(&self) -> usize {
        self.snaps.len()
    }

    pub fn is_empty(&self) -> bool {
        self.snaps.is_empty()
    }
}

/// Delta bodies of one send tick, by baseline tick (`None`: keyframe), coded with
/// the room's schema. A body is shared bytes: every player of its baseline group
/// gets the same allocation.
#[derive(Debug, Default)]
pub struct EncodeCache {
    bodies: Vec<(Option<Tick>, Bytes)>,
    /// Bodies encoded (cache misses) during this send tick.
    pub encoded: usize,
}

impl EncodeCache {
    /// The body of `current` against `baseline`, encoded once per baseline; `None`
    /// when the game's view breaks its schema (a row of a kind it does not have).
    pub fn body(
        &mut self,
        codec: &RowCodec,
        baseline: Option<&RowSnapshot>,
        current: &RowSnapshot,
    ) -> Option<Bytes> {
        let key = baseline.map(|b| b.tick);
        if let Some((_, body)) = self.bodies.iter().find(|(k, _)| *k == key) {
            return Some(body.clone());
        }
        let body = match encode_rows(codec, baseline, current) {
            Ok(bytes) => Bytes::from(bytes),
            Err(e) => {
                tracing::error!(error = %e, "a snapshot does not fit the game's schema");
                return None;
            }
        };
        self.encoded += 1;
        self.bodies.push((key, body.clone()));
        Some(body)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tickcast_shared::codec::{DeltaLimits, Row, apply_rows};
    use tickcast_shared::protocol::NetId;
    use tickcast_shared::schema::{Field, Schema};

    fn codec() -> RowCodec {
        let schema = Schema::builder("test")
            .kind("dot", |k| k.field(Field::uint("n", 8)))
            .build()
            .unwrap();
        RowCodec::new(&schema)
    }

    fn snap(tick: u32) -> Arc<RowSnapshot> {
        let mut row = Row::new(NetId(1), 0);
        row.values[0] = tick as i32 % 256;
        Arc::new(RowSnapshot {
            tick: Tick(tick),
            rows: vec![row],
        })
    }

    #[test]
    fn ring_keeps_the_newest_and_finds_by_tick() {
        let mut ring = SnapshotRing::new(3);
        for t in [3, 6, 9, 12] {
            ring.push(snap(t));
        }
        assert!(ring.get(Tick(3)).is_none());
        assert_eq!(ring.get(Tick(9)).unwrap().tick, Tick(9));
        assert_eq!(ring.newest().unwrap().tick, Tick(12));
        assert_eq!(ring.len(), 3);
        ring.forget_before(Tick(10));
        assert_eq!(ring.len(), 1, "only 12 is not older than 10");
        assert!(ring.get(Tick(9)).is_none());
        ring.forget_before(Tick(13));
        assert!(ring.is_empty());
    }

    #[test]
    fn cache_encodes_once_per_baseline() {
        let a = snap(3);
        let b = snap(6);
        let codec = codec();
        let mut cache = EncodeCache::default();
        let k1 = cache.body(&codec, None, &b).unwrap();
        let k2 = cache.body(&codec, None, &b).unwrap();
        let d = cache.body(&codec, Some(&a), &b).unwrap();
        assert_eq!(k1.as_ptr(), k2.as_ptr(), "one shared allocation");
        assert_eq!(cache.encoded, 2);
        let limits = DeltaLimits::default();
        assert_eq!(apply_rows(&codec, Some(&a), &d, &limits).unwrap(), *b);
        assert_eq!(apply_rows(&codec, None, &k1, &limits).unwrap(), *b);
        let mut bad = RowSnapshot::clone(&b);
        bad.rows[0].kind = 3;
        assert!(cache.body(&codec, Some(&b), &bad).is_none(), "no such kind");
    }
}
