//! The room task: a fixed-rate tick loop that owns the `World`.
//!
//! Schedule: tick `n` is due at `start + n * dt`. When the task wakes late it catches
//! up at most `max_catchup_ticks` steps and skips the rest (counted in
//! `tickcast_ticks_skipped_total`), so a stall never turns into a burst that starves
//! other rooms. Between ticks it handles commands from sessions (joins, inputs,
//! drops); inputs wait in per-player buffers and at most one per player enters a
//! step. Snapshots go out every send tick; spectator frames at the spectator rate.

use super::players::{PlayerTable, WelcomeInfo};
use super::snapshots::{EncodeCache, SnapshotRing, snapshot_frame};
use super::{
    Control, JoinAuth, JoinRefused, RoomCmd, RoomSettings, RoomShared, RoomState, SnapshotFrame,
};
use crate::config::{Config, secs};
use crate::metrics::{FinishReason, Metrics};
use crate::replay::{Recorder, ReplayStore};
use crate::spectators::{self, SpectatorCounter, SpectatorFeed};
use bytes::Bytes;
use std::sync::atomic::{AtomicU8, AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tickcast_shared::codec::encode_server;
use tickcast_shared::protocol::{ErrorCode, PlayerId, ServerMsg};
use tickcast_shared::sim::{TickInput, World, WorldConfig};
use tickcast_shared::spectate::MapView;
use tokio::sync::mpsc;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

/// What every room shares with the server.
#[derive(Clone)]
pub struct RoomCtx {
    pub config: Arc<Config>,
    pub metrics: Arc<Metrics>,
    pub spectators: SpectatorCounter,
    pub shutdown: CancellationToken,
    /// Where matches are recorded (`None`: recording is off).
    pub replays: Option<Arc<ReplayStore>>,
}

/// Create a room and start its task.
pub fn spawn(id: super::RoomId, settings: RoomSettings, ctx: &RoomCtx) -> Arc<RoomShared> {
    let config = &ctx.config;
    let (tx, rx) = mpsc::channel(config.room_inbox);
    let world = World::new(
        settings.map.clone(),
        WorldConfig::new(config.tick_rate, settings.drones),
        settings.seed,
    );
    let feed = spectators::spawn(
        config.spectators.clone(),
        config.tick_rate,
        MapView::of(&settings.map),
        ctx.spectators.clone(),
    );
    let shared = Arc::new(RoomShared {
        id,
        seats: AtomicU32::new(0),
        players: AtomicU32::new(0),
        tick: AtomicU32::new(world.tick().0),
        state: AtomicU8::new(RoomState::Waiting as u8),
        finished_at: Mutex::new(None),
        inbox: tx,
        hub: Arc::clone(feed.hub()),
        settings,
    });
    let info = WelcomeInfo {
        tick_rate: u16::try_from(config.tick_rate).unwrap_or(u16::MAX),
        send_rate: u16::try_from(config.send_rate).unwrap_or(u16::MAX),
        map: shared.settings.map_name.clone(),
        room: id,
    };
    let recorder = ctx
        .replays
        .as_ref()
        .map(|store| Recorder::start(store, config, id, &shared.settings, &world));
    let room = Room {
        recorder,
        table: PlayerTable::new(info, config.session_queue, config.input_buffer),
        ring: SnapshotRing::new(config.ring_len()),
        world,
        feed: Some(feed),
        joins: Vec::new(),
        leaves: Vec::new(),
        empty_since: None,
        spectator_dropped: 0,
        shared: Arc::clone(&shared),
        ctx: ctx.clone(),
    };
    tokio::spawn(room.run(rx));
    ctx.metrics.rooms.inc();
    shared
}

struct Room {
    world: World,
    recorder: Option<Recorder>,
    table: PlayerTable,
    ring: SnapshotRing,
    feed: Option<SpectatorFeed>,
    joins: Vec<PlayerId>,
    leaves: Vec<PlayerId>,
    empty_since: Option<Instant>,
    /// The feed's dropped count already added to the metric.
    spectator_dropped: u64,
    shared: Arc<RoomShared>,
    ctx: RoomCtx,
}

impl Room {
    async fn run(mut self, mut rx: mpsc::Receiver<RoomCmd>) {
        let config = Arc::clone(&self.ctx.config);
        let dt = Duration::from_secs_f64(1.0 / f64::from(config.tick_rate));
        let start = Instant::now();
        let mut scheduled: u64 = 0;
        let shutdown = self.ctx.shutdown.clone();
        let (code, reason, why) = loop {
            let next = start + dt.mul_f64((scheduled + 1) as f64);
            tokio::select! {
                biased;
                _ = shutdown.cancelled() => break (1001, "server shutting down", FinishReason::Shutdown),
                _ = tokio::time::sleep_until(next) => {
                    let elapsed = Instant::now().duration_since(start);
                    let due = ((elapsed.as_secs_f64() / dt.as_secs_f64()) as u64)
                        .saturating_sub(scheduled)
                        .max(1);
                    let steps = due.min(u64::from(config.max_catchup_ticks.max(1)));
                    for _ in 0..steps {
                        self.tick();
                    }
                    if due > steps {
                        self.ctx.metrics.ticks_skipped.inc_by(due - steps);
                    }
                    scheduled += due;
                    if self.housekeeping() {
                        break (1000, "room finished", FinishReason::Empty);
                    }
                }
                Some(cmd) = rx.recv() => self.handle(cmd),
            }
        };
        self.ctx.metrics.room_finished(why);
        self.finish(code, reason);
    }

    fn handle(&mut self, cmd: RoomCmd) {
        match cmd {
            RoomCmd::Join { name, auth, reply } => match auth {
                JoinAuth::Seat => {
                    if self.table.len() >= self.shared.settings.max_players as usize {
                        self.shared.release_seat();
                        let _ = reply.send(Err(JoinRefused {
                            code: ErrorCode::RoomFull,
                            reason: "room is full".into(),
                        }));
                        return;
                    }
                    let id = self.table.join(name, reply);
                    self.joins.push(id);
                    self.player_count_changed(1);
                    self.shared.set_state(RoomState::Running);
                }
                JoinAuth::Resume(token) => self.table.resume(&token, self.world.tick(), reply),
            },
            RoomCmd::Input { player, conn, cmd } => {
                let newest = self.world.tick();
                let Some(p) = self.table.connected(player, conn) else {
                    return;
                };
                p.acknowledge(cmd.ack, newest);
                if p.inputs.push(cmd.seq, cmd.input).is_err() {
                    self.ctx.metrics.inputs_dropped.inc();
                }
            }
            RoomCmd::Delivered { player, conn, tick } => {
                let newest = self.world.tick();
                if let Some(p) = self.table.connected(player, conn) {
                    p.acknowledge(Some(tick), newest);
                }
            }
            RoomCmd::Disconnect { player, conn } => self.table.disconnect(player, conn),
            RoomCmd::Leave { player, conn } => {
                if self.table.leave(player, conn) {
                    self.player_gone(player);
                }
            }
        }
    }

    fn player_count_changed(&self, delta: i64) {
        let n = u32::try_from(self.table.len()).unwrap_or(u32::MAX);
        self.shared.players.store(n, Ordering::Release);
        self.ctx.metrics.players.inc_by(delta);
    }

    fn player_gone(&mut self, player: PlayerId) {
        self.leaves.push(player);
        self.shared.release_seat();
        self.player_count_changed(-1);
    }

    /// One fixed step, then snapshots and spectator frames when due.
    fn tick(&mut self) {
        let started = std::time::Instant::now();
        let mut input = TickInput {
            joins: std::mem::take(&mut self.joins),
            leaves: std::mem::take(&mut self.leaves),
            inputs: Vec::new(),
        };
        for p in self.table.players.values_mut() {
            if let Some(i) = p.inputs.pop() {
                input.inputs.push((p.id, i));
            }
        }
        let events = self.world.step(&input);
        let tick = self.world.tick();
        self.shared.tick.store(tick.0, Ordering::Release);
        let world = &self.world;
        self.table
            .welcome_joined(tick, |id| world.player_entity(id));
        // The replay recorder gets the accepted inputs (and the hash or keyframe when
        // due) over a bounded channel it never waits on.
        if let Some(recorder) = self.recorder.as_mut() {
            if !recorder.record(input, &self.world) {
                self.recorder = None;
            }
        }
        if !events.is_empty() {
            let frame = Bytes::from(encode_server(&ServerMsg::Events {
                tick,
                events: events.clone(),
            }));
            for link in self.table.links() {
                link.send(Control::Frame(frame.clone()));
            }
        }
        let send = tick.0 % self.ctx.config.send_interval() == 0;
        let spectate = self.feed.as_mut().is_some_and(|f| {
            f.game(tick, &events);
            f.wants_frame(tick)
        });
        if let Some(feed) = &self.feed {
            let dropped = feed.dropped();
            self.ctx
                .metrics
                .spectator_frames_dropped
                .inc_by(dropped.saturating_sub(self.spectator_dropped));
            self.spectator_dropped = dropped;
        }
        if send || spectate {
            let snap = Arc::new(self.world.snapshot());
            if spectate {
                if let Some(feed) = self.feed.as_mut() {
                    feed.frame((*snap).clone());
                }
            }
            if send {
                self.fan_out(snap);
            }
        }
        self.ctx.metrics.tick(started.elapsed());
    }

    fn fan_out(&mut self, snap: Arc<tickcast_shared::codec::Snapshot>) {
        self.ring.push(Arc::clone(&snap));
        let mut cache = EncodeCache::default();
        let made = std::time::Instant::now();
        let (mut sent, mut keyframes) = (0, 0);
        for p in self.table.players.values() {
            let Some(link) = &p.link else { continue };
            let base = p
                .acked
                .and_then(|t| self.ring.get(t))
                .filter(|b| b.tick < snap.tick);
            let body = cache.body(base.map(|b| &**b), &snap);
            let frame =
                snapshot_frame(&snap, base.map(|b| b.tick), p.inputs.last_consumed(), &body);
            link.snapshots.send_replace(SnapshotFrame {
                tick: snap.tick,
                bytes: frame,
                at: Some(made),
            });
            sent += 1;
            if base.is_none() {
                keyframes += 1;
            }
        }
        self.ctx.metrics.snapshots_sent.inc_by(sent);
        self.ctx.metrics.keyframes_sent.inc_by(keyframes);
    }

    /// Drop expired held players; true when the room has been empty long enough to
    /// finish.
    fn housekeeping(&mut self) -> bool {
        let now = std::time::Instant::now();
        let grace = secs(self.ctx.config.resume_grace_secs);
        for id in self.table.expire(now, grace) {
            self.player_gone(id);
        }
        if self.shared.seats.load(Ordering::Acquire) == 0 {
            let since = *self.empty_since.get_or_insert_with(Instant::now);
            since.elapsed() >= secs(self.ctx.config.empty_room_secs)
        } else {
            self.empty_since = None;
            false
        }
    }

    fn finish(mut self, code: u16, reason: &str) {
        self.shared.set_state(RoomState::Finished);
        for link in self.table.links() {
            link.send(Control::Close(code, reason.to_owned()));
        }
        if let Some(feed) = self.feed.take() {
            feed.finish(self.world.tick(), reason);
        }
        if let Some(recorder) = self.recorder.take() {
            recorder.finish();
        }
        let left = self.table.len() as i64;
        self.player_count_changed(-left);
        self.ctx.metrics.rooms.dec();
        tracing::info!(
            room = %self.shared.id,
            tick = self.world.tick().0,
            reason,
            "room finished"
        );
    }
}
