//! One entity coded against a reference entity: a changed-field mask, then only the
//! changed fields, each as a difference from the reference.
//!
//! ## Mask
//! Seven bits, coded as a 7-bit tree (most significant first) over the probabilities
//! of the entity's kind, so a kind whose entities change the same fields every time
//! (drones: position only) pays ~0.08 bit per entity for its mask:
//!
//! | bit | value | field     | coded as (r = reference)                               |
//! |-----|-------|-----------|--------------------------------------------------------|
//! | 0   | 1     | x, y      | step `(x - r.x, y - r.y)`, wrapping i32, `pos` VecModel |
//! | 1   | 2     | vx, vy    | step `(vx - r.vx, vy - r.vy)`, `vel` VecModel            |
//! | 2   | 4     | angle     | `(angle - r.angle) mod 512` mapped to -256..=255, SInt  |
//! | 3   | 8     | hp        | `hp - r.hp` wrapping as i8, SInt                         |
//! | 4   | 16    | score     | `score - r.score` wrapping as i16, SInt                  |
//! | 5   | 32    | flags     | `flags xor r.flags`, UInt                                |
//! | 6   | 64    | owner     | `owner - r.owner` wrapping as i32, SInt                  |
//!
//! Fields follow the mask in the order of the table. Decoding applies each difference
//! to the reference with the same wrapping (angle: `(r.angle + d) mod 512`, taking the
//! non-negative remainder; hp/score: keep the low 8/16 bits). Angles must be in
//! `0..ANGLE_STEPS`, as the [`Snapshot`](super::Snapshot) type documents.
//!
//! Every model here is separate per `FieldModels` instance: the delta body keeps
//! one instance for changed entities and one for created entities.

use super::delta::DeltaError;
use super::model::{KINDS, SIntModel, UIntModel, VecModel, tree};
use super::rangecoder::{BitCoder, Prob};
use super::snapshot::{ANGLE_STEPS, EntityKind, EntityState};

const POS: u32 = 1;
const VEL: u32 = 2;
const ANGLE: u32 = 4;
const HP: u32 = 8;
const SCORE: u32 = 16;
const FLAGS: u32 = 32;
const OWNER: u32 = 64;
const MASK_BITS: u32 = 7;

/// Index of a kind in per-kind model arrays and on the wire.
pub(crate) fn kind_index(kind: EntityKind) -> u32 {
    match kind {
        EntityKind::Player => 0,
        EntityKind::Drone => 1,
        EntityKind::Projectile => 2,
    }
}

/// The kind with this wire index.
pub(crate) fn kind_from_index(index: u32) -> Option<EntityKind> {
    match index {
        0 => Some(EntityKind::Player),
        1 => Some(EntityKind::Drone),
        2 => Some(EntityKind::Projectile),
        _ => None,
    }
}

/// Mask of the fields in which `a` and `b` differ.
pub(crate) fn diff_mask(a: &EntityState, b: &EntityState) -> u32 {
    let mut mask = 0;
    let mut set = |bit: u32, differs: bool| {
        if differs {
            mask |= bit;
        }
    };
    set(POS, (a.x, a.y) != (b.x, b.y));
    set(VEL, (a.vx, a.vy) != (b.vx, b.vy));
    set(ANGLE, a.angle != b.angle);
    set(HP, a.hp != b.hp);
    set(SCORE, a.score != b.score);
    set(FLAGS, a.flags != b.flags);
    set(OWNER, a.owner != b.owner);
    mask
}

/// The adaptive models for entities coded against references.
#[derive(Clone)]
pub(crate) struct FieldModels {
    mask: [[Prob; 1 << MASK_BITS]; KINDS],
    pos: VecModel,
    vel: VecModel,
    angle: SIntModel,
    hp: SIntModel,
    score: SIntModel,
    flags: UIntModel,
    owner: SIntModel,
}

impl FieldModels {
    pub(crate) fn new() -> Self {
        FieldModels {
            mask: [[Prob::HALF; 1 << MASK_BITS]; KINDS],
            pos: VecModel::new(),
            vel: VecModel::new(),
            angle: SIntModel::new(),
            hp: SIntModel::new(),
            score: SIntModel::new(),
            flags: UIntModel::new(),
            owner: SIntModel::new(),
        }
    }

    /// Code `target` against `reference` and return the decoded entity: it has the
    /// reference's id and kind and the coded fields. The decoder passes any `target`
    /// (it is only read as the encoder's hint). With `require_change`, an empty
    /// mask is malformed (a changed entity must change something).
    pub(crate) fn code<C: BitCoder>(
        &mut self,
        c: &mut C,
        reference: &EntityState,
        target: &EntityState,
        require_change: bool,
    ) -> Result<EntityState, DeltaError> {
        let kind = kind_index(reference.kind) as usize;
        let mask_probs = self
            .mask
            .get_mut(kind)
            .ok_or(DeltaError::Malformed("entity kind"))?;
        let mask = tree(c, mask_probs, MASK_BITS, diff_mask(reference, target))?;
        if require_change && mask == 0 {
            return Err(DeltaError::Malformed(
                "changed entity without changed fields",
            ));
        }
        let r = reference;
        let t = target;
        let mut out = *reference;
        if mask & POS != 0 {
            let step = (t.x.wrapping_sub(r.x), t.y.wrapping_sub(r.y));
            let (dx, dy) = self.pos.code(c, kind, step)?;
            out.x = r.x.wrapping_add(dx);
            out.y = r.y.wrapping_add(dy);
        }
        if mask & VEL != 0 {
            let step = (t.vx.wrapping_sub(r.vx), t.vy.wrapping_sub(r.vy));
            let (dx, dy) = self.vel.code(c, kind, step)?;
            out.vx = r.vx.wrapping_add(dx);
            out.vy = r.vy.wrapping_add(dy);
        }
        if mask & ANGLE != 0 {
            let steps = ANGLE_STEPS as i32;
            let d = (i32::from(t.angle) - i32::from(r.angle)).rem_euclid(steps);
            let d = if d >= steps / 2 { d - steps } else { d };
            let d = self.angle.code(c, d)?;
            let angle = i32::from(r.angle).wrapping_add(d).rem_euclid(steps);
            out.angle = angle as u16;
        }
        if mask & HP != 0 {
            let d = self.hp.code(c, i32::from(t.hp.wrapping_sub(r.hp) as i8))?;
            out.hp = r.hp.wrapping_add(d as u8);
        }
        if mask & SCORE != 0 {
            let d = t.score.wrapping_sub(r.score) as i16;
            let d = self.score.code(c, i32::from(d))?;
            out.score = r.score.wrapping_add(d as u16);
        }
        if mask & FLAGS != 0 {
            let d = self.flags.code(c, u32::from(t.flags ^ r.flags))?;
            out.flags = r.flags ^ (d as u8);
        }
        if mask & OWNER != 0 {
            let d = self.owner.code(c, t.owner.wrapping_sub(r.owner) as i32)?;
            out.owner = r.owner.wrapping_add(d as u32);
        }
        Ok(out)
    }
}
