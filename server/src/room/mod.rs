//! Rooms: one supervised tokio task per room, a thin shell around a sans-IO core.
//!
//! The rest of the server sees a room only through [`RoomShared`]: its settings, its
//! [`RoomStatus`] (seats, players, tick, state: atomics the lobby reads), the
//! spectator hub, and the bounded inbox of [`RoomCmd`]s. Sessions (transports) send
//! commands; the room answers through each session's [`SessionLink`] and never
//! touches a socket.
//!
//! - [`core`]: the room without IO: the game (`Box<dyn DynGame>`, any game of the
//!   catalog), players, input buffers, snapshot ring (schema rows);
//!   `handle(cmd, now)` and `tick(now)`, effects through a trait. Unit-tested with
//!   virtual time in `core_tests`.
//! - [`effects`]: the core's commands in and effects out.
//! - [`task`]: the tokio shell: sleeps to the core's deadline, drains the inbox once
//!   per tick, carries effects to sessions, spectators and the recording.
//! - [`supervisor`]: notices a room task that ended (or panicked) and releases it.
//! - [`status`]: seats and "closed" in one atomic word (no ticket for a finishing room).
//! - [`links`]: the shell's per-session ends; [`outbox`]: what one session has to write;
//!   [`direct`]: a socket the room writes snapshots to itself, without a session wake.
//! - [`players`]: the player table (joins, resumes, drops held for a grace period).
//! - [`inputs`]: per-player input buffers ordered by sequence.
//! - [`snapshots`]: the ring of recent snapshots and the per-baseline encode cache.

pub mod core;
pub mod direct;
pub mod effects;
pub mod inputs;
pub mod links;
pub mod outbox;
pub mod players;
pub mod ready;
pub mod room_id;
pub mod snapshots;
pub mod status;
pub mod supervisor;
pub mod task;

#[cfg(test)]
mod admin_tests;
#[cfg(test)]
mod core_tests;
#[cfg(test)]
mod game_tests;
#[cfg(test)]
mod ring_tests;
#[cfg(test)]
mod schedule_tests;

use crate::spectators::Hub;
use bytes::{Bytes, BytesMut};
use serde::Serialize;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Instant;
use tickcast_shared::codec::{SnapshotHead, snapshot_head};
use tickcast_shared::game::GameEntry;
use tickcast_shared::protocol::{ErrorCode, InputCmd, NetId, PlayerId, Tick};
use tickcast_shared::schema::SchemaHash;
use tokio::sync::{mpsc, oneshot};

pub use status::RoomStatus;
pub use task::{RoomCtx, spawn};

pub use room_id::RoomId;

/// A seat reserved in a room, as a redeemed ticket gives it: the room, the name
/// given at join and the verified identity (JWT `sub`) of the caller, if any.
pub struct Seat {
    pub room: Arc<RoomShared>,
    pub name: String,
    pub sub: Option<String>,
}

/// What a room was created with.
#[derive(Debug, Clone)]
pub struct RoomSettings {
    pub name: String,
    /// The game the room runs, by its catalog name.
    pub game: String,
    /// How to create (and re-simulate) that game.
    pub entry: GameEntry,
    /// The game's config for this room (from the game's `configure`), as JSON.
    pub config: Arc<serde_json::Value>,
    /// Entities the room may hold (the game's `entity_budget`), what it costs of
    /// the lobby's entity budget.
    pub entities: u64,
    /// The room's map, by name (`None`: the game plays on no maps); its text is in
    /// the game's config.
    pub map: Option<String>,
    pub max_players: u32,
    /// Non-player entities asked for.
    pub npcs: u32,
    pub private: bool,
    /// A private room's invite code (lookups, joins, spectating and its replays
    /// need it).
    pub invite: Option<String>,
    pub seed: u64,
    /// The address that created the room (`None`: unknown, or placed here by the
    /// cluster): its recordings count against that address's retention quota.
    pub creator: Option<std::net::IpAddr>,
}

/// Lifecycle of a room.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RoomState {
    /// Nobody has joined yet.
    Waiting,
    /// Players have joined; the match is on.
    Running,
    /// The room stopped (empty for too long, or the server is stopping).
    Finished,
}

/// A room as the lobby API shows it.
#[derive(Debug, Clone, Serialize)]
pub struct RoomInfo {
    pub id: RoomId,
    pub name: String,
    /// The game the room runs.
    pub game: String,
    /// The room's map (absent: its game plays on no maps).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub map: Option<String>,
    pub state: RoomState,
    pub players: u32,
    pub max_players: u32,
    /// Seats neither held by a player nor promised to an outstanding ticket: a
    /// room can be full at `players < max_players`.
    pub free_seats: u32,
    pub spectators: usize,
    pub tick: u32,
    /// Non-player entities asked for. `drones` is the API's historical name.
    #[serde(rename = "drones")]
    pub npcs: u32,
    pub private: bool,
}

/// The part of a room other tasks may see.
pub struct RoomShared {
    pub id: RoomId,
    pub settings: RoomSettings,
    /// Seats, players, tick and state, shared with the room's core.
    pub status: Arc<RoomStatus>,
    pub inbox: mpsc::Sender<RoomCmd>,
    pub hub: Arc<Hub>,
    /// Cancelled to close the room now (admin); a child of the server's shutdown.
    pub closer: tokio_util::sync::CancellationToken,
    /// The hash of the room's game's schema (a `Hello` naming another is refused).
    pub schema_hash: SchemaHash,
    /// Values in one input of the room's game (an input of another count is a
    /// malformed frame).
    pub input_len: usize,
}

impl RoomShared {
    pub fn state(&self) -> RoomState {
        self.status.state()
    }

