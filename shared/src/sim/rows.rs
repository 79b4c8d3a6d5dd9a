//! The arena's snapshot on the schema-driven codec: [`EntityState`] as a row of
//! [`arena_schema`](super::schema::arena_schema) (values x, y, vx, vy, angle, hp,
//! score, flags, owner, in that order), and the `Snapshot` entry points
//! [`encode_delta`], [`apply_delta`] and [`apply_delta_with_limits`] that the server
//! and the clients call (re-exported from [`crate::codec`]).

use super::schema::{DRONE, PLAYER, PROJECTILE, arena_codec};
use crate::codec::rows::{CodedEntity, decode_entities, encode_entities};
use crate::codec::{DeltaError, DeltaLimits};
use crate::protocol::NetId;
use crate::sim::{EntityKind, EntityState, Snapshot};

/// Values of an arena row.
pub const ARENA_VALUES: usize = 9;

/// An arena kind's wire index.
pub fn kind_index(kind: EntityKind) -> usize {
    match kind {
        EntityKind::Player => PLAYER,
        EntityKind::Drone => DRONE,
        EntityKind::Projectile => PROJECTILE,
    }
}

/// The arena kind with this wire index.
pub fn kind_from_index(index: usize) -> Option<EntityKind> {
    match index {
        PLAYER => Some(EntityKind::Player),
        DRONE => Some(EntityKind::Drone),
        PROJECTILE => Some(EntityKind::Projectile),
        _ => None,
    }
}

impl CodedEntity for EntityState {
    type Values = [i32; ARENA_VALUES];

    fn id(&self) -> NetId {
        self.id
    }

    fn kind_index(&self) -> usize {
        kind_index(self.kind)
    }

    #[inline]
    fn values(&self) -> Self::Values {
        [
            self.x,
            self.y,
            self.vx,
            self.vy,
            i32::from(self.angle),
            i32::from(self.hp),
            i32::from(self.score),
            i32::from(self.flags),
            self.owner as i32,
        ]
    }

    /// The coder keeps every value in its field's domain (angle below 512, hp 8
    /// bits, score 16 bits, flags 8 bits), so the narrowing casts are exact.
    #[inline]
    fn from_values(id: NetId, kind: usize, v: &Self::Values) -> Option<EntityState> {
        let [x, y, vx, vy, angle, hp, score, flags, owner] = *v;
        Some(EntityState {
            id,
            kind: kind_from_index(kind)?,
            x,
            y,
            vx,
            vy,
            angle: angle as u16,
            hp: hp as u8,
            score: score as u16,
            flags: flags as u8,
            owner: owner as u32,
        })
    }
}

/// Encode `current` as a delta against `baseline` (`None`: a keyframe).
///
/// Both are expected sorted by id with unique ids, as [`Snapshot`] documents. An
/// unsorted `current` is sorted first (the first of duplicate ids wins); an unsorted
/// baseline cannot be referenced, so the result is then a keyframe.
pub fn encode_delta(baseline: Option<&Snapshot>, current: &Snapshot) -> Vec<u8> {
    let baseline = baseline.map(|b| (b.tick, b.entities.as_slice()));
    match encode_entities(arena_codec(), baseline, current.tick, &current.entities) {
        Ok(bytes) => bytes,
        // Every arena kind is in the arena's schema and the coder codes sorted,
        // unique entities: none of the decoder's checks can fail on its own output.
        Err(e) => unreachable!("encoding a valid snapshot failed: {e}"),
    }
}

/// Rebuild the snapshot that `encode_delta(baseline, current)` encoded, with the
/// default [`DeltaLimits`].
pub fn apply_delta(baseline: Option<&Snapshot>, bytes: &[u8]) -> Result<Snapshot, DeltaError> {
    apply_delta_with_limits(baseline, bytes, &DeltaLimits::default())
}

/// [`apply_delta`] with explicit limits.
pub fn apply_delta_with_limits(
    baseline: Option<&Snapshot>,
    bytes: &[u8],
    limits: &DeltaLimits,
) -> Result<Snapshot, DeltaError> {
    let baseline = baseline.map(|b| (b.tick, b.entities.as_slice()));
    let (tick, entities) = decode_entities(arena_codec(), baseline, bytes, limits)?;
    Ok(Snapshot { tick, entities })
}
