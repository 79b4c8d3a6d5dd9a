//! The arena behind the [`Game`] API: [`Arena`] wraps a [`World`], its config holds
//! the map (name and text) and the [`WorldConfig`].
//!
//! - input: [`PlayerInput`] as the schema's two input values, `buttons` (the low 8
//!   bits; other bits of a hostile value are dropped) and `aim` (the `f32`'s bits,
//!   kept exactly; the World sanitizes a non-finite aim);
//! - events: [`GameEvent`] as rows of the schema's four events;
//! - view: [`World::snapshot`]'s entities as rows of [`arena_schema`] (the same
//!   values the arena's codec always sent, so the bytes are unchanged);
//! - state: [`WorldState`]; a starved tick repeats the last input with fire
//!   released; bots use a small seeded brain; prediction is [`move_player`] on the
//!   own row.

use super::event::GameEvent;
use super::input::{Buttons, PlayerInput};
use super::map::Map;
use super::movement::{Body, move_player};
use super::schema::{PLAYER, arena_schema};
use super::state::WorldState;
use super::view::entity_state;
use super::world::{TickInput, World, WorldConfig};
use crate::codec::Row;
use crate::game::{EventRow, Game, InputValues, MapFormat, Refusal, RoomOptions, StepCommands};
use crate::protocol::{NetId, PlayerId, Tick};
use crate::schema::Schema;
use crate::sim::snapshot::{POS_SCALE, VEL_SCALE, quantize_pos, quantize_vel};
use glam::Vec2;
use serde::{Deserialize, Serialize};

/// An arena room's settings: the map (name, and text in the map format) and the
/// World's config.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ArenaConfig {
    pub map_name: String,
    pub map: String,
    pub world: WorldConfig,
    /// The parsed `map`, made on first use (not data: never serialized or compared).
    #[serde(skip)]
    parsed: ParsedMap,
}

/// A config's map, parsed once.
#[derive(Debug, Clone, Default)]
struct ParsedMap(std::sync::OnceLock<Map>);

impl PartialEq for ParsedMap {
    fn eq(&self, _: &ParsedMap) -> bool {
        true
    }
}

impl ArenaConfig {
    /// A config on the map `map_name` with text `map`.
    pub fn new(map_name: String, map: String, world: WorldConfig) -> ArenaConfig {
        ArenaConfig {
            map_name,
            map,
            world,
            parsed: ParsedMap::default(),
        }
    }

    /// Highest tick rate a World is made with (the server's own limit): a
    /// recorded config above it (a hostile replay header) is clamped, so no World
    /// sizes its history by an absurd rate.
    pub const MAX_TICK_RATE: u32 = 1000;

    /// The World's config, its tick rate clamped to `1..=`[`Self::MAX_TICK_RATE`].
    pub fn world_config(&self) -> WorldConfig {
        let mut world = self.world.clone();
        world.tick_rate = world.tick_rate.clamp(1, Self::MAX_TICK_RATE);
        world
    }

    /// The map of this config; a map text that does not parse (a hostile replay
    /// header) gives [`Map::fallback`], the lobby having checked its own maps.
    pub fn parsed_map(&self) -> &Map {
        self.parsed
            .0
            .get_or_init(|| Map::parse(&self.map).unwrap_or_else(|_| Map::fallback()))
    }
}

/// The arena as a [`Game`].
pub struct Arena {
    world: World,
    config: ArenaConfig,
}

impl Arena {
    /// The World inside.
    pub fn world(&self) -> &World {
        &self.world
    }
}

/// The arena's event indexes in its schema.
const JOINED: u8 = 0;
const LEFT: u8 = 1;
const KILL: u8 = 2;
const RESPAWN: u8 = 3;

/// The name of the built-in map ([`super::map::DEFAULT_MAP`]).
pub const DEFAULT_MAP_NAME: &str = "arena";

/// Ticks a bot holds one direction.
const BOT_HOLD_TICKS: u32 = 45;

