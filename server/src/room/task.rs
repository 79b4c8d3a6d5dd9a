//! The room task: the thin tokio shell around a [`RoomCore`].
//!
//! It sleeps until the core's next deadline (or shutdown), drains the inbox of
//! session commands in one go, reads the inputs of the players whose sockets it
//! reads itself (see [`super::direct`]), lets the core tick, and carries the core's
//! [`Effects`] out: join answers over oneshot channels, snapshots and control
//! messages over each session's [`Links`], steps to the recording and the spectator
//! feed. The room wakes once per tick, however many commands arrive.

use super::core::{Command, CoreConfig, Effects, RoomCore, close_of};
use super::links::Links;
use super::players::{ConnId, RequestId, WelcomeInfo, Welcomed};
use super::status::RoomStatus;
use super::supervisor::supervise;
use super::{Control, JoinRefused, Joined, RoomCmd, RoomSettings, RoomShared, SnapshotFrame};
use crate::config::Config;
use crate::metrics::{FinishReason, Metrics, Reason};
use crate::replay::ReplayStore;
use crate::replay::recording::Recording;
use crate::spectators::{self, SpectatorCounter, SpectatorFeed};
use std::collections::HashMap;
use std::sync::Arc;
use tickcast_shared::codec::RowSnapshot;
use tickcast_shared::game::{DynGame, EventRow, InputValues, LoadError, StepCommands};
use tickcast_shared::protocol::{PlayerId, Tick};
use tokio::sync::{mpsc, oneshot};
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

type Reply = oneshot::Sender<Result<Joined, JoinRefused>>;

/// Create a room (its game from the settings' entry and config) and start its task
/// (supervised: see [`super::supervisor`]).
pub fn spawn(
    id: super::RoomId,
    settings: RoomSettings,
    ctx: &RoomCtx,
) -> Result<Arc<RoomShared>, LoadError> {
    let config = &ctx.config;
    let game = (settings.entry.create)(&settings.config, settings.seed)?;
    let (tx, rx) = mpsc::channel(config.room_inbox);
    let feed = spectators::spawn(
        config.spectators.clone(),
        config.tick_rate,
        settings.map.as_deref().unwrap_or_default(),
        game.schema(),
        ctx.spectators.clone(),
    );
    let status = Arc::new(RoomStatus::new(settings.max_players));
    let cfg = CoreConfig::new(config, settings.max_players);
    let schema = game.schema();
    let info = WelcomeInfo {
        tick_rate: u16::try_from(cfg.tick_rate).unwrap_or(u16::MAX),
        send_rate: u16::try_from(cfg.send_rate()).unwrap_or(u16::MAX),
        game: settings.game.clone(),
        schema_hash: schema.hash(),
        schema: schema.canonical_json(),
        config: settings.config.to_string(),
        room: id,
    };
    let recording = match &ctx.replays {
        Some(store) => Recording::when_seated(
            Arc::clone(store),
            Arc::clone(config),
            id,
            settings.clone(),
            &*game,
        ),
        None => Recording::off(),
    };
    let shared = Arc::new(RoomShared {
        id,
        status: Arc::clone(&status),
        inbox: tx,
        hub: Arc::clone(feed.hub()),
        settings,
        closer: ctx.shutdown.child_token(),
        schema_hash: schema.hash(),
        input_len: game.input_len(),
    });
    let core = RoomCore::new(
        game,
        info,
        cfg,
        Arc::clone(&status),
        Arc::clone(&ctx.metrics),
        std::time::Instant::now(),
    );
    let io = RoomIo {
        links: Links::new(config.session_queue),
        replies: HashMap::new(),
        next_request: 1,
        unanswered: Vec::new(),
        feed: Some(feed),
        recording,
        spectator_dropped: 0,
        metrics: Arc::clone(&ctx.metrics),
    };
    let room = Room {
        id,
        core,
        io,
        read: Vec::new(),
    };
    let (shutdown, closer) = (ctx.shutdown.clone(), shared.closer.clone());
    supervise(
        id,
        room.run(rx, shutdown, closer),
        status,
        Arc::clone(&ctx.metrics),
    );
    Ok(shared)
}

struct Room {
    id: super::RoomId,
    core: RoomCore,
    io: RoomIo,
    /// Inputs the room read itself this tick (kept for its capacity).
    read: Vec<(PlayerId, ConnId, tickcast_shared::protocol::InputCmd)>,
}

/// Everything the core's effects reach.
struct RoomIo {
    links: Links,
    replies: HashMap<RequestId, Reply>,
    next_request: RequestId,
    /// Answered players whose session had gone (held for resume after the tick).
    unanswered: Vec<(PlayerId, ConnId)>,
    feed: Option<SpectatorFeed>,
    recording: Recording,
    /// The feed's dropped count already added to the metric.
    spectator_dropped: u64,
    metrics: Arc<Metrics>,
}

