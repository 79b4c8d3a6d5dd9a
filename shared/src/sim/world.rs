//! The World: all entities, the rules, one fixed step at a time.
//!
//! # One step
//! [`World::step`] advances the tick by one and then, in this order:
//! 1. leaves (sorted by [`PlayerId`], duplicates and unknown players ignored): the
//!    player's entity and its projectiles are removed, `Left` is emitted;
//! 2. joins (sorted by `PlayerId`, players already present ignored): a new player
//!    entity at the spawn point farthest from the living players (ties: the next one
//!    after the previous spawn, round robin), `Joined` is emitted;
//! 3. respawns that are due (`Respawn`);
//! 4. inputs: at most one per player (the first given for that player), unknown
//!    players ignored; a player without an input this tick keeps its last one;
//! 5. players, in `PlayerId` order: aim, [`move_player`](super::move_player),
//!    cooldown, fire (a shot keeps its shooter's rewind from
//!    [`TickInput::rewinds`], see [`history`](super::history));
//! 6. projectiles, in `NetId` order: expire, or move and stop at the first wall, arena
//!    edge or living non-owner player on their path (damage, maybe `Kill`); a
//!    rewound projectile meets the players where they were its rewind ago;
//! 7. drones, in `NetId` order: turn by a seeded random amount, move, reflect;
//! 8. the living players' positions go into the [`History`].
//!
//! # Order and storage
//! Entities live in one slotmap; the world keeps its own key lists so that every loop
//! runs in a documented order independent of slot reuse: players by `PlayerId`
//! (a `BTreeMap`), drones and projectiles by `NetId` (append-only lists; ids only
//! grow). [`NetId`]s come from a counter starting at 1 and are never reused.

use super::entity::{Entity, EntityKey, Kind};
use super::history::History;
use super::map::Map;
use super::movement::Body;
use super::rng::Pcg32;
use crate::protocol::{NetId, PlayerId, Tick};
use crate::sim::{GameEvent, PlayerInput};
use serde::{Deserialize, Serialize};
use slotmap::SlotMap;
use std::collections::BTreeMap;

/// Tunable game rules. Defaults are the arena's. Durations are in ticks of the
/// world's `tick_rate`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Rules {
    /// Hit points of a fresh player (at least 1 is used).
    pub max_hp: u8,
    /// Hit points one projectile takes.
    pub projectile_damage: u8,
    /// Units per second.
    pub projectile_speed: f32,
    pub projectile_lifetime_ticks: u32,
    /// Ticks between two shots of a player holding fire.
    pub fire_cooldown_ticks: u32,
    /// Ticks a dead player waits before respawning.
    pub respawn_delay_ticks: u32,
    /// Drone speed, units per second (benchmarks expect 120).
    pub drone_speed: f32,
    /// Largest heading change of a drone per tick, radians (benchmarks expect 0.15).
    pub drone_turn: f32,
    /// Projectile radius for hits against walls and players, units.
    pub projectile_radius: f32,
}

impl Default for Rules {
    fn default() -> Rules {
        Rules {
            max_hp: 100,
            projectile_damage: 25,
            projectile_speed: 900.0,
            projectile_lifetime_ticks: 90,
            fire_cooldown_ticks: 12,
            respawn_delay_ticks: 180,
            drone_speed: 120.0,
            drone_turn: 0.15,
            projectile_radius: 4.0,
        }
    }
}

/// How a world is set up.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct WorldConfig {
    /// Simulation steps per second (`dt = 1 / tick_rate`; 0 is treated as 1).
    pub tick_rate: u32,
    /// NPC drones wandering the arena (at most [`WorldConfig::MAX_DRONES`] are made).
    pub drones: u32,
    pub rules: Rules,
}

impl WorldConfig {
    /// Default tick rate (Hz).
    pub const DEFAULT_TICK_RATE: u32 = 60;
    /// Upper bound on `drones`; larger values are clamped.
    pub const MAX_DRONES: u32 = 100_000;

    /// The default rules at `tick_rate` with `drones` drones.
    pub fn new(tick_rate: u32, drones: u32) -> WorldConfig {
        WorldConfig {
            tick_rate,
            drones,
            rules: Rules::default(),
        }
    }
}

