//! Bit-packed snapshot deltas against a baseline (a keyframe is a delta against none).
//!
//! The coder is driven by a game's schema compiled into a [`RowCodec`]; the entry
//! points are [`super::rows`] (any [`CodedEntity`]) and, for the arena's
//! `Snapshot`, [`crate::sim::rows`].
//!
//! A body is one stream of the adaptive range coder ([`super::rangecoder`], which
//! also specifies the exact decoder), built from the models in [`super::model`] and
//! the entity coding in [`super::fields`]. Every probability starts at one half and
//! every model is fresh at the start of a body: bodies are self-contained given the
//! baseline. The encoder and the decoder are one function run against either side
//! of the coder, so they cannot disagree.
//!
//! ## Body, in coding order
//! 1. `tick`: 32 direct bits.
//! 2. `has_baseline`: 1 direct bit. If set, `tick - baseline_tick` (wrapping u32) with
//!    the `gap` UInt model. The decoder checks it against the baseline it was given
//!    ([`DeltaError::BaselineMismatch`], [`DeltaError::MissingBaseline`]); a keyframe
//!    ignores any given baseline.
//! 3. For each baseline entity, in baseline order (sorted by id), its status, with
//!    probabilities chosen by the previous entity's status (0 unchanged, 1 changed,
//!    2 removed; 0 before the first): adaptive bit `status[prev][0]` = "not
//!    unchanged", and if set, adaptive bit `status[prev][1]` = "removed" (else
//!    changed). A changed entity follows at once: its mask (never empty) and fields
//!    against the baseline entity, with the *changed* field models. Ids of baseline
//!    entities are implied, so a delta cannot name an id the baseline lacks. An entity
//!    whose kind changed is removed and created again.
//! 4. Created entities, ascending by id, each preceded by adaptive bit `more` = 1, the
//!    list ended by `more` = 0. Per entity: the id as `id - (prev + 1)` (wrapping, as
//!    i32) with the `id` SInt model, where `prev` is the previous created id, or for the
//!    first one the last baseline id (2^32 - 1 when there is no baseline entity, so the
//!    first keyframe id is coded as itself); ids must increase and must not collide
//!    with a kept baseline entity. Then the kind's index in the schema as a tree of
//!    `ceil(log2 kinds)` bits (the arena: 2 bits, 0 player, 1 drone, 2 projectile; an
//!    index past the last kind is malformed), then mask and fields with the *created* field models against a
//!    reference: the previous created entity of that kind in this body, or an entity
//!    of that kind with every field 0.
//! 5. End: the coder's flush; every byte must be consumed.
//!
//! The result is the kept baseline entities and the created ones, sorted by id.
//!
//! ## Cost (measured)
//! On the real arena (`World`, 1 000 NPC drones, position only, 120 units/s, heading
//! jitter ±0.15 rad per 60 Hz tick), snapshots 3 ticks (one 20 Hz send) apart:
//! - an unchanged entity: ~0.024 bit (1 000 unchanged drones: 12 bytes, of which 9
//!   are the header and the flush of an empty delta);
//! - a moved drone: ~11.6 bits, every overhead included (1 448 bytes per delta);
//! - a new drone: ~32.7 bits (4 093 bytes per keyframe).
//!
//! Figures from `cargo bench -p tickcast-benches --bench codec` (printed to stderr)
//! and `cargo test -p tickcast-shared --lib codec::delta -- --nocapture`.
//! Players and projectiles change more fields and cost more per change.
//!
//! ## Hostile bodies
//! Decoding never panics and allocates in proportion to the baseline and to the
//! entities actually decoded, never to a claimed count; at most
//! [`DeltaLimits::max_entities`] entities come out.

use super::fields::diff_mask;
use super::model::{SIntModel, UIntModel, tree};
use super::plan::{FieldModels, RowCodec};
use super::rangecoder::{BitCoder, Prob};
use super::rows::CodedEntity;
use crate::protocol::{NetId, Tick};
use crate::schema::MAX_KINDS;
use thiserror::Error;

/// Why a delta body could not be applied.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DeltaError {
    #[error("delta body is truncated")]
    Truncated,
    #[error("delta body is malformed: {0}")]
    Malformed(&'static str),
    #[error("delta needs a baseline but none was given")]
    MissingBaseline,
    #[error("delta is against baseline tick {body:?} but the given baseline is {given:?}")]
    BaselineMismatch { body: Tick, given: Tick },
    #[error("delta has more than {limit} entities")]
    TooManyEntities { limit: usize },
}

