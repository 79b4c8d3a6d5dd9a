//! The World's full state as plain data ([`WorldState`]): what a replay checkpoint
//! stores so that a re-simulation can start from it instead of tick 0.
//!
//! Unlike a [`Snapshot`](crate::sim::Snapshot) (quantized, only what viewers see),
//! a `WorldState` holds every bit a step reads: the tick, the RNG state, the id
//! counter, the spawn cursor and each entity's exact body and kind state (held
//! inputs, aim, hp, score, cooldowns, respawn ticks, drone headings, projectile
//! lifetimes). The map and the [`WorldConfig`] are not in it: they come from where
//! the World was made (a replay's header). [`World::restore`] of
//! [`World::save_state`] steps exactly like the original (same
//! [`World::state_hash`] after any inputs).
//!
//! Restoring checks the data as hostile ([`RestoreError`]): lists in their World
//! order with unique ids below the id counter, finite numbers, at most
//! [`WorldConfig::MAX_DRONES`] drones.

use super::entity::{DroneState, Entity, Kind, PlayerState, ProjectileState};
use super::map::Map;
use super::movement::Body;
use super::rng::Pcg32;
use super::world::{World, WorldConfig};
use crate::protocol::{NetId, PlayerId, Tick};
use crate::sim::PlayerInput;
use glam::Vec2;
use serde::{Deserialize, Serialize};
use slotmap::SlotMap;
use std::collections::{BTreeMap, BTreeSet};
use thiserror::Error;

/// Position and velocity, exact `f32` bits.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct BodyState {
    pub pos: [f32; 2],
    pub vel: [f32; 2],
}

/// A player entity.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SavedPlayer {
    pub id: NetId,
    pub body: BodyState,
    pub player: PlayerId,
    pub input: PlayerInput,
    pub aim: f32,
    pub hp: u8,
    pub score: u16,
    pub cooldown: u32,
    pub respawn_at: Option<Tick>,
}

/// A drone entity.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SavedDrone {
    pub id: NetId,
    pub body: BodyState,
    pub heading: f32,
}

/// A projectile entity.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SavedProjectile {
    pub id: NetId,
    pub body: BodyState,
    pub owner: PlayerId,
    pub ticks_left: u32,
    /// Lag compensation: ticks back it meets the players.
    pub rewind: u32,
}

/// The living players' positions after one step (the newest part of the World's
/// lag-compensation history, [`super::history`]), exact `f32` bits, by [`PlayerId`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SavedFrame {
    pub tick: Tick,
    pub players: Vec<(PlayerId, [f32; 2])>,
}

/// Everything a [`World`] steps from, besides its map and config.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WorldState {
    pub tick: Tick,
    /// The RNG's internal state.
    pub rng: u64,
    /// The next [`NetId`] to hand out.
    pub next_id: u32,
    pub spawn_cursor: u32,
    /// In [`PlayerId`] order.
    pub players: Vec<SavedPlayer>,
    /// In [`NetId`] order.
    pub drones: Vec<SavedDrone>,
    /// In [`NetId`] order.
    pub projectiles: Vec<SavedProjectile>,
    /// The newest frames of the position history, oldest first
    /// ([`super::History::saved_len`] of them).
    pub history: Vec<SavedFrame>,
}

/// Why a [`WorldState`] cannot become a World.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum RestoreError {
    #[error("entity id {0} is repeated, out of order or not below the id counter")]
    BadEntityId(u32),
    #[error("player {0} is repeated or out of order")]
    BadPlayerId(u32),
    #[error("more than {0} drones")]
    TooManyDrones(u32),
    #[error("a non-finite number in entity {0}")]
    NotFinite(u32),
}

impl BodyState {
    fn of(body: &Body) -> BodyState {
        BodyState {
            pos: body.pos.to_array(),
            vel: body.vel.to_array(),
        }
    }

    fn body(&self) -> Body {
        Body {
            pos: Vec2::from_array(self.pos),
            vel: Vec2::from_array(self.vel),
        }
    }

    fn finite(&self) -> bool {
        self.pos.iter().chain(&self.vel).all(|v| v.is_finite())
    }
}

