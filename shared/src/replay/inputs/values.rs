//! How one player's changed input is coded (step 4 of the body in [`super`]).
//!
//! Format 5: the input schema's fields are one entity kind for the snapshot coder's
//! field rules ([`crate::codec::fields`]): a changed-field mask (bit trees of at
//! most 8 fields), then each changed field against the player's previous input,
//! with the rules made exact for any `i32` ([`RowCodec::exact`]): integers, angles,
//! enums and references as wrapping 32-bit differences (signed model), flags as a
//! 32-bit XOR (unsigned model), floats as the difference of their order-preserving
//! images, 2-D vectors as one step. A value outside its field's domain (a hostile
//! client's, which the game clamps) is kept as it was, so re-simulation steps the
//! game with exactly what the room stepped it with.
//!
//! Formats 2 to 4 code the arena's buttons and aim ([`ChangeModel`]).

use crate::codec::DeltaError;
use crate::codec::RowCodec;
use crate::codec::fields::diff_mask;
use crate::codec::plan::FieldModels;
use crate::codec::rangecoder::BitCoder;
use crate::game::InputValues;
use crate::schema::Field;
use crate::sim::replay4::change::ChangeModel;

/// The coder of changed inputs of one replay (see the module docs).
#[derive(Clone)]
pub(crate) enum ValueCoder {
    /// Format 5: the input schema's fields, exactly.
    Schema {
        codec: Box<RowCodec>,
        models: Box<FieldModels>,
        len: usize,
    },
    /// Formats 2 to 4: the arena's buttons and aim, by the arena's own model.
    Format4(Box<ChangeModel>),
}

impl ValueCoder {
    /// The coder of a file of format `version` whose game's input is `input`.
    pub(crate) fn new(version: u16, input: &[Field]) -> ValueCoder {
        if version < 5 {
            return ValueCoder::Format4(Box::new(ChangeModel::new()));
        }
        let codec = RowCodec::exact(input);
        let models = codec.template.clone();
        let len = input.iter().map(|f| f.codec.values()).sum();
        ValueCoder::Schema {
            codec: Box::new(codec),
            models: Box::new(models),
            len,
        }
    }

    /// The input a player has before its first: every value 0.
    pub(crate) fn zeros(&self) -> InputValues {
        let len = match self {
            ValueCoder::Schema { len, .. } => *len,
            ValueCoder::Format4(_) => ChangeModel::VALUES,
        };
        InputValues(vec![0; len])
    }

    /// Code the input that replaces `prev` (`hint`: the real one, when encoding;
    /// of the schema's value count).
    pub(crate) fn code<C: BitCoder>(
        &mut self,
        c: &mut C,
        prev: &InputValues,
        hint: &InputValues,
    ) -> Result<InputValues, DeltaError> {
        match self {
            ValueCoder::Schema { codec, models, len } => {
                let plan = codec
                    .kinds
                    .first()
                    .ok_or(DeltaError::Malformed("input plan"))?;
                let target = if hint.0.len() == *len { hint } else { prev };
                let mask = diff_mask(plan, &prev.0, &target.0);
                let mut out = prev.clone();
                models.code(c, plan, 0, &prev.0, &target.0, mask, &mut out.0, true)?;
                Ok(out)
            }
            ValueCoder::Format4(change) => change.code_values(c, prev, hint),
        }
    }
}