fn tick_input(commands: &StepCommands<PlayerInput>) -> TickInput {
    TickInput {
        joins: commands.joins.clone(),
        leaves: commands.leaves.clone(),
        inputs: commands.inputs.clone(),
        rewinds: commands.rewinds.clone(),
    }
}

fn splitmix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

impl Game for Arena {
    type Config = ArenaConfig;
    type Input = PlayerInput;
    type Event = GameEvent;
    type State = WorldState;

    fn schema() -> &'static Schema {
        arena_schema()
    }

    fn maps() -> Option<MapFormat> {
        Some(MapFormat {
            default_name: DEFAULT_MAP_NAME,
            default_text: super::map::DEFAULT_MAP,
            read: |text| {
                let map = Map::parse(text).map_err(|e| e.to_string())?;
                serde_json::to_string(&crate::sim::spectate::MapView::of(&map))
                    .map_err(|e| e.to_string())
            },
        })
    }

    fn configure(options: &RoomOptions) -> Result<ArenaConfig, Refusal> {
        if options.npcs > WorldConfig::MAX_DRONES {
            return Err(Refusal(format!(
                "at most {} drones per room",
                WorldConfig::MAX_DRONES
            )));
        }
        let (map_name, map) = match &options.map {
            // The config holds the map as the parsed map's text (comments and
            // spacing dropped), so replay headers and Welcomes carry no more.
            Some((name, text)) => {
                let map = Map::parse(text).map_err(|e| Refusal(format!("map {name:?}: {e}")))?;
                (name.clone(), map.to_text())
            }
            None => (
                DEFAULT_MAP_NAME.to_owned(),
                super::map::DEFAULT_MAP.to_owned(),
            ),
        };
        Ok(ArenaConfig::new(
            map_name,
            map,
            WorldConfig::new(options.tick_rate, options.npcs),
        ))
    }

    fn entity_budget(config: &ArenaConfig, seats: u32) -> u64 {
        // Drones and players; projectiles come and go (a few per player at most).
        u64::from(config.world.drones.min(WorldConfig::MAX_DRONES)) + u64::from(seats)
    }

    fn new(config: &ArenaConfig, seed: u64) -> Arena {
        Arena {
            world: World::new(config.parsed_map().clone(), config.world_config(), seed),
            config: config.clone(),
        }
    }

    fn config(&self) -> &ArenaConfig {
        &self.config
    }

    fn tick(&self) -> Tick {
        self.world.tick()
    }

    fn step(&mut self, commands: &StepCommands<PlayerInput>) -> Vec<GameEvent> {
        self.world.step(&tick_input(commands))
    }

    fn view(&self, rows: &mut Vec<Row>) {
        let world = &self.world;
        rows.extend(
            world
                .drones
                .iter()
                .chain(world.players.values())
                .chain(world.projectiles.iter())
                .filter_map(|key| world.entities.get(*key))
                .map(|e| super::legacy::row(&entity_state(e))),
        );
        rows.sort_by_key(|r| r.id);
    }

    fn player_entity(&self, player: PlayerId) -> Option<NetId> {
        self.world.player_entity(player)
    }

    fn state_hash(&self) -> u64 {
        self.world.state_hash()
    }

    fn save(&self) -> WorldState {
        self.world.save_state()
    }

    fn load(config: &ArenaConfig, state: WorldState) -> Result<Arena, Refusal> {
        let world = World::restore(config.parsed_map().clone(), config.world_config(), &state)
            .map_err(|e| Refusal(format!("saved arena state: {e}")))?;
        Ok(Arena {
            world,
            config: config.clone(),
        })
    }

    fn input_values(input: &PlayerInput) -> InputValues {
        InputValues(vec![i32::from(input.buttons.0), input.aim.to_bits() as i32])
    }

    fn input_from_values(values: &InputValues) -> PlayerInput {
        PlayerInput {
            buttons: Buttons((values.get(0) & 0xFF) as u8),
            aim: f32::from_bits(values.get(1) as u32),
        }
    }

    fn event_row(event: &GameEvent) -> EventRow {
        let (event, values) = match *event {
            GameEvent::Joined { player, entity } => (JOINED, vec![player.0, entity.0]),
            GameEvent::Left { player } => (LEFT, vec![player.0]),
            GameEvent::Kill { killer, victim } => (KILL, vec![killer.0, victim.0]),
            GameEvent::Respawn { player, entity } => (RESPAWN, vec![player.0, entity.0]),
        };
        EventRow {
            event,
            values: values.into_iter().map(|v| v as i32).collect(),
        }
    }

    fn event_from_row(row: &EventRow) -> Option<GameEvent> {
        let id = |i: usize| row.values.get(i).map(|&v| v as u32);
        let player = |i| id(i).map(PlayerId);
        let entity = |i| id(i).map(NetId);
        Some(match row.event {
            JOINED => GameEvent::Joined {
                player: player(0)?,
                entity: entity(1)?,
            },
            LEFT => GameEvent::Left { player: player(0)? },
            KILL => GameEvent::Kill {
                killer: player(0)?,
                victim: player(1)?,
            },
            RESPAWN => GameEvent::Respawn {
                player: player(0)?,
                entity: entity(1)?,
            },
            _ => return None,
        })
    }

    fn compensates(input: &PlayerInput) -> bool {
        input.buttons.has(Buttons::FIRE)
    }

    fn repeat_input(input: &PlayerInput) -> PlayerInput {
        PlayerInput {
            buttons: Buttons(input.buttons.0 & !Buttons::FIRE),
            ..*input
        }
    }

    /// Holds a direction for 45 ticks, fires in every other hold, and
    /// sweeps its aim from its entity's heading: seeded by `rng` (not advanced, so
    /// the same bot decides the same at the same tick).
    fn bot_input(rows: &[Row], own: Option<NetId>, tick: Tick, rng: &mut u64) -> PlayerInput {
        let hold = splitmix(*rng ^ u64::from(tick.0 / BOT_HOLD_TICKS));
        let vertical = [0, Buttons::UP, Buttons::DOWN][(hold % 3) as usize];
        let horizontal = [0, Buttons::LEFT, Buttons::RIGHT][((hold >> 8) % 3) as usize];
        let fire = if (hold >> 16) & 1 == 1 {
            Buttons::FIRE
        } else {
            0
        };
        let heading = own
            .and_then(|id| rows.binary_search_by_key(&id, |r| r.id).ok())
            .and_then(|i| rows.get(i))
            .filter(|r| usize::from(r.kind) == PLAYER)
            .map_or(0.0, |r| {
                r.values[4] as f32 * core::f32::consts::TAU
                    / crate::sim::snapshot::ANGLE_STEPS as f32
            });
        let turn = (splitmix(*rng ^ u64::from(tick.0).rotate_left(32)) % 31) as f32 * 0.01 - 0.15;
        PlayerInput {
            buttons: Buttons(vertical | horizontal | fire),
            aim: (heading + turn).rem_euclid(core::f32::consts::TAU),
        }
    }

    /// Moves the own row's position and velocity (values 0..4) by
    /// [`move_player`] on the config's map.
    fn predict(config: &ArenaConfig, own: &mut Row, input: &PlayerInput, dt: f32) {
        let map = config.parsed_map();
        let mut body = Body {
            pos: Vec2::new(
                own.values[0] as f32 / POS_SCALE,
                own.values[1] as f32 / POS_SCALE,
            ),
            vel: Vec2::new(
                own.values[2] as f32 / VEL_SCALE,
                own.values[3] as f32 / VEL_SCALE,
            ),
        };
        move_player(&mut body, input, map, dt);
        own.values[0] = quantize_pos(body.pos.x);
        own.values[1] = quantize_pos(body.pos.y);
        own.values[2] = quantize_vel(body.vel.x);
        own.values[3] = quantize_vel(body.vel.y);
    }
}

#[cfg(test)]
#[path = "game_tests.rs"]
mod tests;
