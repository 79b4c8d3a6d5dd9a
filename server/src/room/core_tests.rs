//! The room core driven with virtual time: no runtime, no socket, no sleep.

use super::core::{Command, CoreConfig, Effects, RoomCore, TickReport};
use super::players::{ConnId, RequestId, WelcomeInfo, Welcomed};
use super::status::RoomStatus;
use super::{Control, JoinAuth, JoinRefused, RoomState, SnapshotFrame};
use crate::metrics::Metrics;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tickcast_shared::codec::{RowSnapshot, decode_server};
use tickcast_shared::game::erased::Running;
use tickcast_shared::game::{DynGame, EventRow, GameEntry, InputValues, StepCommands};
use tickcast_shared::protocol::{ErrorCode, InputCmd, InputSeq, PlayerIdentity, ServerMsg, Tick};
use tickcast_shared::sim::{Arena, ArenaConfig, PlayerInput, legacy};
use tickcast_shared::sim::{TickInput, World, WorldConfig};
use tickcast_shared::spectate::PlayerName;

pub(super) const DT_NS: u64 = 1_000_000_000 / 60;

/// The arena World inside a test room's core.
pub(super) fn world(core: &RoomCore) -> &World {
    let running = core.game().as_any().downcast_ref::<Running<Arena>>();
    running
        .expect("the test rooms run the arena")
        .game()
        .world()
}

#[derive(Default)]
pub(super) struct Fx {
    pub(super) answers: Vec<(RequestId, Result<Welcomed, JoinRefused>)>,
    pub(super) controls: Vec<(ConnId, Control)>,
    pub(super) released: Vec<ConnId>,
    pub(super) snapshots: Vec<(ConnId, SnapshotFrame)>,
    pub(super) steps: Vec<TickInput>,
    pub(super) spectate: bool,
    pub(super) spectator_frames: Vec<Tick>,
    /// The roster each spectator frame came with.
    pub(super) rosters: Vec<Vec<PlayerName>>,
    /// Who the steps' events named, in order.
    pub(super) named: Vec<PlayerIdentity>,
}

impl Effects for Fx {
    fn answer(&mut self, request: RequestId, answer: Result<Welcomed, JoinRefused>) {
        self.answers.push((request, answer));
    }
    fn control(&mut self, conn: ConnId, control: Control) {
        self.controls.push((conn, control));
    }
    fn release(&mut self, conn: ConnId) {
        self.released.push(conn);
    }
    fn snapshot(&mut self, conn: ConnId, frame: SnapshotFrame) {
        self.snapshots.push((conn, frame));
    }
    fn stepped(
        &mut self,
        input: StepCommands<InputValues>,
        _game: &dyn DynGame,
        _events: &[EventRow],
        players: &[PlayerIdentity],
    ) {
        self.steps.push(legacy::tick_input(&input));
        self.named.extend(players.iter().cloned());
    }
    fn wants_spectator_frame(&self, _tick: Tick) -> bool {
        self.spectate
    }
    fn spectator_frame(&mut self, snapshot: &Arc<RowSnapshot>, players: Vec<PlayerName>) {
        self.spectator_frames.push(snapshot.tick);
        self.rosters.push(players);
    }
}

pub(super) fn config(max_players: u32) -> CoreConfig {
    CoreConfig {
        tick_rate: 60,
        send_interval: 3,
        max_catchup: 5,
        resume_grace: Duration::from_secs(10),
        empty_room: Duration::from_secs(30),
        max_players,
        ring_len: 32,
        inputs: super::inputs::InputRules {
            buffer: 4,
            repeat_ticks: 8,
            max_rewind_ticks: 15,
        },
    }
}

pub(super) struct Room {
    pub(super) core: RoomCore,
    pub(super) fx: Fx,
    pub(super) status: Arc<RoomStatus>,
    pub(super) metrics: Arc<Metrics>,
    pub(super) t0: Instant,
    /// The virtual clock: the tick number whose deadline is "now".
    pub(super) now_tick: u64,
    pub(super) next_request: RequestId,
}

impl Room {
    /// A room running the arena (2 drones, the default map).
    pub(super) fn new(cfg: CoreConfig) -> Room {
        let config = ArenaConfig::new(
            "arena".into(),
            tickcast_shared::sim::map::DEFAULT_MAP.into(),
            WorldConfig::new(60, 2),
        );
        let config = serde_json::to_value(config).unwrap();
        Room::with_game(cfg, (GameEntry::of::<Arena>().create)(&config, 7).unwrap())
    }

    /// A room running `game`.
    pub(super) fn with_game(cfg: CoreConfig, game: Box<dyn DynGame>) -> Room {
        let metrics = Arc::new(Metrics::new());
        // One seat more than the core takes, so tests reach the core's own check.
        let status = Arc::new(RoomStatus::new(cfg.max_players + 1));
        let info = WelcomeInfo {
            tick_rate: 60,
            send_rate: 20,
            game: "arena".into(),
            schema_hash: tickcast_shared::schema::SchemaHash(1),
            schema: "{}".into(),
            config: "{}".into(),
            room: super::RoomId::random(),
        };
        let t0 = Instant::now();
        let core = RoomCore::new(
            game,
            info,
            cfg,
            Arc::clone(&status),
            Arc::clone(&metrics),
            t0,
        );
        Room {
            core,
            fx: Fx::default(),
            status,
            metrics,
            t0,
            now_tick: 0,
            next_request: 1,
        }
    }

