//! One entity coded against a reference entity of the same kind: a changed-field
//! mask, then only the changed fields, each by its codec, in schema order.
//!
//! ## Mask
//! Bit `i` of the mask is set when field `i` of the kind (in schema order; a 2-D
//! vector is one field) differs from the reference. The mask is coded as bit trees
//! over the kind's own probabilities, 8 fields per tree: fields 0-7 as one tree of
//! `min(n, 8)` bits, then fields 8-15 as a second tree of `n - 8` bits for a kind of
//! `n > 8` fields; each tree most significant bit (highest field) first. A kind whose
//! entities change the same fields every time (the arena's NPCs: position only) pays ~0.08 bit
//! per entity for its mask.
//!
//! ## Fields
//! Each changed field follows in schema order, coded by its codec as
//! [`crate::schema::codec`] specifies, with the model [`super::plan`] assigns it.
//! The integer models are those of [`super::model`]: `int`, `fixed`, `angle`, `ref`
//! and `float32` differences with a signed model, `flags` with an unsigned model,
//! `vec2` steps with the 2-D step model (motion predicted per kind), `enum` values as
//! a bit tree.
//!
//! Every model here is separate per `FieldModels` instance: the delta body keeps
//! one instance for changed entities and one for created entities.
//!
//! The arena's kinds have 7 fields each, so one 7-bit mask tree (see
//! `crate::sim::schema`): as before the schema existed, so its bytes did not change.

use super::delta::DeltaError;
use super::model::{mono, tree, unmono};
use super::plan::{FieldModels, FieldOp, KindPlan};
use super::rangecoder::BitCoder;

/// A field names a model the plan did not make (never, for a compiled plan).
const MISSING_MODEL: DeltaError = DeltaError::Malformed("field model");

/// Sign-extend the low `bits` (1..=32) of `v`.
fn sign_extend(v: i32, bits: u32) -> i32 {
    let shift = 32 - bits.min(32);
    v.wrapping_shl(shift).wrapping_shr(shift)
}

/// `v` in the domain of an integer `bits` wide.
fn normalize(v: i32, bits: u32, signed: bool) -> i32 {
    if signed {
        sign_extend(v, bits)
    } else {
        (v as u32 & (u32::MAX >> (32 - bits.min(32)))) as i32
    }
}

/// Value `i` of a row, or malformed (never, for a row of the kind's layout).
#[inline]
fn at(values: &[i32], i: usize) -> Result<i32, DeltaError> {
    values
        .get(i)
        .copied()
        .ok_or(DeltaError::Malformed("row shorter than its kind"))
}

#[inline]
fn set(values: &mut [i32], i: usize, v: i32) -> Result<(), DeltaError> {
    let slot = values
        .get_mut(i)
        .ok_or(DeltaError::Malformed("row shorter than its kind"))?;
    *slot = v;
    Ok(())
}

/// Mask of the fields of `kind` in which rows `a` and `b` differ.
pub(crate) fn diff_mask(kind: &KindPlan, a: &[i32], b: &[i32]) -> u32 {
    let mut mask = 0;
    for (i, f) in kind.fields.iter().enumerate() {
        let second = || f.op == FieldOp::Vec2 && a.get(f.value + 1) != b.get(f.value + 1);
        if a.get(f.value) != b.get(f.value) || second() {
            mask |= 1 << i;
        }
    }
    mask
}

impl FieldModels {
    /// Code the changed-field mask of a kind of `fields` fields.
    fn mask<C: BitCoder>(
        &mut self,
        c: &mut C,
        kind: &KindPlan,
        hint: u32,
    ) -> Result<u32, DeltaError> {
        let fields = kind.fields.len() as u32;
        let mut mask = 0;
        let mut done = 0;
        while done < fields {
            let bits = (fields - done).min(8);
            let probs = self
                .masks
                .get_mut(kind.mask + (done / 8) as usize)
                .ok_or(DeltaError::Malformed("entity kind"))?;
            let part = tree(c, probs, bits, (hint >> done) & ((1 << bits) - 1))?;
            mask |= part << done;
            done += bits;
        }
        Ok(mask)
    }

    /// Code row `target` of kind `kind` (plan `plan`) against row `reference` into
    /// `out`, which the caller sets to the reference. The decoder passes any `target`
    /// and `hint_mask` (they are only read as the encoder's hints); the encoder passes
    /// `diff_mask(reference, target)`. With `require_change`, an empty mask is
    /// malformed (a changed entity must change something).
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn code<C: BitCoder>(
        &mut self,
        c: &mut C,
        plan: &KindPlan,
        kind: usize,
        reference: &[i32],
        target: &[i32],
        hint_mask: u32,
        out: &mut [i32],
        require_change: bool,
    ) -> Result<(), DeltaError> {
        let mask = self.mask(c, plan, hint_mask)?;
        if require_change && mask == 0 {
            return Err(DeltaError::Malformed(
                "changed entity without changed fields",
            ));
        }
        let mut pending = mask;
        while pending != 0 {
            let i = pending.trailing_zeros() as usize;
            pending &= pending - 1;
            let f = plan.fields.get(i).ok_or(MISSING_MODEL)?;
            let (r, t) = (at(reference, f.value)?, at(target, f.value)?);
            let value = match f.op {
                FieldOp::Int { bits, signed } => {
                    let model = self.signed.get_mut(f.model).ok_or(MISSING_MODEL)?;
                    let d = model.code(c, sign_extend(t.wrapping_sub(r), bits))?;
                    normalize(r.wrapping_add(d), bits, signed)
                }
                FieldOp::Angle { steps } => {
                    let model = self.signed.get_mut(f.model).ok_or(MISSING_MODEL)?;
                    let d = t.wrapping_sub(r).rem_euclid(steps);
                    let d = if d >= steps / 2 { d - steps } else { d };
                    let d = model.code(c, d)?;
                    r.wrapping_add(d).rem_euclid(steps)
                }
                FieldOp::Flags { mask } => {
                    let model = self.unsigned.get_mut(f.model).ok_or(MISSING_MODEL)?;
                    let d = model.code(c, (t ^ r) as u32 & mask)?;
                    r ^ (d & mask) as i32
                }
                FieldOp::Enum { bits, variants } => {
                    let probs = self.trees.get_mut(f.model).ok_or(MISSING_MODEL)?;
                    let hint = if (t as u32) < variants { t as u32 } else { 0 };
                    let v = tree(c, probs, bits, hint)?;
                    if v >= variants {
                        return Err(DeltaError::Malformed("enum value out of range"));
                    }
                    v as i32
                }
                FieldOp::Float => {
                    let model = self.signed.get_mut(f.model).ok_or(MISSING_MODEL)?;
                    let image = mono(r as u32);
                    let d = model.code(c, mono(t as u32).wrapping_sub(image) as i32)?;
                    unmono(image.wrapping_add(d as u32)) as i32
                }
                FieldOp::Vec2 => {
                    let model = self.steps.get_mut(f.model).ok_or(MISSING_MODEL)?;
                    let (ry, ty) = (at(reference, f.value + 1)?, at(target, f.value + 1)?);
                    let (dx, dy) = model.code(c, kind, (t.wrapping_sub(r), ty.wrapping_sub(ry)))?;
                    set(out, f.value + 1, ry.wrapping_add(dy))?;
                    r.wrapping_add(dx)
                }
            };
            set(out, f.value, value)?;
        }
        Ok(())
    }
}
