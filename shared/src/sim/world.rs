//! The World: all entities, the rules, one fixed step at a time.

use super::map::Map;
use crate::codec::Snapshot;
use crate::protocol::{GameEvent, NetId, PlayerId, PlayerInput, Tick};
use serde::{Deserialize, Serialize};

/// Tunable game rules. Defaults are the arena's.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Rules {
    pub max_hp: u8,
    pub projectile_damage: u8,
    pub projectile_speed: f32,
    pub projectile_lifetime_ticks: u32,
    pub fire_cooldown_ticks: u32,
    pub respawn_delay_ticks: u32,
    pub drone_speed: f32,
    pub drone_turn: f32,
}

/// How a world is set up.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WorldConfig {
    /// Simulation steps per second (`dt = 1 / tick_rate`).
    pub tick_rate: u32,
    /// NPC drones wandering the arena.
    pub drones: u32,
    pub rules: Rules,
}

/// Everything that enters the world in one step: joins and leaves first, then at most
/// one input per player. This is also what a replay records per tick.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct TickInput {
    pub joins: Vec<PlayerId>,
    pub leaves: Vec<PlayerId>,
    pub inputs: Vec<(PlayerId, PlayerInput)>,
}

/// The authoritative game state.
pub struct World {}

impl World {
    pub fn new(map: Map, config: WorldConfig, seed: u64) -> World {
        todo!("{map:?} {config:?} {seed}")
    }
    pub fn tick(&self) -> Tick {
        todo!()
    }
    pub fn step(&mut self, input: &TickInput) -> Vec<GameEvent> {
        todo!("{input:?}")
    }
    pub fn player_entity(&self, player: PlayerId) -> Option<NetId> {
        todo!("{player:?}")
    }
    pub fn snapshot(&self) -> Snapshot {
        todo!()
    }
    pub fn state_hash(&self) -> u64 {
        todo!()
    }
}
