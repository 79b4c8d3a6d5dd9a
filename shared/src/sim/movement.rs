//! Player movement rules, shared by the server and by clients that predict.
//!
//! [`move_player`] is pure: the same body, input, map and `dt` always give the same
//! result, bit for bit, on every machine (it uses only `+ - * /`, `sqrt` and
//! comparisons). A client that runs it on its own inputs predicts exactly what the
//! server will compute for the same inputs, and can reconcile by replaying its
//! unacknowledged inputs from the server's state.
//!
//! The model, per step:
//! 1. friction: the speed drops by [`PLAYER_FRICTION`]` * dt` (never below zero);
//! 2. acceleration: [`PLAYER_ACCEL`]` * dt` along the held direction (`UP` is `+y`,
//!    `RIGHT` is `+x`; diagonals are normalized, opposite keys cancel);
//! 3. the speed is capped at [`PLAYER_MAX_SPEED`];
//! 4. the body moves along x, then along y, as a square of half-size
//!    [`PLAYER_RADIUS`], stopping flush against walls and the arena edges; a blocked
//!    axis loses its velocity, so players slide along walls.

use super::collide::{axis_bounds, sweep_axis};
use super::map::Map;
use crate::sim::{Buttons, PlayerInput};
use glam::Vec2;

/// Half-size of a player's collision box, and radius for projectile hits (units).
pub const PLAYER_RADIUS: f32 = 16.0;
/// Acceleration while a direction is held (units/s²).
pub const PLAYER_ACCEL: f32 = 1800.0;
/// Deceleration always applied against the velocity (units/s²).
pub const PLAYER_FRICTION: f32 = 900.0;
/// Speed cap (units/s).
pub const PLAYER_MAX_SPEED: f32 = 300.0;

/// A moving body: position and velocity in world units.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Body {
    pub pos: Vec2,
    pub vel: Vec2,
}

/// The unit (or zero) direction the held buttons ask for.
pub fn wish_dir(buttons: Buttons) -> Vec2 {
    let axis = |pos: u8, neg: u8| -> f32 {
        f32::from(u8::from(buttons.has(pos))) - f32::from(u8::from(buttons.has(neg)))
    };
    let dir = Vec2::new(
        axis(Buttons::RIGHT, Buttons::LEFT),
        axis(Buttons::UP, Buttons::DOWN),
    );
    if dir.x != 0.0 && dir.y != 0.0 {
        dir * core::f32::consts::FRAC_1_SQRT_2
    } else {
        dir
    }
}

/// Advance a player body one fixed step `dt` under `input`, colliding with `map`.
/// A non-positive or non-finite `dt` leaves the body unchanged.
pub fn move_player(body: &mut Body, input: &PlayerInput, map: &Map, dt: f32) {
    if !(dt.is_finite() && dt > 0.0) {
        return;
    }
    let speed = body.vel.length();
    if speed > 0.0 {
        let slowed = (speed - PLAYER_FRICTION * dt).max(0.0);
        body.vel *= slowed / speed;
    }
    body.vel += wish_dir(input.buttons) * (PLAYER_ACCEL * dt);
    let speed = body.vel.length();
    if speed > PLAYER_MAX_SPEED {
        body.vel *= PLAYER_MAX_SPEED / speed;
    }

    let r = PLAYER_RADIUS;
    let step = body.vel * dt;

    let y = body.pos.y;
    let x_walls = map
        .walls
        .iter()
        .filter(|w| y > w.min.y - r && y < w.max.y + r)
        .map(|w| (w.min.x - r, w.max.x + r));
    let (x, blocked) = sweep_axis(body.pos.x, step.x, x_walls, axis_bounds(map.size.x, r));
    body.pos.x = x;
    if blocked {
        body.vel.x = 0.0;
    }

    let y_walls = map
        .walls
        .iter()
        .filter(|w| x > w.min.x - r && x < w.max.x + r)
        .map(|w| (w.min.y - r, w.max.y + r));
    let (y, blocked) = sweep_axis(body.pos.y, step.y, y_walls, axis_bounds(map.size.y, r));
    body.pos.y = y;
    if blocked {
        body.vel.y = 0.0;
    }
}

/// Where a player placed at `pos` ends up: inside the arena edges (spawn points may
/// lie on the edge; the box may not).
pub fn clamp_to_arena(pos: Vec2, map: &Map) -> Vec2 {
    let (x_lo, x_hi) = axis_bounds(map.size.x, PLAYER_RADIUS);
    let (y_lo, y_hi) = axis_bounds(map.size.y, PLAYER_RADIUS);
    Vec2::new(pos.x.clamp(x_lo, x_hi), pos.y.clamp(y_lo, y_hi))
}
