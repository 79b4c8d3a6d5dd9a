//! The Game API: what a game must be for the engine to host it.
//!
//! A game is a pure, deterministic state machine, like quinn-proto's connection: the
//! engine owns the clock, the sockets and the players, and drives the game one fixed
//! step at a time with that step's commands ([`StepCommands`]: joins and leaves as
//! commands, then at most one input per player, then the lag-compensation rewinds
//! granted this step). The game answers with events and, when the engine asks, its
//! replicated view as rows of its [`Schema`] ([`Game::view`]). It never sees time
//! other than as ticks, never does IO, and builds for `wasm32-unknown-unknown`.
//!
//! Everything that crosses the network or a replay is schema data, so a client (or a
//! replay viewer) of any game decodes it from the descriptor alone:
//! - snapshots are [`Row`]s (coded by the schema's kinds);
//! - inputs are [`InputValues`] (the schema's input fields, one `i32` per value);
//! - events are [`EventRow`]s (an event index and its fields' values).
//!
//! The typed [`Game`] converts its own input and event types to and from those
//! (`input_values`/`input_from_values`, `event_row`/`event_from_row`); values from
//! the network are hostile, so `input_from_values` must accept any values of the
//! right count (clamp, never panic). A game's code is trusted but fallible: the
//! engine catches a panic in `step` and finishes that room with a reason.
//!
//! The engine does not hold a `G: Game` directly: [`DynGame`] is the object-safe
//! face of one running game ([`erased::Running`]) and [`GameEntry`] the catalog
//! entry that makes them, so one server hosts several games side by side.
//!
//! - [`commands`]: [`StepCommands`] and the value forms of inputs and events;
//! - [`erased`]: [`DynGame`], [`GameEntry`] and the adapter from [`Game`];
//! - [`hash`]: [`Fnv64`], the stable hasher for [`Game::state_hash`];
//! - [`maps`]: [`MapFormat`], how a game that plays on maps reads them.

pub mod commands;
pub mod erased;
pub mod hash;
pub mod maps;

pub use commands::{EventRow, InputValues, StepCommands};
pub use erased::{DynGame, DynPredictor, GameEntry, LoadError};
pub use hash::Fnv64;
pub use maps::MapFormat;

use crate::codec::Row;
use crate::protocol::{NetId, PlayerId, Tick};
use crate::schema::Schema;
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::fmt::Debug;
use thiserror::Error;

/// What the lobby asks of a new room, before the game turns it into its
/// [`Game::Config`] ([`Game::configure`]).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RoomOptions {
    /// Simulation steps per second (the server's `tick_rate`).
    pub tick_rate: u32,
    /// Seats in the room.
    pub seats: u32,
    /// The map the room was asked for, by name and text, for games that use maps
    /// ([`Game::maps`]; the lobby fills in the game's default map when the request
    /// names none). `None`: no map (a game without maps, or a room made outside
    /// the lobby: the game's default).
    pub map: Option<(String, String)>,
    /// Non-player entities asked for (a game may ignore it).
    pub npcs: u32,
    /// Game-specific options from the request (`"options"` of `POST /api/rooms`),
    /// a JSON object or null.
    pub extra: serde_json::Value,
}

/// Why a game refused a room's options or a join.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{0}")]
pub struct Refusal(pub String);

