//! The spectator event model: what `GET /api/rooms/{id}/events` (live) and
//! `GET /api/replays/{id}/events` (playback) stream as Server-Sent Events, for any
//! game.
//!
//! Spectators get plain UTF-8 JSON, not the players' bit-packed snapshots, so a
//! browser tab needs nothing but `new EventSource(url)`. Each event is sent as
//! `event: <name>`, `id: <`[`EventId`]`>`, `data: <one line of JSON>`
//! ([`SpecEvent`], [`EventKind`]):
//!
//! - `keyframe`: the whole visible world at a tick (the game's name, its map's name
//!   and every entity, values named as the game's schema names them, see
//!   [`row_json`] and [`row_feed`]). A client replaces its state.
//! - `delta`: entities `created` (in full), `changed` (id plus only the values that
//!   changed) and `removed` (ids) since the previous frame, whose tick is `base`;
//!   empty lists are left out. A client applies it only when `base` equals its
//!   state's tick.
//! - `game`: the game's events of one tick, and the display names of the players
//!   they name ([`PlayerName`], never a verified identity).
//! - `end` ([`End`]): the match is over; the stream closes after it.
//! - `reset` ([`Reset`], no `id:`): sent first when a stream could not resume after
//!   the `Last-Event-ID` the client gave (older than the retained window, or
//!   unknown); a keyframe follows. A client drops its state.
//!
//! Ordering and resume: every event has its own id ([`id`]: `tick * 4 + slot`), and
//! ids increase. A tick carries at most one `game` event and at most one frame
//! (`keyframe` or `delta`), the `game` event first (the frame shows the state after
//! those events). A client resuming with `Last-Event-ID: N` gets exactly the events
//! with ids after `N`: nothing twice, nothing missing (or a `reset`).
//!
//! [`RowFeed`] makes the frames of any game from its rows and schema, in JSON and
//! binary ([`binary`]: range-coded row bodies, base64); [`GameFrames`] adds the
//! game's events; [`RowState`] rebuilds any game's rows from the binary frames
//! (cluster mirrors' catch-up keyframes). The engine writes `end` and `reset`
//! itself and carries a game's frames and events as JSON text ([`GameJson`]); a
//! game may read its own JSON into a typed model (the arena's is
//! `crate::sim::spectate`). Everything here is pure: no IO, no clock.

pub mod binary;
mod event;
pub mod frames;
pub mod id;
mod keyframe_grid;
pub mod row_feed;
pub mod row_json;
pub mod row_state;

pub use binary::{BinaryError, BinaryKeyframe, Format};
pub use event::{EventKind, GameJson, ParseError, SpecEvent, SseEvent, parse_json};
pub use frames::GameFrames;
pub use id::{EventId, Slot};
pub use keyframe_grid::KeyframeGrid;
pub use row_feed::{RowFeed, RowFrame};
pub use row_state::RowState;

use crate::protocol::{PlayerId, PlayerIdentity, Tick};
use serde::{Deserialize, Serialize};

/// A player's display name as spectators see it: the name it joined with, never the
/// identity (`sub`) the server verified.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlayerName {
    pub player: PlayerId,
    pub name: String,
}

impl From<&PlayerIdentity> for PlayerName {
    fn from(who: &PlayerIdentity) -> PlayerName {
        PlayerName {
            player: who.player,
            name: who.name.clone(),
        }
    }
}

/// `event: end`: the match is over; nothing follows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct End {
    pub tick: Tick,
    pub reason: String,
}

/// `event: reset`: this stream did not continue after the id the client gave; it
/// restarts with the keyframe of tick `restart`. Sent without an `id:`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reset {
    /// The id the client asked to resume after, as sent (`None`: unreadable).
    pub requested: Option<u64>,
    /// The tick of the keyframe that follows (`None`: the next keyframe to come).
    pub restart: Option<Tick>,
    pub reason: String,
}
