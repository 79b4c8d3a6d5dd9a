//! The spectator event model: what `GET /api/rooms/{id}/events` (live) and
//! `GET /api/replays/{id}/events` (playback) stream as Server-Sent Events.
//!
//! Spectators get plain UTF-8 JSON, not the players' bit-packed snapshots, so a
//! browser tab needs nothing but `new EventSource(url)`. Each event is sent as
//! `event: <name>`, `id: <`[`EventId`]`>`, `data: <one line of JSON>`:
//!
//! - `keyframe` ([`Keyframe`]): the whole visible world at a tick (the map's name and
//!   every entity, positions and velocities in world units with at most two
//!   decimals, angles with four, zero fields left out; see [`json_form`]). A client
//!   replaces its state.
//! - `delta` ([`Delta`]): entities `created` (in full), `changed` (id plus only the
//!   fields that changed, moves too) and `removed` (ids) since the previous frame,
//!   whose tick is `base`; empty lists are left out (older streams may carry
//!   `moved`, one flat array `[id, x, y, ...]` for entities whose only change is
//!   their position: read, never written). A client applies it only when `base`
//!   equals its state's tick.
//! - `game` ([`GameBatch`]): the [`GameEvent`]s (joins, leaves, kills, respawns) that
//!   happened at a tick, and the display names of the players they name
//!   ([`PlayerName`], never a verified identity). Scores travel as entity fields in
//!   frames.
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
//! Live rooms of every game, the arena too, make their frames with [`RowFeed`]
//! from the game's rows and schema ([`row_json`] names the values as the schema
//! does: the arena's JSON is the form above with `"game"` in keyframes, moves in
//! `changed` and angles with four decimals; its binary bodies are the same bytes);
//! [`RowState`] rebuilds any game's rows from the binary frames (cluster mirrors'
//! catch-up keyframes). The types below are the arena's own model of that JSON,
//! which reads both forms.
//!
//! [`SpecEvent`] is one event of any kind, written as and read back from its SSE
//! text (in `event`). [`build`] turns [`Snapshot`]s into frames (and [`Feed`]
//! decides keyframe or delta per tick, the same way for live rooms and replays);
//! [`state`] applies events to rebuild the world a spectator sees. Everything here
//! is pure: no IO, no clock.
//!
//! [`Snapshot`]: crate::sim::Snapshot

#[cfg(test)]
mod arena_rows_tests;
pub mod binary;
pub mod build;
mod event;
pub mod frames;
pub mod id;
pub mod json_form;
#[cfg(test)]
mod rebuild_tests;
pub mod row_feed;
pub mod row_json;
pub mod row_state;
pub mod state;

pub use binary::{BinaryState, Format, binary_sse};
pub use build::{Feed, delta_event, game_event, keyframe_event};
pub use event::{ParseError, SpecEvent};
pub use frames::GameFrames;
pub use id::{EventId, Slot};
pub use row_feed::{RowFeed, RowFrame};
pub use row_state::RowState;
pub use state::{Applied, ApplyError, SpecState};

use crate::protocol::{NetId, PlayerId, PlayerIdentity, Tick};
use crate::sim::EntityKind;
use crate::sim::GameEvent;
use crate::sim::Map;
use serde::{Deserialize, Serialize};

/// One entity as a spectator sees it: world units (floats), ready to draw.
///
/// Values come from the quantized snapshot (positions in steps of 1/16 unit,
/// velocities 1/8 unit/s, angles 1/512 turn), so they are exact binary fractions
/// except `angle`, which is `steps * 2π / 512` rounded to `f32`.
///
/// In JSON, fields after `y` that are 0 are left out (and read back as 0);
/// positions and velocities have at most two decimals and read back exactly
/// ([`json_form`]).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SpecEntity {
    pub id: NetId,
    pub kind: EntityKind,
    #[serde(with = "json_form::pos")]
    pub x: f32,
    #[serde(with = "json_form::pos")]
    pub y: f32,
    #[serde(default, skip_serializing_if = "is_zero", with = "json_form::vel")]
    pub vx: f32,
    #[serde(default, skip_serializing_if = "is_zero", with = "json_form::vel")]
    pub vy: f32,
    /// Radians, `0..2π`, counter-clockwise from +x.
    #[serde(default, skip_serializing_if = "is_zero", with = "json_form::angle")]
    pub angle: f32,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub hp: u8,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub score: u16,
    /// Bit 1: dead (players waiting to respawn).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub flags: u8,
    /// Owning player: the player itself, a projectile's shooter, 0 for drones.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub owner: u32,
}

/// Whether a field holds its default (left out of the JSON).
fn is_zero<T: Default + PartialEq>(v: &T) -> bool {
    *v == T::default()
}

/// The fields of one entity that changed since the previous frame (others absent).
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct EntityChange {
    pub id: NetId,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "json_form::opt_pos"
    )]
    pub x: Option<f32>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "json_form::opt_pos"
    )]
    pub y: Option<f32>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "json_form::opt_vel"
    )]
    pub vx: Option<f32>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "json_form::opt_vel"
    )]
    pub vy: Option<f32>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "json_form::opt_angle"
    )]
    pub angle: Option<f32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hp: Option<u8>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub score: Option<u16>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flags: Option<u8>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<u32>,
}

/// An axis-aligned wall box from corner `min` to corner `max` (`[x, y]`, world units,
/// exactly the parsed map's values, so clients collide as the server does).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct WallView {
    pub min: [f32; 2],
    pub max: [f32; 2],
}

/// The arena geometry a viewer draws: the arena is `[0,width] x [0,height]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MapView {
    pub name: String,
    pub width: f32,
    pub height: f32,
    pub walls: Vec<WallView>,
}

impl MapView {
    /// The geometry of a parsed map.
    pub fn of(map: &Map) -> MapView {
        let walls = map
            .walls
            .iter()
            .map(|w| WallView {
                min: w.min.to_array(),
                max: w.max.to_array(),
            })
            .collect();
        MapView {
            name: map.name.clone(),
            width: map.size.x,
            height: map.size.y,
            walls,
        }
    }
}

/// `event: keyframe`: the whole visible world.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Keyframe {
    pub tick: Tick,
    /// Simulation ticks per second (viewers time their interpolation with it).
    pub tick_rate: u16,
    /// The map's name: its geometry is at `GET /api/maps/{name}` ([`MapView`]).
    pub map: String,
    /// Sorted by id.
    pub entities: Vec<SpecEntity>,
    /// The display names of the players in the room at this tick, by id (so a
    /// viewer who joins mid-match can name them before any event does).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub players: Vec<PlayerName>,
}

/// `event: delta`: what changed between the frame of tick `base` and tick `tick`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Delta {
    pub tick: Tick,
    pub base: Tick,
    /// New entities in full, sorted by id.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub created: Vec<SpecEntity>,
    /// Entities present in both frames whose only change is their position, sorted
    /// by id: in JSON one flat array `[id, x, y, id, x, y, ...]`
    /// ([`json_form::moved`]). Only older streams carry it: frames made now put
    /// moves in `changed`.
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        with = "json_form::moved"
    )]
    pub moved: Vec<(NetId, f32, f32)>,
    /// Entities present in both frames with other changed fields, sorted by id.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub changed: Vec<EntityChange>,
    /// Ids gone since `base`, sorted.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub removed: Vec<NetId>,
}

/// `event: game`: the game events of one tick, in the order the world produced them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GameBatch {
    pub tick: Tick,
    pub events: Vec<GameEvent>,
    /// The display names of the players `events` name, as far as the server knows
    /// them (each player once, in the order the events first name them).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub players: Vec<PlayerName>,
}

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
