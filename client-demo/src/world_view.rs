//! The client's view of the world: snapshots rebuilt from the server's deltas, as
//! rows of the game's schema (any game: the view knows no entity kind or field).
//!
//! Each `ServerMsg::Snapshot` body is a delta against a baseline tick (or a keyframe
//! against none). [`WorldView::apply`] finds that baseline in the [`BaselineRing`],
//! rebuilds the snapshot with `codec::apply_rows` and the schema compiled once
//! ([`RowCodec`], from the `Welcome`'s descriptor), checks that it is the tick the
//! envelope announced, and keeps it as the newest view and a future baseline. The
//! newest applied tick is what the client acknowledges in its inputs.
//!
//! A snapshot not newer than the newest view (possible on QUIC, where snapshots are
//! unordered) is ignored before its body is touched, and counted.

use crate::baseline::BaselineRing;
use crate::error::{ClientError, Result};
use std::sync::Arc;
use tickcast_shared::codec::{DeltaLimits, Row, RowCodec, RowSnapshot, apply_rows};
use tickcast_shared::protocol::{NetId, Tick};

/// Counts of what was applied, for bots and reports.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ViewCounts {
    pub keyframes: u64,
    pub deltas: u64,
    /// Snapshots whose tick was not newer than the newest view (ignored).
    pub stale: u64,
    /// Deltas against a baseline no longer (or never) held (not applied).
    pub missing_baseline: u64,
}

impl ViewCounts {
    /// Snapshots that arrived but were not applied (stale or without their baseline).
    pub fn skipped(&self) -> u64 {
        self.stale + self.missing_baseline
    }
}

/// Snapshots applied so far and the entity that is this client's own player.
#[derive(Clone)]
pub struct WorldView {
    codec: Arc<RowCodec>,
    ring: BaselineRing,
    own_entity: NetId,
    counts: ViewCounts,
}

impl std::fmt::Debug for WorldView {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WorldView")
            .field("ring", &self.ring)
            .field("own_entity", &self.own_entity)
            .field("counts", &self.counts)
            .finish_non_exhaustive()
    }
}

impl WorldView {
    /// An empty view decoding by `codec` (the game's schema compiled) for the player
    /// whose entity is `own_entity`, keeping `ring_capacity` snapshots as baselines.
    pub fn new(codec: Arc<RowCodec>, own_entity: NetId, ring_capacity: usize) -> WorldView {
        WorldView {
            codec,
            ring: BaselineRing::new(ring_capacity),
            own_entity,
            counts: ViewCounts::default(),
        }
    }

    /// The compiled schema this view decodes by.
    pub fn codec(&self) -> &Arc<RowCodec> {
        &self.codec
    }

    /// Apply one snapshot body announced for `tick`, encoded against `baseline`.
    /// Returns the rebuilt snapshot, or `None` when `tick` is not newer than the newest
    /// view (the snapshot is ignored). On error the view is unchanged.
    pub fn apply(
        &mut self,
        tick: Tick,
        baseline: Option<Tick>,
        body: &[u8],
    ) -> Result<Option<Arc<RowSnapshot>>> {
        if self.newest_tick().is_some_and(|newest| tick <= newest) {
            self.counts.stale += 1;
            return Ok(None);
        }
        let base = match baseline {
            None => None,
            Some(b) => match self.ring.get(b) {
                Some(base) => Some(base.clone()),
                None => {
                    self.counts.missing_baseline += 1;
                    return Err(ClientError::UnknownBaseline { tick, baseline: b });
                }
            },
        };
        let snapshot = apply_rows(&self.codec, base.as_deref(), body, &DeltaLimits::default())
            .map_err(|source| ClientError::Delta { tick, source })?;
        if snapshot.tick != tick {
            return Err(ClientError::Protocol(format!(
                "snapshot announced for tick {} carries tick {}",
                tick.0, snapshot.tick.0
            )));
        }
        if baseline.is_some() {
            self.counts.deltas += 1;
        } else {
            self.counts.keyframes += 1;
        }
        let snapshot = Arc::new(snapshot);
        // Newer than the newest (checked above), so the ring keeps it.
        self.ring.push(snapshot.clone());
        Ok(Some(snapshot))
    }

    /// The newest applied snapshot.
    pub fn world(&self) -> Option<&RowSnapshot> {
        self.ring.newest().map(|s| s.as_ref())
    }

    /// The newest applied snapshot, shared.
    pub fn world_shared(&self) -> Option<Arc<RowSnapshot>> {
        self.ring.newest().cloned()
    }

    /// The newest applied tick: what inputs acknowledge.
    pub fn newest_tick(&self) -> Option<Tick> {
        self.ring.newest().map(|s| s.tick)
    }

    /// The own player's entity id.
    pub fn own_entity_id(&self) -> NetId {
        self.own_entity
    }

    /// Follow the own player to a new entity (after a respawn).
    pub fn set_own_entity(&mut self, id: NetId) {
        self.own_entity = id;
    }

