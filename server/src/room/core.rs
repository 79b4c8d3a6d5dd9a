//! The room as a sans-IO core: the game (any game, as a `Box<dyn DynGame>`), the
//! players, their input buffers and the snapshot ring (rows of the game's schema,
//! coded with its [`RowCodec`]), driven by [`RoomCore::handle`] and [`RoomCore::tick`] with the time
//! as an argument. It names no runtime, channel or socket; what it produces goes out
//! through [`Effects`], which the tokio shell ([`super::task`]) implements with
//! channels and the unit tests implement with vectors.
//!
//! Schedule: tick `n` is due at `start + n * dt`. A late call catches up at most
//! `max_catchup` steps and skips the rest (counted in `tickcast_ticks_skipped_total`),
//! so a stall never turns into a burst that starves other rooms. At most one input
//! per player enters a step. Snapshots go out every send tick; spectator frames when
//! the effects want one (the step itself and the snapshot fan-out are in
//! `core_step.rs`).

pub use super::effects::{Command, Effects};
use super::inputs::{InputRules, Pushed};
use super::players::{ConnId, PlayerTable, WelcomeInfo};
use super::snapshots::SnapshotRing;
use super::status::RoomStatus;
use super::{Control, JoinAuth, JoinRefused};
use crate::config::{Config, secs};
use crate::metrics::{FinishReason, Metrics};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tickcast_shared::codec::{Row, RowCodec};
use tickcast_shared::game::DynGame;
use tickcast_shared::protocol::{ErrorCode, PlayerId};
use tickcast_shared::quic::close;

#[path = "core_step.rs"]
mod step;

/// The room settings the core uses.
#[derive(Debug, Clone)]
pub struct CoreConfig {
    pub tick_rate: u32,
    /// Ticks between two snapshot sends.
    pub send_interval: u32,
    pub max_catchup: u32,
    pub resume_grace: Duration,
    pub empty_room: Duration,
    pub max_players: u32,
    pub ring_len: usize,
    pub inputs: InputRules,
}

impl CoreConfig {
    pub fn new(config: &Config, max_players: u32) -> CoreConfig {
        CoreConfig {
            tick_rate: config.tick_rate.max(1),
            send_interval: config.send_interval(),
            max_catchup: config.max_catchup_ticks.max(1),
            resume_grace: secs(config.resume_grace_secs),
            empty_room: secs(config.empty_room_secs),
            max_players,
            ring_len: config.ring_len(),
            inputs: InputRules::new(config),
        }
    }

    /// Snapshots per second that really go out (`tick_rate / send_interval`).
    pub fn send_rate(&self) -> u32 {
        self.tick_rate / self.send_interval.max(1)
    }
}

/// What one [`RoomCore::tick`] call did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TickReport {
    pub steps: u64,
    pub skipped: u64,
}

/// One room, without IO.
pub struct RoomCore {
    game: Box<dyn DynGame>,
    codec: RowCodec,
    /// The last view's rows, reused (the snapshot takes a copy).
    rows: Vec<Row>,
    table: PlayerTable,
    ring: SnapshotRing,
    joins: Vec<PlayerId>,
    leaves: Vec<PlayerId>,
    status: Arc<RoomStatus>,
    metrics: Arc<Metrics>,
    cfg: CoreConfig,
    start: Instant,
    dt_ns: u64,
    scheduled: u64,
    empty_since: Option<Instant>,
    finished: Option<FinishReason>,
}

impl RoomCore {
    /// A room whose tick 0 is at `start`.
    pub fn new(
        game: Box<dyn DynGame>,
        info: WelcomeInfo,
        cfg: CoreConfig,
        status: Arc<RoomStatus>,
        metrics: Arc<Metrics>,
        start: Instant,
    ) -> RoomCore {
        status.set_tick(game.tick().0);
        RoomCore {
            codec: RowCodec::new(game.schema()),
            rows: Vec::new(),
            table: PlayerTable::new(info, cfg.inputs),
            ring: SnapshotRing::new(cfg.ring_len),
            joins: Vec::new(),
            leaves: Vec::new(),
            dt_ns: 1_000_000_000 / u64::from(cfg.tick_rate.max(1)),
            scheduled: 0,
            empty_since: None,
            finished: None,
            game,
            status,
            metrics,
            cfg,
            start,
        }
    }

