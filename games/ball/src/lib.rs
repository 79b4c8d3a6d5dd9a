//! # Ball: a two-team ball game on tickcast's Game API
//!
//! Two teams of up to ten run, sprint (stamina drains, then refills) and kick one
//! ball on a walled pitch with a goal at each end; running sideways while kicking
//! puts spin on the ball, which curves its path. A goal resets to a kickoff; when the
//! match clock runs out the match is over, and after a pause a new one starts.
//!
//! This crate is the worked example of writing a game for tickcast: it uses only
//! the public API of `tickcast-shared` ([`tickcast_shared::game`] and
//! [`tickcast_shared::schema`]), has no IO and no async, and builds for
//! `wasm32-unknown-unknown`. The engine hosts it with `GameEntry::of::<Ball>()`.
//!
//! ## How the game maps onto the API
//!
//! | [`Game`] item            | here                                                             |
//! |--------------------------|------------------------------------------------------------------|
//! | `schema()`               | [`schema`]: kinds `ball`, `player`, `match`; input; events        |
//! | `Config`, `configure`    | [`BallConfig`] from `RoomOptions` (seats, `{"minutes": n}`), or a `Refusal` |
//! | `entity_budget`          | ball + match + one per seat                                      |
//! | `new(config, seed)`      | kickoff at tick 0; the seed drives the coin tosses ([`rng`])      |
//! | `admit`                  | refused when both teams are full                                 |
//! | `step(commands)`         | [`rules`]: leaves, joins (to the smaller team), inputs, then physics ([`pitch`]) and the match phase |
//! | `Input`, `input_*values` | [`BallInput`]: `dir` (256 steps) + `run`/`sprint`/`kick`; any values clamp |
//! | `Event`, `event_*row`    | [`BallEvent`]: `goal`, `kickoff`, `match_over`                   |
//! | `view(rows)`             | [`view`]: the ball, the match, the players, sorted by id         |
//! | `state_hash`             | FNV-1a over every field of the state ([`tickcast_shared::game::Fnv64`]) |
//! | `State`, `save`, `load`  | [`State`], checked on load ([`State::check`]) so a hostile file is a `Refusal` |
//! | `bot_input`, `predict`   | [`client`]: chase, get behind the ball, shoot; the same running code as the server |
//!
//! The engine sees only schema data, through the catalog entry:
//!
//! ```
//! use tickcast_ball::Ball;
//! use tickcast_shared::game::{GameEntry, InputValues, RoomOptions, StepCommands};
//! use tickcast_shared::protocol::PlayerId;
//!
//! let entry = GameEntry::of::<Ball>();
//! let options = RoomOptions {
//!     tick_rate: 60,
//!     seats: 4,
//!     extra: serde_json::json!({ "minutes": 3 }),
//!     ..RoomOptions::default()
//! };
//! let config = (entry.configure)(&options)?; // JSON, stored in replay headers
//! let mut game = (entry.create)(&config, 42)?;
//! let run_right = InputValues(vec![0, 0b001]); // dir 0 (+x), buttons: run
//! game.step(&StepCommands {
//!     joins: vec![PlayerId(1)],
//!     inputs: vec![(PlayerId(1), run_right)],
//!     ..StepCommands::default()
//! });
//! let mut rows = Vec::new();
//! game.view(&mut rows); // the ball, the match, one player
//! assert_eq!(rows.len(), 3);
//! let saved = game.save(); // bytes for a replay checkpoint
//! let again = (entry.load)(&config, &saved)?;
//! assert_eq!(again.state_hash(), game.state_hash());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! ## Reading order (and the order to write your own)
//! 1. [`schema`]: decide what clients see and send; the descriptor built here is
//!    frozen by a test (`tests/ball_schema.json`), since clients check its hash.
//! 2. [`config`]: what a room may ask for, with bounds and clear refusals.
//! 3. [`state`] and [`pitch`]: the full state (plain serde data) and the physics.
//! 4. [`rules`]: one step; [`view`]: the state as rows; [`input`]: the value forms.
//! 5. [`client`]: a bot (so `tickcast-client bots` can play it) and prediction.
//! 6. This file: the [`Game`] impl, which only delegates.
//! 7. `tests/`: determinism, save/load, hostile values, the codec round trip and
//!    the catalog entry: copy them for your game. `examples/row_bytes.rs` measures
//!    the bytes (10 bots at 20 Hz sends: about 1.2 kB/s, 3.4 times less than
//!    bincode of the same rows).
//!
//! ## Rules of thumb it follows
//! - **Deterministic.** `f32` arithmetic in a fixed order and `libm` for `sqrt`,
//!   `sin`, `cos`, `atan2` ([`vector`]); no `HashMap` iteration, no clock, one seeded
//!   generator whose state is saved and hashed. Two machines given the same commands
//!   reach the same [`Game::state_hash`], which is what replay verification checks.
//! - **The view is quantized, the state is not.** Rows carry what clients need at the
//!   schema's resolution; the full `f32` state stays on the server and in saves.
//! - **Everything from outside is hostile.** Input values of any size clamp; event
//!   rows of the wrong shape are `None`; a saved state is checked before use; a
//!   config from a replay header is pulled into bounds ([`BallConfig::sanitized`]).
//! - **Cheap to send.** Fields that rarely change (radius, team, owner) cost nothing
//!   after the first keyframe; the delta coder predicts positions from the kind's
//!   last step, so a ball rolling straight costs a few bits.