/// A game the engine can host. See the module docs for the contract.
pub trait Game: Sized + Send + 'static {
    /// A room's settings, made from the lobby's [`RoomOptions`] by
    /// [`Game::configure`]; stored (as JSON) in every replay header.
    type Config: Clone + Debug + PartialEq + Send + Sync + Serialize + DeserializeOwned + 'static;
    /// One player's input for one tick.
    type Input: Copy + Default + Debug + PartialEq + Send + Sync + 'static;
    /// Something that happened in a step (a goal, a kill).
    type Event: Clone + Debug + PartialEq + Send + Sync + 'static;
    /// The full state, for replay checkpoints and seeking ([`Game::save`]).
    type State: Clone + Debug + Send + Serialize + DeserializeOwned + 'static;

    /// The game's schema; its name is the game's name. Build it once (a
    /// `OnceLock`) and hand out the same reference.
    fn schema() -> &'static Schema;

    /// The build of the game's rules, written into every replay header: a replay
    /// recorded by another build does not verify by re-simulation (it reports a
    /// build mismatch) but still lists and plays its keyframes. Change it whenever
    /// the same commands may step differently. The default: the version of
    /// `tickcast-shared`.
    fn build() -> &'static str {
        env!("CARGO_PKG_VERSION")
    }

    /// The maps this game plays on (see [`maps`]). The default: none (rooms of the
    /// game have no map, and a request naming one is refused).
    fn maps() -> Option<MapFormat> {
        None
    }

    /// Turn a room's options into a config, or refuse them (answered as a 400).
    fn configure(options: &RoomOptions) -> Result<Self::Config, Refusal>;

    /// Entities a room with this config may hold with `seats` players (the lobby's
    /// entity budget counts it before the room exists).
    fn entity_budget(config: &Self::Config, seats: u32) -> u64;

    /// A new game at tick 0.
    fn new(config: &Self::Config, seed: u64) -> Self;

    /// The config the game was made with.
    fn config(&self) -> &Self::Config;

    /// The current tick: 0 for a new game, +1 per [`Game::step`].
    fn tick(&self) -> Tick;

    /// May `player` join now? Asked before a seat is given; a refusal is answered
    /// to the joining client as its reason.
    fn admit(&self, _player: PlayerId) -> Result<(), Refusal> {
        Ok(())
    }

    /// Advance exactly one tick with this tick's commands; return what happened.
    fn step(&mut self, commands: &StepCommands<Self::Input>) -> Vec<Self::Event>;

    /// The replicated view: every visible entity as a row of the schema, sorted by
    /// id with unique ids (appended to `rows`, which the engine cleared).
    fn view(&self, rows: &mut Vec<Row>);

    /// The entity a player controls, if it has one now.
    fn player_entity(&self, player: PlayerId) -> Option<NetId>;

    /// A hash of the whole state, equal on every machine for the same commands
    /// (replays verify against it).
    fn state_hash(&self) -> u64;

    /// The full state, such that [`Game::load`] gives a game that steps exactly
    /// like this one.
    fn save(&self) -> Self::State;

    /// A game from a saved state (hostile data when it comes from a file: check it).
    fn load(config: &Self::Config, state: Self::State) -> Result<Self, Refusal>;

    /// An input as the schema's input values.
    fn input_values(input: &Self::Input) -> InputValues;

    /// An input from values of the schema's input (from the network: any values of
    /// the right count must give an input, clamped into the fields' domains).
    fn input_from_values(values: &InputValues) -> Self::Input;

    /// An event as a row of the schema's events.
    fn event_row(event: &Self::Event) -> EventRow;

    /// An event from its row (`None`: not an event of this schema).
    fn event_from_row(row: &EventRow) -> Option<Self::Event>;

    /// A bot's input for the entity `own` seen in `rows` at `tick` (the client's
    /// view; `rng` is the bot's own random state). The default stands still.
    fn bot_input(_rows: &[Row], _own: Option<NetId>, _tick: Tick, _rng: &mut u64) -> Self::Input {
        Self::Input::default()
    }

    /// The input a tick repeats when a player's next input has not arrived (the
    /// engine stands in for a few missing inputs, see the room's input buffer).
    /// The default repeats it unchanged; a game clears one-shot actions here (the
    /// arena releases fire, so a late shot is never fired twice).
    fn repeat_input(input: &Self::Input) -> Self::Input {
        *input
    }

    /// Whether this input gets the lag compensation its view tick earns (the
    /// engine then lists the player in [`StepCommands::rewinds`]). The default:
    /// never (a game without lag compensation); the arena: while fire is held.
    fn compensates(_input: &Self::Input) -> bool {
        false
    }

    /// Client-side prediction: move the player's own row one tick by `input`
    /// (`dt` seconds) in a room of `config`. The default predicts nothing (the
    /// row waits for the server).
    fn predict(_config: &Self::Config, _own: &mut Row, _input: &Self::Input, _dt: f32) {}
}