impl Default for WorldConfig {
    fn default() -> WorldConfig {
        WorldConfig::new(WorldConfig::DEFAULT_TICK_RATE, 0)
    }
}

/// Everything that enters the world in one step: joins and leaves first, then at most
/// one input per player. This is also what a replay records per tick.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct TickInput {
    pub joins: Vec<PlayerId>,
    pub leaves: Vec<PlayerId>,
    pub inputs: Vec<(PlayerId, PlayerInput)>,
    /// Lag compensation: a shot this player fires this tick is resolved against the
    /// players as they were this many ticks ago (the first entry per player counts;
    /// players not listed shoot at the live world). See [`super::history`].
    #[serde(default)]
    pub rewinds: Vec<(PlayerId, u32)>,
}

/// The authoritative game state.
#[derive(Debug, Clone)]
pub struct World {
    pub(super) map: Map,
    pub(super) config: WorldConfig,
    pub(super) dt: f32,
    pub(super) tick: Tick,
    pub(super) rng: Pcg32,
    /// The next [`NetId`] to hand out.
    pub(super) next_id: u32,
    /// Round-robin tie breaker for spawn points.
    pub(super) spawn_cursor: u32,
    pub(super) entities: SlotMap<EntityKey, Entity>,
    pub(super) players: BTreeMap<PlayerId, EntityKey>,
    /// In `NetId` order (append-only, never removed).
    pub(super) drones: Vec<EntityKey>,
    /// In `NetId` order (appended on fire, removed on hit or expiry).
    pub(super) projectiles: Vec<EntityKey>,
    /// The last second of player positions, for rewound shots. Derived from past
    /// steps (not hashed); whoever restores a World mid-match must restore it too.
    pub(super) history: History,
}

impl World {
    /// A world at tick 0 on `map`, with `config.drones` drones placed from `seed`.
    pub fn new(map: Map, config: WorldConfig, seed: u64) -> World {
        let dt = 1.0 / config.tick_rate.max(1) as f32;
        let history = History::for_tick_rate(config.tick_rate);
        let mut world = World {
            map,
            config,
            dt,
            tick: Tick(0),
            rng: Pcg32::new(seed),
            next_id: 1,
            spawn_cursor: 0,
            entities: SlotMap::with_key(),
            players: BTreeMap::new(),
            drones: Vec::new(),
            projectiles: Vec::new(),
            history,
        };
        world.spawn_drones();
        world
    }

    /// The current tick: 0 for a new world, +1 per [`World::step`].
    pub fn tick(&self) -> Tick {
        self.tick
    }

    /// Advance exactly one `dt` (see the module docs for the order of things).
    pub fn step(&mut self, input: &TickInput) -> Vec<GameEvent> {
        self.tick = self.tick.next();
        let mut events = Vec::new();
        self.apply_leaves(&input.leaves, &mut events);
        self.apply_joins(&input.joins, &mut events);
        self.respawn_due(&mut events);
        self.apply_inputs(&input.inputs);
        self.move_players();
        self.fire(&input.rewinds);
        self.move_projectiles(&mut events);
        self.move_drones();
        self.remember_positions();
        events
    }

    /// The entity of `player`, if present.
    pub fn player_entity(&self, player: PlayerId) -> Option<NetId> {
        let key = self.players.get(&player)?;
        self.entities.get(*key).map(|e| e.id)
    }

    /// The player positions kept for lag compensation.
    pub fn history(&self) -> &History {
        &self.history
    }

    pub fn map(&self) -> &Map {
        &self.map
    }
    pub fn config(&self) -> &WorldConfig {
        &self.config
    }
    /// Seconds per step.
    pub fn dt(&self) -> f32 {
        self.dt
    }

    /// Insert an entity with the next [`NetId`].
    pub(super) fn insert(&mut self, body: Body, kind: Kind) -> (EntityKey, NetId) {
        let id = NetId(self.next_id);
        self.next_id = self.next_id.saturating_add(1);
        (self.entities.insert(Entity { id, body, kind }), id)
    }
}
