//! The object-safe face of a game, so one engine hosts several games side by side.
//!
//! [`GameEntry::of::<G>()`] is a catalog entry: the game's schema and the functions
//! that configure, create, load and bot-drive it, monomorphized for `G` and stored
//! as plain function pointers. A running game is a `Box<dyn DynGame>`
//! ([`Running<G>`] underneath), which speaks only schema data: inputs as
//! [`InputValues`], events as [`EventRow`]s, the view as [`Row`]s, the config as
//! JSON and the saved state as bytes.

use super::{EventRow, Game, InputValues, MapFormat, Refusal, RoomOptions, StepCommands};
use crate::codec::{DecodeError, Row, decode_value, encode_value};
use crate::protocol::{NetId, PlayerId, Tick};
use crate::schema::Schema;
use thiserror::Error;

/// Largest saved state [`GameEntry::load`] reads.
pub const MAX_SAVED_STATE: usize = 64 << 20;

/// Why a game could not be made from a stored config or state.
#[derive(Debug, Error)]
pub enum LoadError {
    #[error("config does not fit the game {game}: {source}")]
    Config {
        game: &'static str,
        source: serde_json::Error,
    },
    #[error("saved state of {game} is unreadable: {source}")]
    State {
        game: &'static str,
        source: DecodeError,
    },
    #[error("{0}")]
    Refused(#[from] Refusal),
}

/// A game made by a [`GameEntry`], or why not.
pub type Made = Result<Box<dyn DynGame>, LoadError>;

/// One running game, whatever its type (see the module docs).
pub trait DynGame: Send {
    fn schema(&self) -> &'static Schema;
    fn tick(&self) -> Tick;
    fn admit(&self, player: PlayerId) -> Result<(), Refusal>;
    /// One step; inputs whose value count does not fit the schema's input are
    /// dropped (the engine checks them on arrival, this is the last guard).
    fn step(&mut self, commands: &StepCommands<InputValues>) -> Vec<EventRow>;
    fn view(&self, rows: &mut Vec<Row>);
    /// Values in one input of the schema (what [`InputValues::fits`] checks).
    fn input_len(&self) -> usize;
    /// The input a starved tick repeats (see [`Game::repeat_input`]); values that
    /// do not fit the schema repeat as they are.
    fn repeat_input(&self, input: &InputValues) -> InputValues;
    /// Whether the input earns lag compensation (see [`Game::compensates`]).
    fn compensates(&self, input: &InputValues) -> bool;
    fn player_entity(&self, player: PlayerId) -> Option<NetId>;
    fn state_hash(&self) -> u64;
    /// The full state as bytes ([`GameEntry::load`] reads them back).
    fn save(&self) -> Vec<u8>;
    /// The config as JSON (what replay headers store).
    fn config_json(&self) -> serde_json::Value;
    /// The typed game, for code that knows it (tests, a studio's own tools):
    /// downcast to [`Running<G>`].
    fn as_any(&self) -> &dyn std::any::Any;
}

/// A typed [`Game`] behind [`DynGame`].
pub struct Running<G: Game> {
    game: G,
    input_len: usize,
}

impl<G: Game> Running<G> {
    pub fn new(game: G) -> Running<G> {
        let input_len = Running::<G>::input_len_of();
        Running { game, input_len }
    }

    fn input_len_of() -> usize {
        G::schema().input().iter().map(|f| f.codec.values()).sum()
    }