impl Room {
    async fn run(
        mut self,
        mut rx: mpsc::Receiver<RoomCmd>,
        shutdown: CancellationToken,
        closer: CancellationToken,
    ) -> FinishReason {
        let reason = loop {
            let deadline = tokio::time::Instant::from_std(self.core.next_deadline());
            tokio::select! {
                biased;
                _ = shutdown.cancelled() => break FinishReason::Shutdown,
                _ = closer.cancelled() => break FinishReason::Closed,
                _ = tokio::time::sleep_until(deadline) => {
                    let now = std::time::Instant::now();
                    while let Ok(cmd) = rx.try_recv() {
                        self.handle(cmd, now);
                    }
                    self.read_inputs(now);
                    for (player, conn, tick) in self.io.links.delivered() {
                        let cmd = Command::Delivered { player, conn, tick };
                        self.core.handle(cmd, now, &mut self.io);
                    }
                    self.core.tick(now, &mut self.io);
                    for (player, conn) in std::mem::take(&mut self.io.unanswered) {
                        let cmd = Command::Disconnect { player, conn };
                        self.core.handle(cmd, now, &mut self.io);
                    }
                    self.io.count_spectator_drops();
                    if let Some(reason) = self.core.finished() {
                        break reason;
                    }
                }
            }
        };
        self.finish(reason);
        reason
    }

    /// The inputs of players whose sockets the room reads itself, after those
    /// their sessions sent (each player's inputs stay in order: a session hands
    /// reading to the room only after its last message went to the inbox).
    fn read_inputs(&mut self, now: std::time::Instant) {
        let mut inputs = std::mem::take(&mut self.read);
        self.io.links.read_inputs(&mut inputs);
        for (player, conn, cmd) in inputs.drain(..) {
            self.core
                .handle(Command::Input { player, conn, cmd }, now, &mut self.io);
        }
        self.read = inputs;
    }

    fn handle(&mut self, cmd: RoomCmd, now: std::time::Instant) {
        let cmd = match cmd {
            RoomCmd::Join { name, auth, reply } => {
                let request = self.io.next_request;
                self.io.next_request += 1;
                self.io.replies.insert(request, reply);
                Command::Join {
                    request,
                    name,
                    auth,
                }
            }
            RoomCmd::Input { player, conn, cmd } => Command::Input { player, conn, cmd },
            RoomCmd::Disconnect { player, conn } => Command::Disconnect { player, conn },
            RoomCmd::Leave { player, conn } => Command::Leave { player, conn },
            RoomCmd::Kick { player, reply } => {
                let _ = reply.send(self.core.kick(player, &mut self.io));
                return;
            }
            RoomCmd::Sessions { reply } => {
                let _ = reply.send(self.core.players().sessions());
                return;
            }
        };
        self.core.handle(cmd, now, &mut self.io);
    }

    fn finish(mut self, reason: FinishReason) {
        self.core.finish(reason, &mut self.io);
        self.io.links.set_finished();
        let (tick, text) = (self.core.game().tick(), reason.as_str());
        if let Some(feed) = self.io.feed.take() {
            feed.finish(tick, close_of(reason).1);
        }
        std::mem::replace(&mut self.io.recording, Recording::off()).finish();
        tracing::info!(room = %self.id, tick = tick.0, reason = text, "room finished");
    }
}

impl RoomIo {
    /// Move the feed's drop count into the metrics (lag skips are counted by the viewers).
    fn count_spectator_drops(&mut self) {
        if let Some(feed) = &self.feed {
            let dropped = feed.dropped();
            self.metrics
                .spectator_frames_dropped
                .inc_by(dropped.saturating_sub(self.spectator_dropped));
            self.spectator_dropped = dropped;
        }
    }
}

impl Effects for RoomIo {
    fn answer(&mut self, request: RequestId, answer: Result<Welcomed, JoinRefused>) {
        let Some(reply) = self.replies.remove(&request) else {
            return;
        };
        match answer {
            Ok(w) => {
                let link = self.links.open(w.conn, w.player);
                let (player, conn) = (w.player, w.conn);
                let joined = Joined {
                    player: w.player,
                    entity: w.entity,
                    conn: w.conn,
                    welcome: w.welcome,
                    link,
                };
                if reply.send(Ok(joined)).is_err() {
                    // The session went away before its Welcome: hold the seat.
                    self.unanswered.push((player, conn));
                }
            }
            Err(refused) => {
                let _ = reply.send(Err(refused));
            }
        }
    }

    fn control(&mut self, conn: ConnId, control: Control) {
        if !self.links.control(conn, control) {
            self.metrics.control_dropped.inc();
        }
    }

    fn release(&mut self, conn: ConnId) {
        self.links.release(conn);
    }

    fn snapshot(&mut self, conn: ConnId, frame: SnapshotFrame) {
        self.links.snapshot(conn, frame);
    }

    fn seating(&mut self, players: Vec<tickcast_shared::protocol::PlayerIdentity>) {
        self.recording.seating(players);
    }

    fn stepped(
        &mut self,
        commands: StepCommands<InputValues>,
        game: &dyn DynGame,
        events: &[EventRow],
        players: &[tickcast_shared::protocol::PlayerIdentity],
    ) {
        if let Some(feed) = self.feed.as_mut() {
            feed.game(game.tick(), events, players);
        }
        self.recording.record(commands, game);
    }

    fn wants_spectator_frame(&self, tick: Tick) -> bool {
        self.feed.as_ref().is_some_and(|f| f.wants_frame(tick))
    }

    fn spectator_frame(
        &mut self,
        snapshot: &Arc<RowSnapshot>,
        players: Vec<tickcast_shared::spectate::PlayerName>,
    ) {
        if let Some(feed) = self.feed.as_mut() {
            feed.frame(Arc::clone(snapshot), players);
        }
    }
}
