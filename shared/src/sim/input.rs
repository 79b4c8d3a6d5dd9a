//! The arena's input: held buttons and an aim angle, one per player per tick (on the
//! wire as the values of the schema's input, see [`super::game`]).

use serde::{Deserialize, Serialize};

/// Held buttons of one input, as bits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Buttons(pub u8);

impl Buttons {
    pub const UP: u8 = 1;
    pub const DOWN: u8 = 2;
    pub const LEFT: u8 = 4;
    pub const RIGHT: u8 = 8;
    pub const FIRE: u8 = 16;
    /// Bits that carry meaning; others are ignored by the simulation.
    pub const ALL: u8 = 31;

    pub fn has(self, bit: u8) -> bool {
        self.0 & bit != 0
    }
}

/// What a player does during one tick: held buttons and aim angle (radians, 0 = +x,
/// counter-clockwise, y up in world space).
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct PlayerInput {
    pub buttons: Buttons,
    pub aim: f32,
}
