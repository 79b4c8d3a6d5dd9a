//! Protocol messages exchanged between clients and the server.
//!
//! A connection starts with [`ClientMsg::Hello`] carrying [`PROTOCOL_VERSION`]; the
//! server answers [`ServerMsg::Welcome`] or [`ServerMsg::Error`] and a close. After
//! that the client streams [`ClientMsg::Input`] (each also acknowledging the newest
//! snapshot tick it applied) and the server streams [`ServerMsg::Snapshot`].
//!
//! Acknowledgements are needed only where snapshots may be lost: on QUIC datagrams
//! the server deltas against the newest tick an input acknowledged
//! ([`InputCmd::ack`]). On a reliable, ordered transport (WebSocket, a QUIC stream)
//! a snapshot the server has written is its baseline at once, so a client there
//! need not answer snapshots at all: an idle client sends only its
//! [`ClientMsg::Ping`]s (which also keep it within the server's idle timeout) and
//! still gets deltas.
//! Byte encoding lives in [`crate::codec`]; nothing here knows about bincode.

use crate::game::{EventRow, InputValues};
use crate::schema::SchemaHash;
use serde::{Deserialize, Serialize};

/// Version of the wire protocol. Bump on any incompatible change of a message or of
/// the snapshot body format.
pub const PROTOCOL_VERSION: u16 = 5;

/// A simulation tick number. Tick 0 is the first state of a world.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Tick(pub u32);

impl Tick {
    /// The tick after this one (wrapping never happens in practice: 2^32 ticks at 60 Hz
    /// is over two years).
    pub fn next(self) -> Tick {
        Tick(self.0.saturating_add(1))
    }
}

/// Sequence number of a client's input; strictly increasing per player.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct InputSeq(pub u32);

/// A player's id within a room (stable across reconnects with a resume token).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct PlayerId(pub u32);

/// Network id of an entity: assigned by the world in increasing order, never reused
/// within a world. Snapshots list entities sorted by it.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct NetId(pub u32);

/// One input message from a client.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InputCmd {
    /// Strictly increasing per player; the server consumes at most one per tick.
    pub seq: InputSeq,
    /// Newest snapshot tick the client has applied (its baseline for the next delta).
    /// Needed by the server only for snapshots sent as QUIC datagrams; on a reliable
    /// transport a written snapshot is the baseline already.
    pub ack: Option<Tick>,
    /// The game's input for one tick, as the values of its schema's input fields
    /// (the server refuses a count that does not fit the schema).
    pub input: InputValues,
    /// The tick the player was looking at when it made this input (its interpolation
    /// tick), for lag compensation: a shot is resolved against the world of that
    /// tick, at most the room's `max_rewind_ms` back. `None`: the live world.
    pub view: Option<Tick>,
}

/// How a client proves it may take a seat.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum HelloAuth {
    /// A single-use seat ticket from the lobby (`POST /api/rooms/{id}/join`).
    Ticket(String),
    /// The resume token from an earlier `Welcome`, to get the same player back.
    Resume(String),
}

/// Messages from a client to the server.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum ClientMsg {
    /// First message of every connection.
    Hello {
        version: u16,
        auth: HelloAuth,
        name: String,
        /// The hash of the schema the client was built for (`None`: it reads the
        /// descriptor from the `Welcome`); a different hash is refused with
        /// [`ErrorCode::SchemaMismatch`].
        schema: Option<SchemaHash>,
    },
    Input(InputCmd),
    /// Round-trip probe; answered with `Pong` echoing `nonce`.
    Ping {
        nonce: u32,
    },
    /// The player leaves the room for good (no resume).
    Leave,
    /// The newest few inputs, oldest first (at most [`MAX_INPUTS_PER_MESSAGE`]): what
    /// a QUIC client sends in each datagram, so that one lost datagram costs nothing
    /// (the next one carries its inputs again). The server applies each sequence once.
    Inputs(Vec<InputCmd>),
}

/// Most inputs one [`ClientMsg::Inputs`] may carry; more is a protocol violation.
pub const MAX_INPUTS_PER_MESSAGE: usize = 16;

/// Who a player is, for clients that show names: the verified identity (JWT `sub`)
/// when the server checks tokens (`None` when it does not), and the display name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlayerIdentity {
    pub player: PlayerId,
    pub sub: Option<String>,
    pub name: String,
}

/// Error codes carried in [`ServerMsg::Error`]; stable numbers for clients.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    VersionMismatch,
    BadTicket,
    BadResumeToken,
    RoomFull,
    RoomClosed,
    Malformed,
    TooLarge,
    Timeout,
    ServerShutdown,
    Internal,
    /// The client's schema hash is not the room's game's.
    SchemaMismatch,
}

/// Messages from the server to a client.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum ServerMsg {
    Welcome {
        player: PlayerId,
        /// Entity of this player in snapshots.
        entity: NetId,
        /// Simulation ticks per second.
        tick_rate: u16,
        /// Snapshots per second.
        send_rate: u16,
        /// Present in a later `Hello` to get this player back after a drop.
        resume_token: String,
        /// The game the room runs (its catalog name).
        game: String,
        /// The hash of the game's schema.
        schema_hash: SchemaHash,
        /// The schema's canonical JSON descriptor, so a client decodes snapshots and
        /// events without code of its own for the game. Empty when the `Hello`
        /// announced this schema's hash (the client has the schema already).
        schema: String,
        /// The room's game config as JSON (the arena's holds its map).
        config: String,
        tick: Tick,
        /// This player's verified identity (JWT `sub`); `None` without auth.
        sub: Option<String>,
        /// This player's display name (the token's `name` when auth is on).
        name: String,
        /// Everyone in the room's world at `tick` (this player included), by player
        /// id, so a client names the players who joined before it; later arrivals
        /// come with the `Events` that name them. At most the room's seats.
        players: Vec<PlayerIdentity>,
    },
    /// A snapshot body from [`crate::codec::encode_rows`] (the game's rows).
    Snapshot {
        tick: Tick,
        /// The tick this body is a delta against; `None` for a keyframe.
        baseline: Option<Tick>,
        /// Newest input of this player the server has consumed (for reconciliation).
        last_input: InputSeq,
        /// How early this player's inputs arrive: its inputs still buffered after the
        /// one consumed at `tick`, or -1 when `tick` found none. Clients speed their
        /// input clock up or down to hold a small lead (per-player, like `last_input`).
        input_lead: i32,
        body: Vec<u8>,
    },
    Pong {
        nonce: u32,
        tick: Tick,
    },
    Events {
        tick: Tick,
        /// The step's events as rows of the schema's events.
        events: Vec<EventRow>,
        /// Who the players named in `events` are (each once, in order of first
        /// mention); a player the room no longer knows is left out.
        players: Vec<PlayerIdentity>,
    },
    Error {
        code: ErrorCode,
        reason: String,
    },
}