    /// The typed game inside.
    pub fn game(&self) -> &G {
        &self.game
    }
}

impl<G: Game> DynGame for Running<G> {
    fn schema(&self) -> &'static Schema {
        G::schema()
    }
    fn tick(&self) -> Tick {
        self.game.tick()
    }
    fn admit(&self, player: PlayerId) -> Result<(), Refusal> {
        self.game.admit(player)
    }
    fn step(&mut self, commands: &StepCommands<InputValues>) -> Vec<EventRow> {
        let mut typed = commands.map_inputs(G::input_from_values);
        let len = self.input_len;
        let fits: Vec<bool> = commands.inputs.iter().map(|(_, v)| v.fits(len)).collect();
        let mut keep = fits.iter();
        typed
            .inputs
            .retain(|_| keep.next().copied().unwrap_or(false));
        self.game.step(&typed).iter().map(G::event_row).collect()
    }
    fn view(&self, rows: &mut Vec<Row>) {
        self.game.view(rows)
    }
    fn input_len(&self) -> usize {
        self.input_len
    }
    fn repeat_input(&self, input: &InputValues) -> InputValues {
        if !input.fits(self.input_len) {
            return input.clone();
        }
        G::input_values(&G::repeat_input(&G::input_from_values(input)))
    }
    fn compensates(&self, input: &InputValues) -> bool {
        input.fits(self.input_len) && G::compensates(&G::input_from_values(input))
    }
    fn player_entity(&self, player: PlayerId) -> Option<NetId> {
        self.game.player_entity(player)
    }
    fn state_hash(&self) -> u64 {
        self.game.state_hash()
    }
    fn save(&self) -> Vec<u8> {
        encode_value(&self.game.save())
    }
    fn config_json(&self) -> serde_json::Value {
        serde_json::to_value(self.game.config()).unwrap_or(serde_json::Value::Null)
    }
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

/// A game in a catalog: its schema and how to make, load and drive it.
#[derive(Clone, Copy)]
pub struct GameEntry {
    pub schema: fn() -> &'static Schema,
    /// The game's build id (see [`Game::build`]).
    pub build: fn() -> &'static str,
    /// The maps the game plays on, if any (see [`Game::maps`]).
    pub maps: Option<MapFormat>,
    /// Room options to the config as JSON.
    pub configure: fn(&RoomOptions) -> Result<serde_json::Value, Refusal>,
    /// Entities a room of this config may hold with this many seats.
    pub entity_budget: fn(&serde_json::Value, u32) -> Result<u64, LoadError>,
    /// A new game at tick 0 from a config and a seed.
    pub create: fn(&serde_json::Value, u64) -> Made,
    /// A game from a config and a saved state.
    pub load: fn(&serde_json::Value, &[u8]) -> Made,
    /// A bot's input values (see [`Game::bot_input`]).
    pub bot_input: fn(&[Row], Option<NetId>, Tick, &mut u64) -> InputValues,
    /// Client-side prediction of the own row in a room of this config (see
    /// [`Game::predict`]).
    pub predictor: fn(&serde_json::Value) -> Result<Box<dyn DynPredictor>, LoadError>,
}

/// Client-side prediction for one room's config (made once per room, so the game's
/// config is decoded once, not per predicted tick).
pub trait DynPredictor: Send {
    /// Move the own row one tick by `input` (`dt` seconds); values that do not fit
    /// the schema's input leave it unchanged.
    fn predict(&self, own: &mut Row, input: &InputValues, dt: f32);
}

struct Predicting<G: Game> {
    config: G::Config,
    input_len: usize,
}

impl<G: Game> DynPredictor for Predicting<G> {
    fn predict(&self, own: &mut Row, input: &InputValues, dt: f32) {
        if input.fits(self.input_len) {
            G::predict(&self.config, own, &G::input_from_values(input), dt);
        }
    }
}

impl std::fmt::Debug for GameEntry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GameEntry")
            .field("name", &self.name())
            .finish_non_exhaustive()
    }
}

impl GameEntry {
    /// The entry of game `G`.
    pub fn of<G: Game>() -> GameEntry {
        GameEntry {
            schema: G::schema,
            build: G::build,
            maps: G::maps(),
            configure: |options| {
                let config = G::configure(options)?;
                serde_json::to_value(&config)
                    .map_err(|e| Refusal(format!("config not representable: {e}")))
            },
            entity_budget: |config, seats| Ok(G::entity_budget(&typed::<G>(config)?, seats)),
            create: |config, seed| {
                let config = typed::<G>(config)?;
                Ok(Box::new(Running::new(G::new(&config, seed))))
            },
            load: |config, state| {
                let config = typed::<G>(config)?;
                let state: G::State =
                    decode_value(state, MAX_SAVED_STATE).map_err(|source| LoadError::State {
                        game: G::schema().name(),
                        source,
                    })?;
                Ok(Box::new(Running::new(G::load(&config, state)?)))
            },
            bot_input: |rows, own, tick, rng| G::input_values(&G::bot_input(rows, own, tick, rng)),
            predictor: |config| {
                let config = typed::<G>(config)?;
                let input_len = Running::<G>::input_len_of();
                Ok(Box::new(Predicting::<G> { config, input_len }))
            },
        }
    }

    pub fn schema(&self) -> &'static Schema {
        (self.schema)()
    }

    pub fn name(&self) -> &'static str {
        self.schema().name()
    }

    /// The game's build id (see [`Game::build`]).
    pub fn build(&self) -> &'static str {
        (self.build)()
    }

    /// The maps the game plays on, if any (see [`Game::maps`]).
    pub fn maps(&self) -> Option<MapFormat> {
        self.maps
    }
}

fn typed<G: Game>(config: &serde_json::Value) -> Result<G::Config, LoadError> {
    serde_json::from_value(config.clone()).map_err(|source| LoadError::Config {
        game: G::schema().name(),
        source,
    })
}
