//! A [`Schema`] compiled for the delta coder: per kind, each field's coding rule, the
//! index of its first value in the row and the adaptive model it uses.
//!
//! ## Which fields share a model
//! Fields of different kinds with the same name and the same codec share one adaptive
//! model (things named alike change alike: every kind's `pos`), in the order the
//! (name, codec) pairs first appear, kind by kind. A `vec2` model keeps its motion
//! prediction per kind (see [`super::model`]). Each kind has its own mask trees.

use super::model::{SIntModel, UIntModel, VecModel};
use super::rangecoder::Prob;
use crate::schema::{Field, FieldCodec, MAX_KINDS, Schema};

/// How one field's change is coded (the rules of [`crate::schema::codec`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FieldOp {
    /// `int`, `fixed`, `ref` (32 bits, unsigned): wrapping difference in `bits`.
    Int { bits: u32, signed: bool },
    /// Difference modulo `steps`, centred.
    Angle { steps: i32 },
    /// Two values, one 2-D step.
    Vec2,
    /// XOR of the low bits under `mask`.
    Flags { mask: u32 },
    /// The value as a `bits`-bit tree, below `variants`.
    Enum { bits: u32, variants: u32 },
    /// Difference of the order-preserving images of the float bits.
    Float,
}

impl FieldOp {
    fn of(codec: FieldCodec) -> FieldOp {
        match codec {
            FieldCodec::Int { bits, signed } | FieldCodec::Fixed { bits, signed, .. } => {
                FieldOp::Int {
                    bits: u32::from(bits),
                    signed,
                }
            }
            FieldCodec::Ref { .. } => FieldOp::Int {
                bits: 32,
                signed: false,
            },
            FieldCodec::Angle { steps } => FieldOp::Angle {
                steps: steps as i32,
            },
            FieldCodec::Vec2 { .. } => FieldOp::Vec2,
            FieldCodec::Flags { bits } => FieldOp::Flags {
                mask: u32::MAX >> (32 - u32::from(bits)),
            },
            FieldCodec::Enum { variants } => FieldOp::Enum {
                bits: tree_bits(variants as usize),
                variants,
            },
            FieldCodec::Float32 => FieldOp::Float,
        }
    }

    /// The op that keeps any value of `codec` exactly (see [`RowCodec::exact`]).
    fn exact(codec: FieldCodec) -> FieldOp {
        match codec {
            FieldCodec::Float32 => FieldOp::Float,
            FieldCodec::Vec2 { .. } => FieldOp::Vec2,
            FieldCodec::Flags { .. } => FieldOp::Flags { mask: u32::MAX },
            _ => FieldOp::Int {
                bits: 32,
                signed: true,
            },
        }
    }

    /// Which family of models the op codes with.
    fn family(self) -> Family {
        match self {
            FieldOp::Int { .. } | FieldOp::Angle { .. } | FieldOp::Float => Family::Signed,
            FieldOp::Flags { .. } => Family::Unsigned,
            FieldOp::Vec2 => Family::Step,
            FieldOp::Enum { .. } => Family::Tree,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Family {
    Signed,
    Unsigned,
    Step,
    Tree,
}

/// Bits of a tree that can name `n` values (0 for one value).
pub(crate) fn tree_bits(n: usize) -> u32 {
    usize::BITS - n.saturating_sub(1).leading_zeros()
}

/// One field of a kind, compiled.
#[derive(Debug, Clone, Copy)]
pub(crate) struct FieldPlan {
    pub(crate) op: FieldOp,
    /// Index of the field's first value in the row.
    pub(crate) value: usize,
    /// Index of its model in the models of its family.
    pub(crate) model: usize,
}

/// One kind, compiled.
#[derive(Debug, Clone)]
pub(crate) struct KindPlan {
    pub(crate) fields: Vec<FieldPlan>,
    /// Index of the kind's first mask tree in [`FieldModels::masks`].
    pub(crate) mask: usize,
}

/// The adaptive state of the field coder: mask trees (per kind, up to 8 fields per
/// tree) and one model per shared field. Fresh (every probability one half) when
/// cloned from [`RowCodec`]'s template.
#[derive(Clone)]
pub(crate) struct FieldModels {
    pub(crate) masks: Vec<[Prob; 256]>,
    pub(crate) signed: Vec<SIntModel>,
    pub(crate) unsigned: Vec<UIntModel>,
    pub(crate) steps: Vec<VecModel>,
    pub(crate) trees: Vec<[Prob; 256]>,
}

/// A schema compiled for the delta coder (see the module docs). Build it once per
/// schema and share it; coding borrows it.
#[derive(Clone)]
pub struct RowCodec {
    pub(crate) kinds: Vec<KindPlan>,
    /// Bits of the created-entity kind tree.
    pub(crate) kind_bits: u32,
    pub(crate) template: FieldModels,
}

impl RowCodec {
    /// Compile `schema` (valid by construction, so this cannot fail).
    pub fn new(schema: &Schema) -> RowCodec {
        let kinds = schema.kinds().iter().take(MAX_KINDS);
        RowCodec::compile(kinds.map(|k| k.fields.as_slice()), FieldOp::of)
    }

    /// One kind of `fields` whose every value is coded exactly, whatever it is:
    /// integers, angles, enums and references as wrapping 32-bit differences, flags
    /// as a 32-bit XOR, floats and vectors as usual (so any `i32` round-trips, even
    /// outside a field's domain). Replays code recorded inputs with it.
    pub(crate) fn exact(fields: &[Field]) -> RowCodec {
        RowCodec::compile(std::iter::once(fields), FieldOp::exact)
    }

    fn compile<'a>(
        kinds_fields: impl Iterator<Item = &'a [Field]>,
        op_of: fn(FieldCodec) -> FieldOp,
    ) -> RowCodec {
        let mut shared: Vec<(&str, FieldCodec, usize)> = Vec::new();
        let mut counts = [0usize; 4];
        let mut masks = 0;
        let mut kinds = Vec::new();
        for kind_fields in kinds_fields {
            let mut fields = Vec::new();
            let layout = kind_fields.iter().scan(0, |next, field| {
                let at = *next;
                *next += field.codec.values();
                Some((at, field))
            });
            for (value, field) in layout {
                let op = op_of(field.codec);
                let family = op.family() as usize;
                let model = match shared
                    .iter()
                    .find(|(name, codec, _)| *name == field.name && *codec == field.codec)
                {
                    Some(&(_, _, model)) => model,
                    None => {
                        let model = counts[family];
                        counts[family] += 1;
                        shared.push((field.name.as_str(), field.codec, model));
                        model
                    }
                };
                fields.push(FieldPlan { op, value, model });
            }
            kinds.push(KindPlan {
                mask: masks,
                fields,
            });
            masks += kind_fields.len().div_ceil(8);
        }
        let [signed, unsigned, steps, trees] = counts;
        RowCodec {
            kind_bits: tree_bits(kinds.len()),
            kinds,
            template: FieldModels {
                masks: vec![[Prob::HALF; 256]; masks],
                signed: vec![SIntModel::new(); signed],
                unsigned: vec![UIntModel::new(); unsigned],
                steps: vec![VecModel::new(); steps],
                trees: vec![[Prob::HALF; 256]; trees],
            },
        }
    }

    /// How many kinds the schema has.
    pub fn kind_count(&self) -> usize {
        self.kinds.len()
    }
}
