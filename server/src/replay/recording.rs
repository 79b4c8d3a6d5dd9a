//! When a room records: from the first seat taken, not from its creation, so rooms
//! nobody ever joined leave no file (room spam cannot push real matches out of the
//! retention limit).
//!
//! Until then the room's game still runs (its own entities move, spectators watch); the
//! [`Recording`] only counts those empty steps and keeps the state hashes and the
//! first few keyframes the policy wants (bounded). The file then starts at tick 0 all the
//! same: the empty steps go in as one run, so a replay re-simulates the whole match.

use super::recorder::{Checkpoint, PreRoll, Recorder, policy, view};
use super::store::ReplayStore;
use crate::config::Config;
use crate::room::{RoomId, RoomSettings};
use std::sync::Arc;
use tickcast_shared::game::{DynGame, InputValues, StepCommands};
use tickcast_shared::protocol::PlayerIdentity;
use tickcast_shared::replay::RecordPolicy;

/// Most state hashes kept before the recording starts (an hour at one a second);
/// later ones are skipped (hashes are checks, not needed to replay).
const MAX_PREROLL_HASHES: usize = 3600;
/// Most keyframes kept before the recording starts (20 s at the default period);
/// later ones are skipped (keyframes are seek points; a replay re-simulates from 0).
const MAX_PREROLL_KEYFRAMES: usize = 4;

/// A room's recording: waiting for the first seat, running, or off.
pub struct Recording {
    state: State,
}

enum State {
    Off,
    Waiting(Box<Waiting>),
    Live(Recorder),
}

struct Waiting {
    /// Who joins in the coming step (the step that starts the recording).
    seating: Vec<PlayerIdentity>,
    store: Arc<ReplayStore>,
    config: Arc<Config>,
    room: RoomId,
    settings: RoomSettings,
    policy: RecordPolicy,
    pre: PreRoll,
}

impl Recording {
    /// No recording.
    pub fn off() -> Recording {
        Recording { state: State::Off }
    }

    /// Record room `room` (whose game at tick 0 is `game`) once a player joins.
    pub fn when_seated(
        store: Arc<ReplayStore>,
        config: Arc<Config>,
        room: RoomId,
        settings: RoomSettings,
        game: &dyn DynGame,
    ) -> Recording {
        let policy = policy(&config);
        let mut waiting = Waiting {
            seating: Vec::new(),
            store,
            config,
            room,
            settings,
            policy,
            pre: PreRoll::default(),
        };
        waiting.note(game);
        Recording {
            state: State::Waiting(Box::new(waiting)),
        }
    }

    /// Whether a recorder is running.
    pub fn is_live(&self) -> bool {
        matches!(self.state, State::Live(_))
    }

    /// Who the players joining in the coming step are (name, identity): they go
    /// into the file as player records before that step.
    pub fn seating(&mut self, players: Vec<PlayerIdentity>) {
        match &mut self.state {
            State::Off => {}
            State::Waiting(waiting) => waiting.seating = players,
            State::Live(recorder) => {
                if !recorder.seating(players) {
                    self.state = State::Off;
                }
            }
        }
    }

    /// The step that brought `game` to its tick, with its accepted commands.
    pub fn record(&mut self, input: StepCommands<InputValues>, game: &dyn DynGame) {
        match &mut self.state {
            State::Off => {}
            State::Waiting(waiting) if input.joins.is_empty() => waiting.note(game),
            State::Waiting(waiting) => {
                let w = &mut **waiting;
                let mut recorder = Recorder::start_late(
                    &w.store,
                    &w.config,
                    w.room,
                    &w.settings,
                    std::mem::take(&mut w.pre),
                );
                let seating = std::mem::take(&mut w.seating);
                self.state = if recorder.seating(seating) && recorder.record(input, game) {
                    State::Live(recorder)
                } else {
                    State::Off
                };
            }
            State::Live(recorder) => {
                if !recorder.record(input, game) {
                    self.state = State::Off;
                }
            }
        }
    }

    /// The match is over: a running recording gets its end record.
    pub fn finish(self) {
        if let State::Live(recorder) = self.state {
            recorder.finish();
        }
    }
}

impl Waiting {
    /// `game` reached its tick with no input (or is at tick 0).
    fn note(&mut self, game: &dyn DynGame) {
        let tick = game.tick();
        self.pre.ticks = tick.0;
        if self.policy.wants_hash(tick.0) && self.pre.hashes.len() < MAX_PREROLL_HASHES {
            self.pre.hashes.push((tick, game.state_hash()));
        }
        if self.policy.wants_keyframe(tick.0) && self.pre.keyframes.len() < MAX_PREROLL_KEYFRAMES {
            self.pre.keyframes.push(view(game));
        }
        // Only the latest is kept, so memory stays bounded however long the room
        // waits; a seek before it re-simulates from tick 0.
        if self.policy.wants_checkpoint(tick.0) {
            self.pre.checkpoint = Some(Checkpoint {
                tick,
                state: game.save(),
            });
        }
    }
}