/// Default for [`DeltaLimits::max_entities`].
pub const DEFAULT_MAX_ENTITIES: usize = 65_536;

/// Bounds on what a decoder accepts ([`super::decode_entities`], [`super::apply_rows`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeltaLimits {
    /// Most entities a decoded snapshot may hold.
    pub max_entities: usize,
}

impl Default for DeltaLimits {
    fn default() -> Self {
        DeltaLimits {
            max_entities: DEFAULT_MAX_ENTITIES,
        }
    }
}

const UNCHANGED: usize = 0;
const CHANGED: usize = 1;
const REMOVED: usize = 2;

/// All adaptive state of one body.
struct Models {
    gap: UIntModel,
    status: [[Prob; 2]; 3],
    more: Prob,
    id: SIntModel,
    kind: [Prob; MAX_KINDS],
    changed: FieldModels,
    created: FieldModels,
}

impl Models {
    fn new(codec: &RowCodec) -> Box<Self> {
        Box::new(Models {
            gap: UIntModel::new(),
            status: [[Prob::HALF; 2]; 3],
            more: Prob::HALF,
            id: SIntModel::new(),
            kind: [Prob::HALF; MAX_KINDS],
            changed: codec.template.clone(),
            created: codec.template.clone(),
        })
    }
}

/// Code `target` against `reference` (same kind) with `models`; the result has the
/// reference's id and kind. `mask`: the changed fields if the encoder knows them
/// already. See [`FieldModels::code`].
#[inline]
fn code_entity<C: BitCoder, E: CodedEntity>(
    c: &mut C,
    codec: &RowCodec,
    models: &mut FieldModels,
    reference: &E,
    target: &E,
    mask: Option<u32>,
    require_change: bool,
) -> Result<E, DeltaError> {
    let kind = reference.kind_index();
    let plan = codec
        .kinds
        .get(kind)
        .ok_or(DeltaError::Malformed("unknown entity kind"))?;
    let mut out = reference.values();
    // The decoder's target is only a hint: it need not be read. Values are
    // borrowed, not copied (rows are wide).
    let target = if C::ENCODER { target } else { reference };
    reference.with_values(|r| {
        target.with_values(|t| {
            let mask = match mask {
                Some(mask) => mask,
                None if C::ENCODER => diff_mask(plan, r, t),
                None => 0,
            };
            models.code(c, plan, kind, r, t, mask, out.as_mut(), require_change)
        })
    })?;
    E::from_values(reference.id(), kind, &out).ok_or(DeltaError::Malformed("entity kind"))
}

