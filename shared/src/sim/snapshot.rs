//! The quantized snapshot: the visible world at one tick, as the wire carries it.
//!
//! Values are stored quantized, so two snapshots compare exactly and a decoded delta
//! equals what the encoder saw. Precision (see the constants):
//! - positions: steps of 1/16 unit, rounded, so within 1/32 unit of the true value;
//! - velocities: steps of 1/8 unit/s;
//! - angles: 512 steps per turn, so within 0.36 degree.

use crate::protocol::{NetId, Tick};
use glam::Vec2;
use serde::{Deserialize, Serialize};

/// Position steps per world unit.
pub const POS_SCALE: f32 = 16.0;
/// Velocity steps per unit/second.
pub const VEL_SCALE: f32 = 8.0;
/// Angle steps per full turn.
pub const ANGLE_STEPS: u32 = 512;

/// What an entity is; decides how clients draw it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EntityKind {
    Player,
    Drone,
    Projectile,
}

/// One entity as seen in a snapshot, quantized.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct EntityState {
    pub id: NetId,
    pub kind: EntityKind,
    /// Position in 1/[`POS_SCALE`] units.
    pub x: i32,
    pub y: i32,
    /// Velocity in 1/[`VEL_SCALE`] units per second.
    pub vx: i32,
    pub vy: i32,
    /// Angle in 1/[`ANGLE_STEPS`] turns, `0..ANGLE_STEPS`.
    pub angle: u16,
    /// Hit points (0 while dead).
    pub hp: u8,
    /// Kills (players only).
    pub score: u16,
    /// Kind-specific flag bits (see [`EntityState::FLAG_DEAD`]).
    pub flags: u8,
    /// Owning player: the player itself, the shooter of a projectile, 0 for drones.
    pub owner: u32,
}

impl EntityState {
    /// The player is dead and waiting to respawn.
    pub const FLAG_DEAD: u8 = 1;

    /// An entity of `kind` with every other field zero.
    pub fn new(id: NetId, kind: EntityKind) -> EntityState {
        EntityState {
            id,
            kind,
            x: 0,
            y: 0,
            vx: 0,
            vy: 0,
            angle: 0,
            hp: 0,
            score: 0,
            flags: 0,
            owner: 0,
        }
    }

    pub fn pos(&self) -> Vec2 {
        Vec2::new(self.x as f32 / POS_SCALE, self.y as f32 / POS_SCALE)
    }
    pub fn vel(&self) -> Vec2 {
        Vec2::new(self.vx as f32 / VEL_SCALE, self.vy as f32 / VEL_SCALE)
    }
    /// Angle in radians, `0..2π`.
    pub fn angle_rad(&self) -> f32 {
        self.angle as f32 * core::f32::consts::TAU / ANGLE_STEPS as f32
    }
}

/// Quantize a position component.
pub fn quantize_pos(v: f32) -> i32 {
    (v * POS_SCALE).round() as i32
}

/// Quantize a velocity component.
pub fn quantize_vel(v: f32) -> i32 {
    (v * VEL_SCALE).round() as i32
}

/// Quantize an angle in radians (any range) to `0..ANGLE_STEPS`.
pub fn quantize_angle(rad: f32) -> u16 {
    let turns = rad / core::f32::consts::TAU;
    let steps = (turns - libm::floorf(turns)) * ANGLE_STEPS as f32;
    (libm::roundf(steps) as u32 % ANGLE_STEPS) as u16
}

/// The visible world at a tick: entities sorted by id, ids unique.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Snapshot {
    pub tick: Tick,
    pub entities: Vec<EntityState>,
}

impl Snapshot {
    /// Find an entity by id (binary search; entities are sorted).
    pub fn get(&self, id: NetId) -> Option<&EntityState> {
        self.entities
            .binary_search_by_key(&id, |e| e.id)
            .ok()
            .and_then(|i| self.entities.get(i))
    }
}