pub mod client;
pub mod config;
pub mod input;
pub mod pitch;
pub mod rng;
pub mod rules;
pub mod schema;
pub mod state;
pub mod vector;
pub mod view;

pub use config::BallConfig;
pub use input::{BallEvent, BallInput};
pub use state::{Phase, State, Team};

use crate::pitch::{BallBody, KICK_COOLDOWN, KICK_SHOWN};
use crate::state::{KICKOFF_PAUSE, MatchState};
use tickcast_shared::codec::Row;
use tickcast_shared::game::{EventRow, Game, InputValues, Refusal, RoomOptions, StepCommands};
use tickcast_shared::protocol::{NetId, PlayerId, Tick};
use tickcast_shared::schema::Schema;

/// One running ball game.
#[derive(Debug, Clone)]
pub struct Ball {
    pub(crate) config: BallConfig,
    pub(crate) state: State,
}

impl Ball {
    /// The full state (read-only; tests and tools look at it).
    pub fn state(&self) -> &State {
        &self.state
    }
}

impl Game for Ball {
    type Config = BallConfig;
    type Input = BallInput;
    type Event = BallEvent;
    type State = State;

    fn schema() -> &'static Schema {
        schema::ball_schema()
    }

    fn configure(options: &RoomOptions) -> Result<BallConfig, Refusal> {
        BallConfig::from_options(options)
    }

    fn entity_budget(config: &BallConfig, seats: u32) -> u64 {
        config.sanitized().entity_budget(seats)
    }

    fn new(config: &BallConfig, seed: u64) -> Ball {
        let config = config.sanitized();
        let mut state = State {
            tick: 0,
            rng: rng::Pcg32::new(seed),
            next_id: state::FIRST_PLAYER_ID,
            ball: BallBody::default(),
            touch: PlayerId(0),
            players: Vec::new(),
            game: MatchState {
                score_red: 0,
                score_blue: 0,
                clock: config.match_ticks(),
                phase: Phase::Kickoff,
                pause: config.ticks(KICKOFF_PAUSE),
                kickoff_team: Team::Red,
            },
        };
        state.game.kickoff_team = rules::coin_toss(&mut state);
        Ball { config, state }
    }

    fn config(&self) -> &BallConfig {
        &self.config
    }

    fn tick(&self) -> Tick {
        Tick(self.state.tick)
    }

    fn admit(&self, player: PlayerId) -> Result<(), Refusal> {
        if self.state.players.iter().any(|p| p.player == player) {
            return Ok(());
        }
        match self.team_for_newcomer() {
            Some(_) => Ok(()),
            None => Err(Refusal(format!(
                "both teams are full ({} a side)",
                self.config.per_team
            ))),
        }
    }

    fn step(&mut self, commands: &StepCommands<BallInput>) -> Vec<BallEvent> {
        self.advance(commands)
    }

    fn view(&self, rows: &mut Vec<Row>) {
        let shown = self
            .config
            .ticks(KICK_COOLDOWN)
            .saturating_sub(self.config.ticks(KICK_SHOWN));
        view::rows(&self.state, shown, rows);
    }

    fn player_entity(&self, player: PlayerId) -> Option<NetId> {
        let p = self.state.players.iter().find(|p| p.player == player)?;
        Some(NetId(p.id))
    }

    fn state_hash(&self) -> u64 {
        self.state.hash()
    }

    fn save(&self) -> State {
        self.state.clone()
    }

    fn load(config: &BallConfig, state: State) -> Result<Ball, Refusal> {
        let config = config.sanitized();
        state.check(&config)?;
        Ok(Ball { config, state })
    }

    fn input_values(input: &BallInput) -> InputValues {
        input.values()
    }

    fn input_from_values(values: &InputValues) -> BallInput {
        BallInput::from_values(values)
    }

    fn event_row(event: &BallEvent) -> EventRow {
        event.row()
    }

    fn event_from_row(row: &EventRow) -> Option<BallEvent> {
        BallEvent::from_row(row)
    }

    fn bot_input(rows: &[Row], own: Option<NetId>, _tick: Tick, rng: &mut u64) -> BallInput {
        client::bot_input(rows, own, rng)
    }

    fn predict(_config: &BallConfig, own: &mut Row, input: &BallInput, dt: f32) {
        client::predict(own, input, dt)
    }
}
