//! Recording one room: the room's [`Recorder`] and the recorder task.
//!
//! The room calls [`Recorder::record`] after every step with the accepted
//! commands (`StepCommands` of input values); at hash, keyframe and checkpoint ticks
//! the recorder also takes the game's state hash, view rows and saved state (cheap
//! next to a step, and the only access to the game). Everything
//! goes to the recorder task with `try_send` on a bounded queue: if the task has
//! fallen `queue` ticks behind (a stalled disk), the recording stops there (a replay
//! with a gap would be worthless) and the match goes on.
//!
//! The task ([`super::record_task`]) encodes and appends to the file.

pub use super::record_task::{Checkpoint, PreRoll};
use super::record_task::{Msg, Task};
use super::store::{LiveStats, ReplayStore};
use crate::config::Config;
use crate::room::{RoomId, RoomSettings};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, SystemTime};
use tickcast_shared::codec::RowSnapshot;
use tickcast_shared::game::{DynGame, InputValues, StepCommands};
use tickcast_shared::protocol::PlayerIdentity;
use tickcast_shared::replay::{RecordPolicy, ReplayHeader};
use tokio::sync::mpsc::{self, error::TrySendError};

/// Held by a room task: hands each step to the recorder task.
pub struct Recorder {
    id: String,
    tx: mpsc::Sender<Msg>,
    policy: RecordPolicy,
    stats: Arc<LiveStats>,
    joins: u32,
}

/// The game's view at its tick.
pub fn view(game: &dyn DynGame) -> RowSnapshot {
    let mut rows = Vec::new();
    game.view(&mut rows);
    RowSnapshot {
        tick: game.tick(),
        rows,
    }
}

/// Hash every second; keyframes on ticks that are also live spectator keyframes
/// (multiples of both the keyframe period and the frame interval), so a playback
/// starting at a recorded keyframe produces the live feed's events; a checkpoint
/// every `[replays] checkpoint_secs`.
pub fn policy(config: &Config) -> RecordPolicy {
    let rate = config.tick_rate;
    let period = config.spectators.keyframe_period(rate).max(1);
    let interval = config.spectators.frame_interval(rate).max(1);
    let (mut a, mut b) = (period, interval);
    while b != 0 {
        (a, b) = (b, a % b);
    }
    RecordPolicy {
        hash_every: rate.max(1),
        keyframe_every: (period / a.max(1)).saturating_mul(interval),
        checkpoint_every: config.replays.checkpoint_secs.saturating_mul(rate),
    }
}

impl Recorder {
    /// Start recording room `room`, whose game (at tick 0) is `game`.
    pub fn start(
        store: &Arc<ReplayStore>,
        config: &Config,
        room: RoomId,
        settings: &RoomSettings,
        game: &dyn DynGame,
    ) -> Recorder {
        let mut recorder = Recorder::open(store, config, room, settings);
        recorder.send(None, game);
        recorder
    }

    /// Start recording room `room` after `pre` empty steps: the file still starts at
    /// tick 0 (a replay re-simulates from there), the next [`Recorder::record`] is the
    /// step from tick `pre.ticks`.
    pub fn start_late(
        store: &Arc<ReplayStore>,
        config: &Config,
        room: RoomId,
        settings: &RoomSettings,
        pre: PreRoll,
    ) -> Recorder {
        let recorder = Recorder::open(store, config, room, settings);
        if recorder.tx.try_send(Msg::Idle(pre)).is_err() {
            tracing::error!(replay = %recorder.id, "recorder queue refused the start");
        }
        recorder
    }

    fn open(
        store: &Arc<ReplayStore>,
        config: &Config,
        room: RoomId,
        settings: &RoomSettings,
    ) -> Recorder {
        let start_unix_ms = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX));
        let (id, path, stats) = store.begin(room, start_unix_ms, settings.creator);
        let header = ReplayHeader {
            // Empty for a game that plays on no maps.
            map_name: settings.map.clone().unwrap_or_default(),
            start_unix_ms,
            room_name: settings.name.clone(),
            room_id: room.to_string(),
            invite: settings.invite.clone(),
            ..ReplayHeader::of_game(
                &settings.entry,
                &settings.config,
                settings.seed,
                config.tick_rate,
            )
        };
        let replays = store.config();
        let (tx, rx) = mpsc::channel(replays.queue.max(1));
        let task = Task {
            store: Arc::clone(store),
            id: id.clone(),
            path,
            flush_every: Duration::from_millis(replays.flush_ms.clamp(1, 1000)),
            max_bytes: replays.max_file_bytes,
        };
        tokio::spawn(task.run(header, settings.entry.schema(), rx));
        Recorder {
            id,
            tx,
            policy: policy(config),
            stats,
            joins: 0,
        }
    }

    /// Who joins in the coming step; false when the recording has stopped.
    pub fn seating(&mut self, players: Vec<PlayerIdentity>) -> bool {
        if players.is_empty() {
            return true;
        }
        self.queue(Msg::Seating(players))
    }

    /// Record the step that brought `game` to its tick; false when the recording
    /// has stopped (the room then drops the recorder).
    pub fn record(&mut self, input: StepCommands<InputValues>, game: &dyn DynGame) -> bool {
        let joins = u32::try_from(input.joins.len()).unwrap_or(u32::MAX);
        self.joins = self.joins.saturating_add(joins);
        self.stats.players.store(self.joins, Ordering::Release);
        self.stats.ticks.store(game.tick().0, Ordering::Release);
        self.send(Some(input), game)
    }

    fn send(&mut self, input: Option<StepCommands<InputValues>>, game: &dyn DynGame) -> bool {
        let tick = game.tick();
        let msg = Msg::Tick {
            input,
            tick,
            hash: self.policy.wants_hash(tick.0).then(|| game.state_hash()),
            keyframe: self.policy.wants_keyframe(tick.0).then(|| view(game)),
            checkpoint: (self.policy.wants_checkpoint(tick.0)).then(|| Checkpoint {
                tick,
                state: game.save(),
            }),
        };
        self.queue(msg)
    }

    /// Hand `msg` to the task; false (logged) when the queue is full or closed.
    fn queue(&mut self, msg: Msg) -> bool {
        match self.tx.try_send(msg) {
            Ok(()) => true,
            Err(TrySendError::Full(_)) => {
                tracing::error!(
                    replay = %self.id,
                    "the recorder fell behind; recording stopped, the replay stays incomplete"
                );
                false
            }
            // The task has ended and logged why.
            Err(TrySendError::Closed(_)) => false,
        }
    }

    /// The match is over: the task writes the end record and closes the file.
    pub fn finish(self) {
        if self.tx.try_send(Msg::End).is_err() {
            tracing::error!(replay = %self.id, "no room for the end record; the replay stays incomplete");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keyframes_fall_on_live_keyframe_ticks() {
        let mut config = Config::default();
        assert_eq!(
            policy(&config),
            RecordPolicy {
                hash_every: 60,
                keyframe_every: 300,
                checkpoint_every: 300,
            }
        );
        config.spectators.rate_hz = 7; // frame interval 8, keyframe period 300
        assert_eq!(policy(&config).keyframe_every, 600);
    }
}
