//! The closed vocabulary of field codecs: what a field's value is and how the delta
//! coder writes a change of it.
//!
//! Every value is held as one `i32` (a 2-D vector as two), the field's integer as a
//! 32-bit two's complement pattern: an unsigned 32-bit id is its bit pattern, a float
//! its IEEE bits. A field's *domain* is the set of values it can hold; the coder
//! always decodes into the domain, and codes a value outside it as the value it
//! normalizes to (so a row round-trips exactly when every value is in its domain).
//!
//! | codec     | domain                                 | a change is coded as (r = reference, t = target)            |
//! |-----------|----------------------------------------|-------------------------------------------------------------|
//! | `int`     | `bits` wide, `signed` or not           | `t - r` wrapping in `bits`, sign-extended: signed integer   |
//! | `fixed`   | as `int`; the value means `v / scale`   | as `int`                                                    |
//! | `angle`   | `0..steps` (one turn)                  | `(t - r) mod steps` mapped to `-steps/2..steps/2`: signed   |
//! | `vec2`    | two i32 (`v / scale` units)            | step `(t - r)` per part, wrapping, with the 2-D step model  |
//! | `flags`   | `bits` wide, unsigned                  | `t xor r`: unsigned integer                                 |
//! | `enum`    | `0..variants`                          | `t` itself as a bit tree of `ceil(log2 variants)` bits      |
//! | `ref`     | any u32 (an entity's or a player's id) | `t - r` wrapping in 32 bits: signed integer                 |
//! | `float32` | any f32 (its bits)                     | difference of the order-preserving integer images: signed   |
//!
//! Decoding applies the change to the reference with the same wrapping and keeps the
//! result in the domain (`int`: the low `bits`, sign-extended when signed; `angle`:
//! the non-negative remainder). The integer models (signed, unsigned, 2-D step) are
//! specified in [`crate::codec::model`].

use serde::{Deserialize, Serialize};

/// Most steps an `angle` may have per turn.
pub const MAX_ANGLE_STEPS: u32 = 1 << 16;
/// Most variants an `enum` may have.
pub const MAX_ENUM_VARIANTS: u32 = 256;

/// How a field is coded (see the module docs for every rule).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum FieldCodec {
    /// An integer `bits` wide (1..=32), two's complement when `signed`.
    Int { bits: u8, signed: bool },
    /// An integer `bits` wide that means `value / scale` (`scale` >= 1).
    Fixed { bits: u8, signed: bool, scale: u32 },
    /// A direction in `steps` steps per turn (2..=65536), `0..steps`.
    Angle { steps: u32 },
    /// A 2-D vector of two i32 meaning `value / scale` units, coded as one step with
    /// the motion prediction of its entity kind.
    Vec2 { scale: u32 },
    /// Independent bits, `bits` wide (1..=32), changes coded as XOR.
    Flags { bits: u8 },
    /// One of `variants` (1..=256) values, `0..variants`.
    Enum { variants: u32 },
    /// The id of another entity or of a player (a u32).
    Ref { target: RefTarget },
    /// A 32-bit float, kept bit for bit.
    Float32,
}

/// What a [`FieldCodec::Ref`] names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RefTarget {
    /// An entity's network id (as in snapshots).
    Entity,
    /// A player's id (as in the player roster and events).
    Player,
}

impl FieldCodec {
    /// How many `i32` values the field takes in a row (a `vec2` two, others one).
    pub fn values(&self) -> usize {
        match self {
            FieldCodec::Vec2 { .. } => 2,
            _ => 1,
        }
    }

    /// Why the parameters are out of range, if they are.
    pub fn check(&self) -> Result<(), &'static str> {
        let bits_ok = |bits: u8| (1..=32).contains(&bits);
        match *self {
            FieldCodec::Int { bits, .. } | FieldCodec::Flags { bits } if !bits_ok(bits) => {
                Err("bits must be 1..=32")
            }
            FieldCodec::Fixed { bits, scale, .. } => {
                if !bits_ok(bits) {
                    Err("bits must be 1..=32")
                } else if scale == 0 {
                    Err("scale must be at least 1")
                } else {
                    Ok(())
                }
            }
            FieldCodec::Angle { steps } if !(2..=MAX_ANGLE_STEPS).contains(&steps) => {
                Err("angle steps must be 2..=65536")
            }
            FieldCodec::Vec2 { scale: 0 } => Err("scale must be at least 1"),
            FieldCodec::Enum { variants } if !(1..=MAX_ENUM_VARIANTS).contains(&variants) => {
                Err("enum variants must be 1..=256")
            }
            _ => Ok(()),
        }
    }

    /// Whether a client may interpolate between two values (numbers and directions;
    /// not flags, enums, references).
    pub fn interpolable(&self) -> bool {
        matches!(
            self,
            FieldCodec::Int { .. }
                | FieldCodec::Fixed { .. }
                | FieldCodec::Angle { .. }
                | FieldCodec::Vec2 { .. }
                | FieldCodec::Float32
        )
    }

    /// How many labels the field may carry: one per enum variant or flag bit.
    pub fn max_labels(&self) -> usize {
        match *self {
            FieldCodec::Enum { variants } => variants as usize,
            FieldCodec::Flags { bits } => usize::from(bits),
            _ => 0,
        }
    }
}