    pub(super) fn now(&self) -> Instant {
        self.t0 + Duration::from_nanos(DT_NS * self.now_tick)
    }

    /// Move the clock to tick `n`'s deadline and tick.
    pub(super) fn tick_at(&mut self, n: u64) -> TickReport {
        self.now_tick = n;
        let now = self.now();
        self.core.tick(now, &mut self.fx)
    }

    pub(super) fn step(&mut self) -> TickReport {
        self.tick_at(self.now_tick + 1)
    }

    pub(super) fn handle(&mut self, cmd: Command) {
        let now = self.now();
        self.core.handle(cmd, now, &mut self.fx);
    }

    pub(super) fn request(&mut self, name: &str, auth: JoinAuth) -> RequestId {
        let request = self.next_request;
        self.next_request += 1;
        self.handle(Command::Join {
            request,
            name: name.into(),
            auth,
        });
        request
    }

    pub(super) fn answer(&mut self, request: RequestId) -> Option<Result<Welcomed, JoinRefused>> {
        let i = self.fx.answers.iter().position(|(r, _)| *r == request)?;
        Some(self.fx.answers.remove(i).1)
    }

    /// A ticket's seat, then the join, answered after the next step.
    pub(super) fn join(&mut self, name: &str) -> Welcomed {
        assert!(self.status.reserve_seat());
        let request = self.request(name, JoinAuth::Seat { sub: None });
        assert!(self.answer(request).is_none(), "answered after the step");
        self.step();
        match self.answer(request) {
            Some(Ok(w)) => w,
            other => panic!("join failed: {other:?}"),
        }
    }

    pub(super) fn token(w: &Welcomed) -> String {
        match decode_server(&w.welcome, 1 << 16) {
            Ok(ServerMsg::Welcome { resume_token, .. }) => resume_token,
            other => panic!("not a welcome: {other:?}"),
        }
    }

    pub(super) fn input(&mut self, w: &Welcomed, seq: u32) {
        self.input_of(w, seq, PlayerInput::default());
    }

    pub(super) fn input_of(&mut self, w: &Welcomed, seq: u32, input: PlayerInput) {
        self.input_seen(w, seq, input, None);
    }

    /// An input made while looking at tick `view`.
    pub(super) fn input_seen(
        &mut self,
        w: &Welcomed,
        seq: u32,
        input: PlayerInput,
        view: Option<Tick>,
    ) {
        let cmd = InputCmd {
            seq: InputSeq(seq),
            ack: None,
            input: <tickcast_shared::sim::Arena as tickcast_shared::game::Game>::input_values(
                &input,
            ),
            view,
        };
        self.handle(Command::Input {
            player: w.player,
            conn: w.conn,
            cmd,
        });
    }

    /// The baseline of the newest snapshot sent to `conn` (`None`: keyframe).
    pub(super) fn last_baseline(&self, conn: ConnId) -> Option<Option<Tick>> {
        let (_, frame) = self.fx.snapshots.iter().rev().find(|(c, _)| *c == conn)?;
        match decode_server(&frame.encode(), 1 << 20) {
            Ok(ServerMsg::Snapshot { baseline, .. }) => Some(baseline),
            other => panic!("not a snapshot: {other:?}"),
        }
    }
}

#[test]
fn a_join_is_answered_after_the_step_that_seats_the_player() {
    let mut room = Room::new(config(4));
    let w = room.join("ada");
    assert_eq!(
        room.fx.steps.last().map(|s| s.joins.clone()),
        Some(vec![w.player])
    );
    assert_eq!(world(&room.core).player_entity(w.player), Some(w.entity));
    assert_eq!(room.status.players(), 1);
    assert_eq!(room.status.state(), RoomState::Running);
    assert_eq!(room.metrics.players.get(), 1);
    assert_eq!(room.status.tick(), 1);
}

#[test]
fn a_full_room_refuses_and_gives_the_seat_back() {
    let mut room = Room::new(config(1));
    room.join("one");
    // A seat the lobby let through (the status allows one more than the core).
    assert!(room.status.reserve_seat());
    let request = room.request("two", JoinAuth::Seat { sub: None });
    match room.answer(request) {
        Some(Err(JoinRefused { code, .. })) => assert_eq!(code, ErrorCode::RoomFull),
        other => panic!("expected a refusal, got {other:?}"),
    }
    assert_eq!(
        room.status.seats(),
        1,
        "the refused join gave its seat back"
    );
}