    /// Snapshots the ring holds now (for tests of what it forgets).
    #[cfg(test)]
    pub(super) fn ring_len(&self) -> usize {
        self.ring.len()
    }

    /// The game the room runs.
    pub fn game(&self) -> &dyn DynGame {
        &*self.game
    }

    pub fn players(&self) -> &PlayerTable {
        &self.table
    }

    /// Why the room finished, once it has.
    pub fn finished(&self) -> Option<FinishReason> {
        self.finished
    }

    /// When the next tick is due.
    pub fn next_deadline(&self) -> Instant {
        let ns = self.dt_ns.saturating_mul(self.scheduled + 1);
        self.start + Duration::from_nanos(ns)
    }

    /// Apply one command from a session.
    pub fn handle(&mut self, cmd: Command, now: Instant, fx: &mut impl Effects) {
        if self.finished.is_some() {
            if let Command::Join { request, .. } = cmd {
                fx.answer(request, Err(refused(ErrorCode::RoomFull, "room finished")));
            }
            return;
        }
        match cmd {
            Command::Join {
                request,
                name,
                auth: JoinAuth::Seat { sub },
            } => {
                if let Some(token) = sub.as_deref().and_then(|s| self.table.token_of(s)) {
                    // One seat per identity: the held seat resumes on this
                    // connection, and the one the ticket reserved goes back.
                    self.status.release_seat();
                    self.resume(request, &token, fx);
                    return;
                }
                if self.table.len() >= self.cfg.max_players as usize {
                    self.status.release_seat();
                    fx.answer(request, Err(refused(ErrorCode::RoomFull, "room is full")));
                    return;
                }
                let id = self.table.join(name, sub, request);
                self.joins.push(id);
                self.players_changed(1);
                self.status.set_running();
            }
            Command::Join {
                request,
                auth: JoinAuth::Resume(token),
                ..
            } => self.resume(request, &token, fx),
            Command::Input { player, conn, cmd } => {
                let newest = self.game.tick();
                let Some(p) = self.table.connected(player, conn) else {
                    return;
                };
                p.acknowledge(cmd.ack, newest);
                // Refused, or buffered at the cost of the oldest: either way one dropped.
                if !matches!(
                    p.inputs.push(cmd.seq, cmd.input, cmd.view),
                    Ok(Pushed::Buffered)
                ) {
                    self.metrics.inputs_dropped.inc();
                }
            }
            Command::Delivered { player, conn, tick } => {
                let newest = self.game.tick();
                if let Some(p) = self.table.connected(player, conn) {
                    p.acknowledge(Some(tick), newest);
                }
            }
            Command::Disconnect { player, conn } => {
                if self.table.disconnect(player, conn, now) {
                    fx.release(conn);
                }
            }
            Command::Leave { player, conn } => {
                if self.table.leave(player, conn) {
                    fx.release(conn);
                    self.player_gone(player);
                }
            }
        }
    }

    /// Give the seat of resume `token` to the connection of `request`; the
    /// connection it had, if any, closes with [`close::REPLACED`].
    fn resume(&mut self, request: super::players::RequestId, token: &str, fx: &mut impl Effects) {
        match self.table.resume(token, self.game.tick()) {
            Ok(resumed) => {
                if let Some(old) = resumed.replaced {
                    let reason = "replaced by a resumed connection".to_owned();
                    fx.control(old, Control::Close(close::REPLACED, reason));
                    fx.release(old);
                }
                fx.answer(request, Ok(resumed.welcomed));
            }
            Err(refusal) => fx.answer(request, Err(refusal)),
        }
    }