/// The body, for both sides: the encoder passes the entities to encode as `target`
/// (sorted, unique ids, kinds of the schema), the decoder none (then `target` only
/// supplies ignored hints). Returns the tick and, when decoding, the coded
/// entities (the encoder gets an empty list: it has them already, and not copying
/// them keeps wide rows as cheap to encode as narrow ones).
pub(crate) fn code_entities<C: BitCoder, E: CodedEntity>(
    c: &mut C,
    codec: &RowCodec,
    baseline: Option<(Tick, &[E])>,
    target_tick: Tick,
    target: &[E],
    max_entities: usize,
) -> Result<(Tick, Vec<E>), DeltaError> {
    let mut models = Models::new(codec);
    let tick = Tick(c.direct(target_tick.0, 32)?);
    let has_baseline = c.direct(u32::from(baseline.is_some()), 1)? == 1;
    let base: &[E] = match (has_baseline, baseline) {
        (false, _) => &[],
        (true, None) => return Err(DeltaError::MissingBaseline),
        (true, Some((base_tick, entities))) => {
            let gap = models
                .gap
                .code(c, target_tick.0.wrapping_sub(base_tick.0))?;
            let body = Tick(tick.0.wrapping_sub(gap));
            if body != base_tick {
                return Err(DeltaError::BaselineMismatch {
                    body,
                    given: base_tick,
                });
            }
            entities
        }
    };
    if base.len() > max_entities {
        return Err(DeltaError::TooManyEntities {
            limit: max_entities,
        });
    }

    let mut kept = Vec::with_capacity(if C::ENCODER { 0 } else { base.len() });
    let mut kept_count = 0;
    let mut prev = UNCHANGED;
    for e in base {
        let hint = match C::ENCODER {
            true => find(target, e.id()).filter(|t| t.kind_index() == e.kind_index()),
            false => None,
        };
        let (hint_status, hint_mask) = match hint {
            Some(t) if t == e => (UNCHANGED, 0),
            Some(t) => match changed_fields(codec, e, t) {
                0 => (UNCHANGED, 0),
                mask => (CHANGED, mask),
            },
            None => (REMOVED, 0),
        };
        let probs = &mut models.status[prev];
        let status = if !c.bit(&mut probs[0], hint_status != UNCHANGED)? {
            UNCHANGED
        } else if c.bit(&mut probs[1], hint_status == REMOVED)? {
            REMOVED
        } else {
            CHANGED
        };
        match status {
            UNCHANGED => {
                kept_count += 1;
                if !C::ENCODER {
                    kept.push(*e);
                }
            }
            CHANGED => {
                let t = hint.unwrap_or(e);
                let m = &mut models.changed;
                let coded = code_entity(c, codec, m, e, t, Some(hint_mask), true)?;
                kept_count += 1;
                if !C::ENCODER {
                    kept.push(coded);
                }
            }
            _ => {}
        }
        prev = status;
    }

    // Created: every target entity without a same-kind entity in the baseline.
    let created_hints: Vec<&E> = target
        .iter()
        .filter(|t| find(base, t.id()).is_none_or(|e| e.kind_index() != t.kind_index()))
        .collect();
    let mut created: Vec<E> = Vec::new();
    let mut created_count = 0;
    let mut refs: [Option<E>; MAX_KINDS] = [None; MAX_KINDS];
    let mut prev_id = base.last().map_or(u32::MAX, |e| e.id().0);
    loop {
        let hint = created_hints.get(created_count).copied();
        if !c.bit(&mut models.more, hint.is_some())? {
            break;
        }
        if kept_count + created_count >= max_entities {
            return Err(DeltaError::TooManyEntities {
                limit: max_entities,
            });
        }
        let start = prev_id.wrapping_add(1);
        let hint_id = hint.map_or(start, |t| t.id().0);
        let d = models.id.code(c, hint_id.wrapping_sub(start) as i32)?;
        let id = start.wrapping_add(d as u32);
        if created_count > 0 && id <= prev_id {
            return Err(DeltaError::Malformed("created ids must increase"));
        }
        let hint_kind = hint.map_or(0, |t| t.kind_index() as u32);
        let kind = tree(c, &mut models.kind, codec.kind_bits, hint_kind)? as usize;
        let slot = match refs.get_mut(kind) {
            Some(slot) if kind < codec.kind_count() => slot,
            _ => return Err(DeltaError::Malformed("unknown entity kind")),
        };
        let reference_values = slot.map(|e| e.values()).unwrap_or_default();
        let reference = E::from_values(NetId(id), kind, &reference_values)
            .ok_or(DeltaError::Malformed("unknown entity kind"))?;
        let e = code_entity(
            c,
            codec,
            &mut models.created,
            &reference,
            hint.unwrap_or(&reference),
            None,
            false,
        )?;
        *slot = Some(e);
        created_count += 1;
        if !C::ENCODER {
            created.push(e);
        }
        prev_id = id;
    }

    Ok((tick, merge(kept, created)?))
}

/// The entity of `id` in the id-sorted `list`.
fn find<E: CodedEntity>(list: &[E], id: NetId) -> Option<&E> {
    let i = list.binary_search_by_key(&id, |e| e.id()).ok()?;
    list.get(i)
}

/// The mask of fields in which `a` and `b` (same kind) differ.
fn changed_fields<E: CodedEntity>(codec: &RowCodec, a: &E, b: &E) -> u32 {
    codec.kinds.get(a.kind_index()).map_or(0, |plan| {
        a.with_values(|a| b.with_values(|b| diff_mask(plan, a, b)))
    })
}

/// Merge two id-sorted lists; an id in both is malformed.
fn merge<E: CodedEntity>(kept: Vec<E>, created: Vec<E>) -> Result<Vec<E>, DeltaError> {
    let mut out = Vec::with_capacity(kept.len() + created.len());
    let mut a = kept.into_iter().peekable();
    let mut b = created.into_iter().peekable();
    loop {
        let next = match (a.peek(), b.peek()) {
            (Some(x), Some(y)) if x.id() == y.id() => {
                return Err(DeltaError::Malformed(
                    "created id collides with a kept entity",
                ));
            }
            (Some(x), Some(y)) if y.id() < x.id() => b.next(),
            (Some(_), _) => a.next(),
            (None, _) => b.next(),
        };
        match next {
            Some(e) => out.push(e),
            None => return Ok(out),
        }
    }
}
