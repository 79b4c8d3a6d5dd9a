//! How one arena player's changed input is coded in formats 2 to 4 (step 4 of the
//! body in [`crate::replay::inputs`]): a `buttons changed` bit and the 8-bit XOR with the previous buttons as a bit tree,
//! an `aim changed` bit when the buttons changed (implied otherwise), and the aim as
//! the signed difference of the two aims' order-preserving integer images (the `f32`
//! bits kept exactly, NaN payloads included).

use crate::codec::DeltaError;
use crate::codec::model::{SIntModel, mono, tree, unmono};
use crate::codec::rangecoder::{BitCoder, Prob};
use crate::game::{Game, InputValues};
use crate::sim::{Arena, Buttons, PlayerInput};

/// How a changed input is coded.
#[derive(Clone)]
pub(crate) struct ChangeModel {
    buttons_changed: Prob,
    buttons: [Prob; 256],
    aim_changed: Prob,
    aim: SIntModel,
}

impl ChangeModel {
    /// The arena's input values (buttons, aim) in formats 2 to 4.
    pub(crate) const VALUES: usize = 2;

    /// [`ChangeModel::code`] on input values (read as [`Arena`] reads them).
    pub(crate) fn code_values<C: BitCoder>(
        &mut self,
        c: &mut C,
        prev: &InputValues,
        hint: &InputValues,
    ) -> Result<InputValues, DeltaError> {
        let prev = Arena::input_from_values(prev);
        let hint = Arena::input_from_values(hint);
        Ok(Arena::input_values(&self.code(c, prev, hint)?))
    }

    /// The model before any input was coded (every probability at one half).
    pub(crate) fn new() -> ChangeModel {
        ChangeModel {
            buttons_changed: Prob::HALF,
            buttons: [Prob::HALF; 256],
            aim_changed: Prob::HALF,
            aim: SIntModel::new(),
        }
    }

    /// Code the input that replaces `prev` (`hint`: the real one, when encoding).
    pub(crate) fn code<C: BitCoder>(
        &mut self,
        c: &mut C,
        prev: PlayerInput,
        hint: PlayerInput,
    ) -> Result<PlayerInput, DeltaError> {
        let buttons = if c.bit(&mut self.buttons_changed, hint.buttons != prev.buttons)? {
            let xor = u32::from(hint.buttons.0 ^ prev.buttons.0);
            let xor = tree(c, &mut self.buttons, 8, xor)?;
            Buttons(prev.buttons.0 ^ (xor & 0xff) as u8)
        } else {
            prev.buttons
        };
        let aim_changed = buttons == prev.buttons
            || c.bit(
                &mut self.aim_changed,
                hint.aim.to_bits() != prev.aim.to_bits(),
            )?;
        let aim = if aim_changed {
            let base = mono(prev.aim.to_bits());
            let diff = mono(hint.aim.to_bits()).wrapping_sub(base) as i32;
            let diff = self.aim.code(c, diff)?;
            f32::from_bits(unmono(base.wrapping_add(diff as u32)))
        } else {
            prev.aim
        };
        Ok(PlayerInput { buttons, aim })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mono_orders_like_floats_and_inverts() {
        let xs = [
            f32::NEG_INFINITY,
            -3.0,
            -1e-30,
            -0.0,
            0.0,
            1e-30,
            2.5,
            f32::INFINITY,
        ];
        for w in xs.windows(2) {
            assert!(mono(w[0].to_bits()) < mono(w[1].to_bits()), "{w:?}");
        }
        for bits in [0u32, 1, 0x7fc0_0001, 0x8000_0000, 0xffff_ffff, 0x4049_0fdb] {
            assert_eq!(unmono(mono(bits)), bits);
        }
    }
}