impl World {
    /// The full state (see the module docs).
    pub fn save_state(&self) -> WorldState {
        let mut state = WorldState {
            tick: self.tick,
            rng: self.rng.state(),
            next_id: self.next_id,
            spawn_cursor: self.spawn_cursor,
            players: Vec::with_capacity(self.players.len()),
            drones: Vec::with_capacity(self.drones.len()),
            projectiles: Vec::with_capacity(self.projectiles.len()),
            history: self.history.save(),
        };
        let keys = self
            .players
            .values()
            .chain(&self.drones)
            .chain(&self.projectiles);
        for e in keys.filter_map(|k| self.entities.get(*k)) {
            let body = BodyState::of(&e.body);
            match &e.kind {
                Kind::Player(p) => state.players.push(SavedPlayer {
                    id: e.id,
                    body,
                    player: p.player,
                    input: p.input,
                    aim: p.aim,
                    hp: p.hp,
                    score: p.score,
                    cooldown: p.cooldown,
                    respawn_at: p.respawn_at,
                }),
                Kind::Drone(d) => state.drones.push(SavedDrone {
                    id: e.id,
                    body,
                    heading: d.heading,
                }),
                Kind::Projectile(s) => state.projectiles.push(SavedProjectile {
                    id: e.id,
                    body,
                    owner: s.owner,
                    ticks_left: s.ticks_left,
                    rewind: s.rewind,
                }),
            }
        }
        state
    }

    /// The World `state` describes, on `map` with `config` (those it was saved
    /// with; others give a World that steps differently).
    pub fn restore(
        map: Map,
        config: WorldConfig,
        state: &WorldState,
    ) -> Result<World, RestoreError> {
        check(state)?;
        let mut world = World::new(
            map,
            WorldConfig {
                drones: 0,
                ..config.clone()
            },
            0,
        );
        world.config = config;
        world.tick = state.tick;
        world.rng = Pcg32::from_state(state.rng);
        world.next_id = state.next_id;
        world.spawn_cursor = state.spawn_cursor;
        world.entities = SlotMap::with_capacity_and_key(
            state.players.len() + state.drones.len() + state.projectiles.len(),
        );
        let mut players = BTreeMap::new();
        for p in &state.players {
            let kind = Kind::Player(PlayerState {
                player: p.player,
                input: p.input,
                aim: p.aim,
                hp: p.hp,
                score: p.score,
                cooldown: p.cooldown,
                respawn_at: p.respawn_at,
            });
            let key = world.entities.insert(Entity {
                id: p.id,
                body: p.body.body(),
                kind,
            });
            players.insert(p.player, key);
        }
        world.players = players;
        for d in &state.drones {
            let kind = Kind::Drone(DroneState { heading: d.heading });
            let key = world.entities.insert(Entity {
                id: d.id,
                body: d.body.body(),
                kind,
            });
            world.drones.push(key);
        }
        for s in &state.projectiles {
            let kind = Kind::Projectile(ProjectileState {
                owner: s.owner,
                ticks_left: s.ticks_left,
                rewind: s.rewind,
            });
            let key = world.entities.insert(Entity {
                id: s.id,
                body: s.body.body(),
                kind,
            });
            world.projectiles.push(key);
        }
        world.history.restore(&state.history);
        Ok(world)
    }
}

/// The checks of [`World::restore`].
fn check(state: &WorldState) -> Result<(), RestoreError> {
    if state.drones.len() > WorldConfig::MAX_DRONES as usize {
        return Err(RestoreError::TooManyDrones(WorldConfig::MAX_DRONES));
    }
    let mut ids = BTreeSet::new();
    let mut fresh = |id: NetId| {
        if id.0 >= state.next_id || !ids.insert(id) {
            Err(RestoreError::BadEntityId(id.0))
        } else {
            Ok(())
        }
    };
    let mut last_player = None;
    for p in &state.players {
        fresh(p.id)?;
        if last_player.is_some_and(|last| last >= p.player) {
            return Err(RestoreError::BadPlayerId(p.player.0));
        }
        last_player = Some(p.player);
        if !p.body.finite() || !p.aim.is_finite() || !p.input.aim.is_finite() {
            return Err(RestoreError::NotFinite(p.id.0));
        }
    }
    let ordered = |ids: &mut dyn Iterator<Item = NetId>| -> Result<(), RestoreError> {
        let mut last = None;
        for id in ids {
            if last.is_some_and(|l| l >= id) {
                return Err(RestoreError::BadEntityId(id.0));
            }
            last = Some(id);
        }
        Ok(())
    };
    ordered(&mut state.drones.iter().map(|d| d.id))?;
    ordered(&mut state.projectiles.iter().map(|s| s.id))?;
    for d in &state.drones {
        fresh(d.id)?;
        if !d.body.finite() || !d.heading.is_finite() {
            return Err(RestoreError::NotFinite(d.id.0));
        }
    }
    for s in &state.projectiles {
        fresh(s.id)?;
        if !s.body.finite() {
            return Err(RestoreError::NotFinite(s.id.0));
        }
    }
    Ok(())
}
