//! What the world stores per entity: a network id, a body and kind-specific state.
//!
//! All entities live in one `SlotMap<EntityKey, Entity>`; the world also keeps
//! per-kind key lists in a documented order (see [`super::world`]) so that every
//! loop visits entities in the same order on every run.

use super::movement::Body;
use crate::protocol::{NetId, PlayerId, Tick};
use crate::sim::PlayerInput;

slotmap::new_key_type! {
    /// Storage key of an entity (local to one world; never sent on the wire —
    /// the wire uses [`NetId`]).
    pub struct EntityKey;
}

/// One entity.
#[derive(Debug, Clone, PartialEq)]
pub struct Entity {
    pub id: NetId,
    pub body: Body,
    pub kind: Kind,
}

/// Kind-specific state.
#[derive(Debug, Clone, PartialEq)]
pub enum Kind {
    Player(PlayerState),
    Drone(DroneState),
    Projectile(ProjectileState),
}

impl Kind {
    /// Stable tag for hashing.
    pub fn tag(&self) -> u8 {
        match self {
            Kind::Player(_) => 0,
            Kind::Drone(_) => 1,
            Kind::Projectile(_) => 2,
        }
    }
}

/// A player's avatar.
#[derive(Debug, Clone, PartialEq)]
pub struct PlayerState {
    pub player: PlayerId,
    /// The input in force: the newest one received (held buttons stay held on a
    /// tick without a new input).
    pub input: PlayerInput,
    /// Aim in radians, `0..2π` (0 = +x, counter-clockwise).
    pub aim: f32,
    pub hp: u8,
    pub score: u16,
    /// Ticks until the next shot is allowed.
    pub cooldown: u32,
    /// `Some(t)` while dead: respawns at tick `t`.
    pub respawn_at: Option<Tick>,
}

impl PlayerState {
    pub fn alive(&self) -> bool {
        self.respawn_at.is_none()
    }
}

/// An NPC drone: constant speed, a randomly drifting heading.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DroneState {
    /// Radians, kept in `[-π, π]`.
    pub heading: f32,
}

/// A shot in flight.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ProjectileState {
    pub owner: PlayerId,
    /// Moves left before it expires.
    pub ticks_left: u32,
    /// Lag compensation: it meets players where they were this many ticks ago
    /// (0: the live world). See [`super::history`].
    pub rewind: u32,
}
