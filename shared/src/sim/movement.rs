//! Player movement rules, shared by the server and by clients that predict.

use super::map::Map;
use crate::protocol::PlayerInput;
use glam::Vec2;

/// A moving body: position and velocity in world units.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Body {
    pub pos: Vec2,
    pub vel: Vec2,
}

/// Advance a player body one fixed step `dt` under `input`, colliding with `map`.
pub fn move_player(body: &mut Body, input: &PlayerInput, map: &Map, dt: f32) {
    todo!("{body:?} {input:?} {map:?} {dt}")
}
