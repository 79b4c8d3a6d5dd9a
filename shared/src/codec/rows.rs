//! Entities as the delta coder sees them: an id, a kind index and a row of values in
//! the kind's layout ([`crate::schema`]). Any type that can say those is a
//! [`CodedEntity`]; [`Row`] is the game-agnostic one, and a game may keep its own
//! entity type with an adapter (the arena's `EntityState` does, in
//! [`crate::sim::rows`]).

use super::delta::{DeltaError, DeltaLimits, code_entities};
use super::plan::RowCodec;
use super::rangecoder::{RangeDecoder, RangeEncoder};
use crate::protocol::{NetId, Tick};
use crate::schema::MAX_VALUES;
use thiserror::Error;

/// What the delta coder needs of an entity.
pub trait CodedEntity: Copy + PartialEq {
    /// The entity's values in its kind's layout (at least as many as the kind has).
    type Values: Copy + Default + AsRef<[i32]> + AsMut<[i32]>;

    fn id(&self) -> NetId;
    /// The index of its kind in the schema.
    fn kind_index(&self) -> usize;
    fn values(&self) -> Self::Values;
    /// `f` of the values, borrowed where the type holds them as a slice (a
    /// [`Row`]: no copy of its 32 values), else of [`CodedEntity::values`].
    #[inline]
    fn with_values<R>(&self, f: impl FnOnce(&[i32]) -> R) -> R {
        f(self.values().as_ref())
    }
    /// The entity with this id, kind and values, which the coder keeps in their
    /// fields' domains; `None` if the type cannot hold that kind.
    fn from_values(id: NetId, kind: usize, values: &Self::Values) -> Option<Self>;
}

/// One entity of any game: id, kind index and values (see the module docs). Values
/// past the kind's layout are not coded; keep them 0 so rows compare as they decode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Row {
    pub id: NetId,
    pub kind: u8,
    pub values: [i32; MAX_VALUES],
}

impl Row {
    /// A row of kind `kind` with every value 0.
    pub fn new(id: NetId, kind: u8) -> Row {
        Row {
            id,
            kind,
            values: [0; MAX_VALUES],
        }
    }
}

impl CodedEntity for Row {
    type Values = [i32; MAX_VALUES];

    fn id(&self) -> NetId {
        self.id
    }
    fn kind_index(&self) -> usize {
        usize::from(self.kind)
    }
    fn values(&self) -> Self::Values {
        self.values
    }
    #[inline]
    fn with_values<R>(&self, f: impl FnOnce(&[i32]) -> R) -> R {
        f(&self.values)
    }
    fn from_values(id: NetId, kind: usize, values: &Self::Values) -> Option<Row> {
        Some(Row {
            id,
            kind: u8::try_from(kind).ok()?,
            values: *values,
        })
    }
}

/// The visible world at a tick as rows, sorted by id, ids unique.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RowSnapshot {
    pub tick: Tick,
    pub rows: Vec<Row>,
}

/// Why rows could not be encoded.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum EncodeError {
    #[error("entity {id} has kind {kind}; the schema has {kinds} kinds")]
    UnknownKind { id: u32, kind: usize, kinds: usize },
    #[error("coding failed: {0}")]
    Coder(#[from] DeltaError),
}

/// Encode entities as a delta against a baseline (`None`: a keyframe), by the
/// schema `codec` compiled. Both are expected sorted by id with unique ids; an
/// unsorted `current` is sorted first (the first of duplicate ids wins); an unsorted
/// baseline cannot be referenced, so the result is then a keyframe.
pub fn encode_entities<E: CodedEntity>(
    codec: &RowCodec,
    baseline: Option<(Tick, &[E])>,
    tick: Tick,
    current: &[E],
) -> Result<Vec<u8>, EncodeError> {
    let normalized;
    let current = if strictly_sorted(current) {
        current
    } else {
        let mut entities = current.to_vec();
        entities.sort_by_key(|e| e.id());
        entities.dedup_by_key(|e| e.id());
        normalized = entities;
        &normalized
    };
    let baseline = baseline.filter(|(_, b)| strictly_sorted(b));
    let kinds = codec.kind_count();
    let base: &[E] = baseline.map_or(&[], |(_, b)| b);
    if let Some(e) = current.iter().chain(base).find(|e| e.kind_index() >= kinds) {
        return Err(EncodeError::UnknownKind {
            id: e.id().0,
            kind: e.kind_index(),
            kinds,
        });
    }
    let mut enc = RangeEncoder::new();
    code_entities(&mut enc, codec, baseline, tick, current, usize::MAX)?;
    Ok(enc.finish())
}

/// Rebuild what [`encode_entities`] encoded, against the same baseline.
pub fn decode_entities<E: CodedEntity>(
    codec: &RowCodec,
    baseline: Option<(Tick, &[E])>,
    bytes: &[u8],
    limits: &DeltaLimits,
) -> Result<(Tick, Vec<E>), DeltaError> {
    let mut dec = RangeDecoder::new(bytes)?;
    let out = code_entities(&mut dec, codec, baseline, Tick(0), &[], limits.max_entities)?;
    dec.finish()?;
    Ok(out)
}

/// [`encode_entities`] for a [`RowSnapshot`].
pub fn encode_rows(
    codec: &RowCodec,
    baseline: Option<&RowSnapshot>,
    current: &RowSnapshot,
) -> Result<Vec<u8>, EncodeError> {
    let baseline = baseline.map(|b| (b.tick, b.rows.as_slice()));
    encode_entities(codec, baseline, current.tick, &current.rows)
}

/// [`decode_entities`] for a [`RowSnapshot`].
pub fn apply_rows(
    codec: &RowCodec,
    baseline: Option<&RowSnapshot>,
    bytes: &[u8],
    limits: &DeltaLimits,
) -> Result<RowSnapshot, DeltaError> {
    let baseline = baseline.map(|b| (b.tick, b.rows.as_slice()));
    let (tick, rows) = decode_entities(codec, baseline, bytes, limits)?;
    Ok(RowSnapshot { tick, rows })
}

pub(crate) fn strictly_sorted<E: CodedEntity>(entities: &[E]) -> bool {
    entities
        .windows(2)
        .all(|w| matches!(w, [a, b] if a.id() < b.id()))
}

#[cfg(test)]
#[path = "rows_tests.rs"]
mod tests;