#[test]
fn leaving_frees_the_seat_and_the_player_leaves_the_world_next_step() {
    let mut room = Room::new(config(4));
    let w = room.join("ada");
    room.handle(Command::Leave {
        player: w.player,
        conn: w.conn,
    });
    assert_eq!(room.fx.released, vec![w.conn]);
    assert_eq!((room.status.seats(), room.status.players()), (0, 0));
    assert_eq!(room.metrics.players.get(), 0);
    room.step();
    assert_eq!(
        room.fx.steps.last().map(|s| s.leaves.clone()),
        Some(vec![w.player])
    );
    assert_eq!(world(&room.core).player_entity(w.player), None);
    // The steps named the player (joined, then left) to the recorder and the
    // spectators, the second time after it had left the table.
    let ada = PlayerIdentity {
        player: w.player,
        sub: None,
        name: "ada".into(),
    };
    assert_eq!(room.fx.named, vec![ada.clone(), ada]);
}

#[test]
fn a_dropped_player_resumes_within_the_grace_period_from_a_keyframe() {
    let mut room = Room::new(config(4));
    let w = room.join("ada");
    let token = Room::token(&w);
    room.tick_at(3);
    room.handle(Command::Delivered {
        player: w.player,
        conn: w.conn,
        tick: Tick(3),
    });
    room.tick_at(6);
    assert_eq!(room.last_baseline(w.conn), Some(Some(Tick(3))), "a delta");
    room.handle(Command::Disconnect {
        player: w.player,
        conn: w.conn,
    });
    assert_eq!(room.fx.released, vec![w.conn]);
    // 9.9 s later: still held.
    room.tick_at(6 + 594);
    assert_eq!(room.status.players(), 1);
    let request = room.request("ada", JoinAuth::Resume(token));
    let back = match room.answer(request) {
        Some(Ok(back)) => back,
        other => panic!("resume failed: {other:?}"),
    };
    assert_eq!((back.player, back.entity), (w.player, w.entity));
    assert_ne!(back.conn, w.conn);
    room.tick_at(603);
    assert_eq!(
        room.last_baseline(back.conn),
        Some(None),
        "a keyframe first"
    );
}

#[test]
fn after_the_grace_period_the_player_is_gone_and_the_token_refused() {
    let mut room = Room::new(config(4));
    let w = room.join("ada");
    let token = Room::token(&w);
    room.handle(Command::Disconnect {
        player: w.player,
        conn: w.conn,
    });
    room.tick_at(1 + 601);
    assert_eq!((room.status.players(), room.status.seats()), (0, 0));
    room.step();
    assert!(room.fx.steps.iter().any(|s| s.leaves == vec![w.player]));
    let request = room.request("ada", JoinAuth::Resume(token));
    match room.answer(request) {
        Some(Err(JoinRefused { code, .. })) => assert_eq!(code, ErrorCode::BadResumeToken),
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[test]
fn a_resume_replaces_a_live_connection_with_4001() {
    let mut room = Room::new(config(4));
    let w = room.join("ada");
    let request = room.request("ada", JoinAuth::Resume(Room::token(&w)));
    let back = match room.answer(request) {
        Some(Ok(back)) => back,
        other => panic!("resume failed: {other:?}"),
    };
    let closed = room.fx.controls.iter().find_map(|(c, ctl)| match ctl {
        Control::Close(code, _) if *c == w.conn => Some(*code),
        _ => None,
    });
    assert_eq!(closed, Some(4001));
    assert!(room.fx.released.contains(&w.conn));
    // The old connection no longer speaks for the player; the new one does.
    room.input(&w, 1);
    room.step();
    assert!(room.fx.steps.last().is_some_and(|s| s.inputs.is_empty()));
    room.input(&back, 1);
    room.step();
    assert_eq!(room.fx.steps.last().map(|s| s.inputs.len()), Some(1));
}

#[test]
fn one_identity_holds_one_seat_a_second_join_resumes_it() {
    let mut room = Room::new(config(4));
    let sub = || JoinAuth::Seat {
        sub: Some("user-1".into()),
    };
    assert!(room.status.reserve_seat());
    let first = room.request("ann", sub());
    room.step();
    let Some(Ok(a)) = room.answer(first) else {
        panic!("first join failed");
    };
    assert_eq!(room.status.seats(), 1);
    // The same identity again (its ticket reserved a second seat): the seat it
    // holds comes back at once on the new connection, the reserved one goes back.
    assert!(room.status.reserve_seat());
    let second = room.request("ann again", sub());
    let Some(Ok(b)) = room.answer(second) else {
        panic!("second join was not a resume");
    };
    assert_eq!((b.player, b.entity), (a.player, a.entity));
    assert_ne!(b.conn, a.conn);
    assert_eq!(room.status.seats(), 1, "the extra seat was given back");
    assert_eq!(room.core.players().len(), 1);
    assert!(room.fx.controls.iter().any(|(c, ctl)| *c == a.conn
        && matches!(ctl, Control::Close(code, _) if *code == tickcast_shared::quic::close::REPLACED)));
    // Another identity gets its own seat.
    assert!(room.status.reserve_seat());
    let other = room.request(
        "bo",
        JoinAuth::Seat {
            sub: Some("user-2".into()),
        },
    );
    room.step();
    let Some(Ok(c)) = room.answer(other) else {
        panic!("other identity refused");
    };
    assert_ne!(c.player, a.player);
    assert_eq!(room.core.players().len(), 2);
}
