//! Rooms: one tokio task per room owns its `World` and runs the fixed tick.
//!
//! The rest of the server sees a room only through [`RoomShared`]: its settings, a
//! few atomics for the lobby (seats, players, tick, state), the spectator hub, and
//! the bounded inbox of [`RoomCmd`]s. Sessions (transports) send commands; the room
//! answers through each session's [`SessionLink`] and never touches a socket.
//!
//! - [`task`]: the tick loop (schedule, catch-up and skips, lifecycle).
//! - [`players`]: the player table (joins, resumes, drops held for a grace period).
//! - [`inputs`]: per-player input buffers ordered by sequence.
//! - [`snapshots`]: the ring of recent snapshots and the per-send-tick fan-out.

pub mod inputs;
pub mod players;
pub mod snapshots;
pub mod task;

use crate::spectators::Hub;
use bytes::Bytes;
use serde::Serialize;
use std::sync::atomic::{AtomicU8, AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;
use tickcast_shared::protocol::{ErrorCode, InputCmd, NetId, PlayerId, Tick};
use tickcast_shared::sim::Map;
use tokio::sync::{mpsc, oneshot, watch};

pub use task::{RoomCtx, spawn};

pub use crate::lobby::RoomId;

/// What a room was created with.
#[derive(Debug, Clone)]
pub struct RoomSettings {
    pub name: String,
    pub map_name: String,
    pub map: Map,
    pub max_players: u32,
    pub drones: u32,
    pub private: bool,
    pub seed: u64,
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
    pub map: String,
    pub state: RoomState,
    pub players: u32,
    pub max_players: u32,
    pub spectators: usize,
    pub tick: u32,
    pub drones: u32,
    pub private: bool,
}

/// The part of a room other tasks may see.
pub struct RoomShared {
    pub id: RoomId,
    pub settings: RoomSettings,
    /// Reserved seats: unexpired tickets plus players in the room (held ones too).
    pub seats: AtomicU32,
    /// Players in the room (held ones too).
    pub players: AtomicU32,
    /// Newest simulated tick.
    pub tick: AtomicU32,
    state: AtomicU8,
    finished_at: Mutex<Option<Instant>>,
    pub inbox: mpsc::Sender<RoomCmd>,
    pub hub: Arc<Hub>,
}

impl RoomShared {
    pub fn state(&self) -> RoomState {
        match self.state.load(Ordering::Acquire) {
            0 => RoomState::Waiting,
            1 => RoomState::Running,
            _ => RoomState::Finished,
        }
    }

    fn set_state(&self, state: RoomState) {
        self.state.store(state as u8, Ordering::Release);
        if state == RoomState::Finished {
            if let Ok(mut at) = self.finished_at.lock() {
                at.get_or_insert_with(Instant::now);
            }
        }
    }

    /// When the room finished, if it has.
    pub fn finished_at(&self) -> Option<Instant> {
        self.finished_at.lock().ok().and_then(|at| *at)
    }

    /// Try to reserve one seat; false when the room is full or finished.
    pub fn reserve_seat(&self) -> bool {
        if self.state() == RoomState::Finished {
            return false;
        }
        let max = self.settings.max_players;
        self.seats
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |s| {
                (s < max).then_some(s + 1)
            })
            .is_ok()
    }

    /// Give back a reserved seat (ticket expired, join refused, player gone).
    pub fn release_seat(&self) {
        let _ = self
            .seats
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |s| s.checked_sub(1));
    }

    pub fn free_seats(&self) -> u32 {
        self.settings
            .max_players
            .saturating_sub(self.seats.load(Ordering::Acquire))
    }

    pub fn info(&self) -> RoomInfo {
        RoomInfo {
            id: self.id,
            name: self.settings.name.clone(),
            map: self.settings.map_name.clone(),
            state: self.state(),
            players: self.players.load(Ordering::Acquire),
            max_players: self.settings.max_players,
            spectators: self.hub.spectators(),
            tick: self.tick.load(Ordering::Acquire),
            drones: self.settings.drones,
            private: self.settings.private,
        }
    }
}

/// How a session asks for a seat.
#[derive(Debug)]
pub enum JoinAuth {
    /// A seat already reserved by a redeemed ticket.
    Seat,
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

/// One player's encoded snapshot message and the tick it carries.
#[derive(Debug, Clone, Default)]
pub struct SnapshotFrame {
    pub tick: Tick,
    pub bytes: Bytes,
    /// When the room produced it (for `tickcast_delivery_delay_seconds`).
    pub at: Option<Instant>,
}

/// The room's ends of one session: the latest snapshot (latest wins, so a slow
/// socket skips stale ones) and a small bounded control queue.
pub struct SessionLink {
    pub snapshots: watch::Receiver<SnapshotFrame>,
    pub control: mpsc::Receiver<Control>,
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
    /// The session wrote the snapshot of `tick` to its reliable, ordered transport:
    /// the client will have it, so it may serve as a baseline before the client's own
    /// ack arrives.
    Delivered {
        player: PlayerId,
        conn: u64,
        tick: Tick,
    },
    /// The connection dropped: hold the player for the grace period.
    Disconnect { player: PlayerId, conn: u64 },
    /// The player left for good.
    Leave { player: PlayerId, conn: u64 },
}

/// The newest tick a room reports (for pongs).
pub fn current_tick(room: &RoomShared) -> Tick {
    Tick(room.tick.load(Ordering::Acquire))
}
