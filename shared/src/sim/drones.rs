//! NPC drones: harmless wanderers and the benchmark load knob.
//!
//! The motion is fixed because benchmarks compare servers on exactly it:
//! - a drone starts at a seeded uniform random position in the arena
//!   `[0, w) x [0, h)` with a seeded uniform random heading in `[-π, π)`;
//! - every tick its heading changes by a seeded uniform random amount in
//!   `[-drone_turn, drone_turn)` (0.15 rad), then it moves `drone_speed * dt`
//!   (120 units/s) along the heading;
//! - crossing an arena edge it is mirrored back inside and its heading reflected
//!   (`π - h` off a vertical edge, `-h` off a horizontal one). Interior walls and
//!   projectiles do not affect drones.
//!
//! Random numbers come from the world's one seeded [`Pcg32`](super::rng::Pcg32), drawn
//! in drone `NetId` order: at creation `x, y, heading` per drone, then one turn per
//! drone per tick. Trigonometry is `libm`'s, so the paths are the same everywhere.

use super::entity::{DroneState, Kind};
use super::movement::Body;
use super::world::{World, WorldConfig};
use core::f32::consts::{PI, TAU};
use glam::Vec2;

/// Mirror `v` back into `[0, len]`; returns whether it crossed an edge.
fn reflect(v: &mut f32, len: f32) -> bool {
    if *v < 0.0 {
        *v = (-*v).min(len);
        true
    } else if *v > len {
        *v = (2.0 * len - *v).max(0.0);
        true
    } else {
        false
    }
}

impl World {
    /// Create `config.drones` drones (at most [`WorldConfig::MAX_DRONES`]).
    pub(super) fn spawn_drones(&mut self) {
        let count = self.config.drones.min(WorldConfig::MAX_DRONES);
        let size = self.map.size;
        let speed = self.config.rules.drone_speed;
        self.drones.reserve(count as usize);
        for _ in 0..count {
            let x = self.rng.range(0.0, size.x);
            let y = self.rng.range(0.0, size.y);
            let heading = self.rng.range(-PI, PI);
            let vel = Vec2::new(libm::cosf(heading), libm::sinf(heading)) * speed;
            let body = Body {
                pos: Vec2::new(x, y),
                vel,
            };
            let (key, _) = self.insert(body, Kind::Drone(DroneState { heading }));
            self.drones.push(key);
        }
    }

    /// One tick of drone motion, in `NetId` order.
    pub(super) fn move_drones(&mut self) {
        let turn = self.config.rules.drone_turn;
        let speed = self.config.rules.drone_speed;
        let step = speed * self.dt;
        let size = self.map.size;
        for &key in &self.drones {
            let Some(entity) = self.entities.get_mut(key) else {
                continue;
            };
            let Kind::Drone(drone) = &mut entity.kind else {
                continue;
            };
            let mut heading = drone.heading + self.rng.range(-turn, turn);
            let dir = Vec2::new(libm::cosf(heading), libm::sinf(heading));
            let mut pos = entity.body.pos + dir * step;
            let mut vel = dir * speed;
            if reflect(&mut pos.x, size.x) {
                heading = PI - heading;
                vel.x = -vel.x;
            }
            if reflect(&mut pos.y, size.y) {
                heading = -heading;
                vel.y = -vel.y;
            }
            if heading > PI {
                heading -= TAU;
            } else if heading < -PI {
                heading += TAU;
            }
            drone.heading = heading;
            entity.body = Body { pos, vel };
        }
    }
}