    /// The own player's entity in the newest snapshot.
    pub fn own(&self) -> Option<&Row> {
        self.world().and_then(|w| row_of(w, self.own_entity))
    }

    /// Forget all baselines: the next snapshot must be a keyframe.
    pub fn reset(&mut self) {
        self.ring.clear();
    }

    pub fn counts(&self) -> ViewCounts {
        self.counts
    }
}

/// The row with id `id` in `world` (rows are sorted by id).
pub fn row_of(world: &RowSnapshot, id: NetId) -> Option<&Row> {
    world
        .rows
        .binary_search_by_key(&id, |r| r.id)
        .ok()
        .and_then(|i| world.rows.get(i))
}

#[cfg(test)]
mod tests {
    use super::*;
    use tickcast_shared::codec::encode_rows;
    use tickcast_shared::sim::schema::arena_schema;

    fn codec() -> Arc<RowCodec> {
        Arc::new(RowCodec::new(arena_schema()))
    }

    fn entity(id: u32, x: i32) -> Row {
        let mut row = Row::new(NetId(id), 0);
        // x, y, vx, vy, angle, hp, score, flags, owner
        row.values[0] = x;
        row.values[1] = 32;
        row.values[5] = 100;
        row.values[8] = id as i32;
        row
    }

    fn snap(tick: u32, xs: &[(u32, i32)]) -> RowSnapshot {
        RowSnapshot {
            tick: Tick(tick),
            rows: xs.iter().map(|&(id, x)| entity(id, x)).collect(),
        }
    }

    fn encode_delta(baseline: Option<&RowSnapshot>, current: &RowSnapshot) -> Vec<u8> {
        encode_rows(&codec(), baseline, current).unwrap()
    }

    #[test]
    fn keyframe_then_deltas_rebuild_the_server_snapshots() {
        let a = snap(3, &[(1, 10), (2, 20)]);
        let b = snap(6, &[(1, 11), (2, 20), (5, 7)]);
        let c = snap(9, &[(1, 12), (5, 8)]);
        let mut view = WorldView::new(codec(), NetId(1), 8);
        view.apply(Tick(3), None, &encode_delta(None, &a)).unwrap();
        view.apply(Tick(6), Some(Tick(3)), &encode_delta(Some(&a), &b))
            .unwrap();
        // Delta against an older baseline than the newest: still held in the ring.
        view.apply(Tick(9), Some(Tick(3)), &encode_delta(Some(&a), &c))
            .unwrap();
        assert_eq!(view.world(), Some(&c));
        assert_eq!(view.newest_tick(), Some(Tick(9)));
        assert_eq!(view.own().map(|e| e.values[0]), Some(12));
        assert_eq!(view.counts().keyframes, 1);
        assert_eq!(view.counts().deltas, 2);
    }

    #[test]
    fn late_and_repeated_snapshots_are_ignored_unapplied() {
        let a = snap(3, &[(1, 10)]);
        let b = snap(6, &[(1, 11)]);
        let c = snap(9, &[(1, 12)]);
        let mut view = WorldView::new(codec(), NetId(1), 8);
        view.apply(Tick(3), None, &encode_delta(None, &a)).unwrap();
        view.apply(Tick(9), Some(Tick(3)), &encode_delta(Some(&a), &c))
            .unwrap();
        // Tick 6 overtaken by tick 9 (QUIC): ignored, even with a garbage body.
        assert!(
            view.apply(Tick(6), Some(Tick(3)), &encode_delta(Some(&a), &b))
                .unwrap()
                .is_none()
        );
        assert!(view.apply(Tick(9), None, &[0xff]).unwrap().is_none());
        assert_eq!(view.world(), Some(&c));
        let counts = view.counts();
        assert_eq!((counts.stale, counts.deltas, counts.skipped()), (2, 1, 2));
    }

    #[test]
    fn unknown_baselines_and_garbage_are_typed_errors() {
        let a = snap(3, &[(1, 10)]);
        let b = snap(6, &[(1, 11)]);
        let mut view = WorldView::new(codec(), NetId(1), 8);
        let err = view
            .apply(Tick(6), Some(Tick(3)), &encode_delta(Some(&a), &b))
            .unwrap_err();
        assert!(matches!(err, ClientError::UnknownBaseline { .. }));
        assert!(err.is_recoverable());
        assert_eq!(view.counts().missing_baseline, 1);
        let err = view.apply(Tick(6), None, &[0xff; 3]).unwrap_err();
        assert!(err.is_recoverable(), "{err}");
        assert!(view.world().is_none());
    }

    #[test]
    fn a_body_for_another_tick_is_refused() {
        let a = snap(3, &[(1, 10)]);
        let mut view = WorldView::new(codec(), NetId(1), 8);
        let err = view
            .apply(Tick(4), None, &encode_delta(None, &a))
            .unwrap_err();
        assert!(matches!(err, ClientError::Protocol(_)));
        assert!(view.world().is_none());
    }
}