    /// When the room finished, if it has.
    pub fn finished_at(&self) -> Option<Instant> {
        self.status.finished_at()
    }

    /// Try to reserve one seat; false when the room is full, finishing or finished.
    pub fn reserve_seat(&self) -> bool {
        self.status.reserve_seat()
    }

    /// Reserve a seat for a join by `sub`: a free one, or (when `sub` already holds
    /// a seat here, which its join resumes) one past the room's size.
    pub fn reserve_seat_for(&self, sub: Option<&str>) -> bool {
        self.status.reserve_seat() || sub.is_some_and(|s| self.status.reserve_for_seated(s))
    }

    /// Give back a reserved seat (ticket expired, join refused, player gone).
    pub fn release_seat(&self) {
        self.status.release_seat();
    }

    pub fn free_seats(&self) -> u32 {
        self.status.free_seats()
    }

    pub fn info(&self) -> RoomInfo {
        RoomInfo {
            id: self.id,
            name: self.settings.name.clone(),
            game: self.settings.game.clone(),
            map: self.settings.map.clone(),
            state: self.state(),
            players: self.status.players(),
            max_players: self.settings.max_players,
            free_seats: self.free_seats(),
            spectators: self.hub.spectators(),
            tick: self.status.tick(),
            npcs: self.settings.npcs,
            private: self.settings.private,
        }
    }
}

/// How a session asks for a seat.
#[derive(Debug)]
pub enum JoinAuth {
    /// A seat already reserved by a redeemed ticket, for the verified identity
    /// `sub` if the lobby had one (a `sub` already seated in the room gets that
    /// seat back, and the reserved one is given back).
    Seat { sub: Option<String> },
    /// A resume token from an earlier Welcome.
    Resume(String),
}

/// What the room sends a session besides snapshots.
#[derive(Debug, Clone)]
pub enum Control {
    /// An encoded `ServerMsg` (welcome, events, errors).
    Frame(Bytes),
    /// Close the connection with this code and reason.
    Close(u16, String),
}

/// One player's snapshot: its own few fields and the body it shares with every
/// player of the same baseline (encoded once per send tick, never copied per player
/// in the room). The session joins the two when it writes ([`SnapshotFrame::encode`]),
/// so a frame replaced before its socket was ready costs no encoding at all.
#[derive(Debug, Clone, Default)]
pub struct SnapshotFrame {
    pub head: SnapshotHead,
    pub body: Bytes,
    /// When the room produced it (for `tickcast_delivery_delay_seconds`).
    pub at: Option<Instant>,
}

impl SnapshotFrame {
    /// The tick this snapshot shows.
    pub fn tick(&self) -> Tick {
        self.head.tick
    }

    /// The encoded `ServerMsg::Snapshot`: the head's bytes, then the shared body.
    pub fn encode(&self) -> Bytes {
        let head = snapshot_head(&self.head, self.body.len());
        let mut bytes = BytesMut::with_capacity(head.len() + self.body.len());
        bytes.extend_from_slice(&head);
        bytes.extend_from_slice(&self.body);
        bytes.freeze()
    }
}

/// The session's end of its room: the outbox (the latest snapshot, latest wins, so a
/// slow socket skips stale ones; a small bounded control queue) and the tick of the
/// newest snapshot written to a reliable, ordered transport.
pub struct SessionLink {
    pub outbox: Arc<outbox::Outbox>,
    pub delivered: Delivered,
    /// The connection's mark on the room's list of sockets to read (for a socket
    /// the room reads itself, see [`direct`]).
    pub read_mark: ready::ReadMark,
}

/// The newest snapshot tick a session wrote to a reliable, ordered transport: the
/// client will have it, so it may serve as a baseline before the client's own ack.
/// An atomic the room reads at its tick, so a written frame costs no message.
#[derive(Debug, Clone, Default)]
pub struct Delivered(Arc<AtomicU32>);

impl Delivered {
    /// The snapshot of `tick` was written.
    pub fn store(&self, tick: Tick) {
        self.0.fetch_max(tick.0, Ordering::AcqRel);
    }

    /// The newest written tick (`None` before any; tick 0 is never a snapshot).
    pub fn load(&self) -> Option<Tick> {
        Some(self.0.load(Ordering::Acquire))
            .filter(|t| *t > 0)
            .map(Tick)
    }
}

/// A successful join.
pub struct Joined {
    pub player: PlayerId,
    pub entity: NetId,
    pub conn: u64,
    /// The encoded `Welcome`.
    pub welcome: Bytes,
    pub link: SessionLink,
}

/// A refused join.
#[derive(Debug, Clone)]
pub struct JoinRefused {
    pub code: ErrorCode,
    pub reason: String,
}

/// Commands from sessions to their room.
pub enum RoomCmd {
    Join {
        name: String,
        auth: JoinAuth,
        reply: oneshot::Sender<Result<Joined, JoinRefused>>,
    },
    Input {
        player: PlayerId,
        conn: u64,
        cmd: InputCmd,
    },
    /// The connection dropped: hold the player for the grace period.
    Disconnect { player: PlayerId, conn: u64 },
    /// The player left for good.
    Leave { player: PlayerId, conn: u64 },
    /// The operator kicks `player`: true when it was seated.
    Kick {
        player: PlayerId,
        reply: oneshot::Sender<bool>,
    },
    /// The operator lists the seated players.
    Sessions {
        reply: oneshot::Sender<Vec<players::SessionInfo>>,
    },
}

/// The newest tick a room reports (for pongs).
pub fn current_tick(room: &RoomShared) -> Tick {
    Tick(room.status.tick())
}