    /// The operator's kick: `player`'s connection closes with
    /// [`close::KICKED`] and its seat is freed at once (no resume: the player is
    /// gone). False when no such player is seated (or the room finished).
    pub fn kick(&mut self, player: PlayerId, fx: &mut impl Effects) -> bool {
        if self.finished.is_some() {
            return false;
        }
        let Some((conn, request)) = self.table.remove(player) else {
            return false;
        };
        const KICKED: &str = "kicked by the operator";
        if let Some(request) = request {
            fx.answer(request, Err(refused(ErrorCode::RoomFull, KICKED)));
        } else if let Some(conn) = conn {
            fx.control(conn, Control::Close(close::KICKED, KICKED.to_owned()));
        }
        if let Some(conn) = conn {
            fx.release(conn);
        }
        self.player_gone(player);
        true
    }

    /// Run the steps due at `now` (catching up or skipping), then housekeeping:
    /// held players past the grace period go, and an empty room finishes.
    pub fn tick(&mut self, now: Instant, fx: &mut impl Effects) -> TickReport {
        if self.finished.is_some() {
            return TickReport::default();
        }
        let elapsed = now.saturating_duration_since(self.start).as_nanos();
        let due_total = u64::try_from(elapsed / u128::from(self.dt_ns)).unwrap_or(u64::MAX);
        let due = due_total.saturating_sub(self.scheduled);
        let steps = due.min(u64::from(self.cfg.max_catchup));
        for _ in 0..steps {
            self.step(now, fx);
        }
        let skipped = due - steps;
        if skipped > 0 {
            self.metrics.ticks_skipped.inc_by(skipped);
        }
        self.scheduled = self.scheduled.saturating_add(due);
        self.housekeeping(now, fx);
        TickReport { steps, skipped }
    }

    /// Finish now: every connection gets a close with the reason's code.
    pub fn finish(&mut self, reason: FinishReason, fx: &mut impl Effects) {
        if self.finished.is_some() {
            return;
        }
        self.finished = Some(reason);
        self.status.finish();
        let (code, text) = close_of(reason);
        let conns: Vec<ConnId> = self.table.conns().collect();
        for conn in conns {
            fx.control(conn, Control::Close(code, text.to_owned()));
            fx.release(conn);
        }
        let left = i64::try_from(self.table.len()).unwrap_or(i64::MAX);
        self.metrics.players.dec_by(left);
        self.status.set_players(0);
    }

    fn players_changed(&self, delta: i64) {
        let n = u32::try_from(self.table.len()).unwrap_or(u32::MAX);
        // Identities first: a heartbeat that sees the new count sees them too.
        self.status.set_seated(self.table.subs());
        self.status.set_players(n);
        self.metrics.players.inc_by(delta);
    }

    fn player_gone(&mut self, player: PlayerId) {
        self.leaves.push(player);
        self.status.release_seat();
        self.players_changed(-1);
    }

    fn housekeeping(&mut self, now: Instant, fx: &mut impl Effects) {
        for id in self.table.expire(now, self.cfg.resume_grace) {
            self.player_gone(id);
        }
        if self.status.seats() > 0 {
            self.empty_since = None;
            return;
        }
        let since = *self.empty_since.get_or_insert(now);
        // Closing is one atomic step with "no seat reserved", so the lobby cannot
        // hand out a ticket for a room that is finishing.
        if now.saturating_duration_since(since) >= self.cfg.empty_room
            && self.status.close_if_empty()
        {
            self.finish(FinishReason::Empty, fx);
        }
    }
}

/// The close code and reason sessions (and spectators) get when a room finishes.
pub fn close_of(reason: FinishReason) -> (u16, &'static str) {
    match reason {
        FinishReason::Empty => (close::NORMAL, "room finished"),
        FinishReason::Shutdown => (close::GOING_AWAY, "server shutting down"),
        FinishReason::Crashed => (close::INTERNAL, super::links::CRASH_REASON),
        FinishReason::Closed => (close::NORMAL, "room closed by the operator"),
    }
}

fn refused(code: ErrorCode, reason: &str) -> JoinRefused {
    JoinRefused {
        code,
        reason: reason.to_owned(),
    }
}
