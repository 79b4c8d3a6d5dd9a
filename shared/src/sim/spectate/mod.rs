//! The arena's own typed model of its spectator JSON (what
//! `GET /api/rooms/{id}/events` streams for an arena room, see [`crate::spectate`]
//! for the events and their order), for tests, benches and clients that read it.
//!
//! Live rooms and playback make the arena's frames with the engine's generic
//! [`RowFeed`](crate::spectate::RowFeed) from its rows and schema; this model reads
//! that JSON (keyframes with `"game"`, moves in `changed`, angles with four
//! decimals) and the older form it made itself (`moved`, below), and makes the
//! older form from [`Snapshot`]s:
//!
//! - [`Keyframe`], [`Delta`], [`GameBatch`] ([`GameEvent`]s with [`PlayerName`]s):
//!   the arena's `keyframe`, `delta` and `game` data; [`SpecEntity`] and
//!   [`EntityChange`] its entities in world units ([`json_form`]); [`MapView`] the
//!   geometry at `GET /api/maps/{name}`;
//! - [`ArenaEvent`] ([`event`]): one event typed, read from and written as the
//!   engine's SSE text ([`crate::spectate::SpecEvent`]);
//! - [`build`] turns [`Snapshot`]s into frames ([`Feed`] decides keyframe or delta
//!   per tick); [`state`] ([`SpecState`]) and [`binary`] ([`BinaryState`]) rebuild
//!   the world a spectator sees from the JSON and binary frames.
//!
//! [`Snapshot`]: crate::sim::Snapshot

#[cfg(test)]
mod arena_rows_tests;
pub mod binary;
pub mod build;
pub mod event;
pub mod json_form;
#[cfg(test)]
mod rebuild_tests;
pub mod state;

pub use binary::{BinaryState, binary_sse};
pub use build::{Feed, delta_event, game_event, keyframe_event};
pub use event::ArenaEvent;
pub use state::{Applied, ApplyError, SpecState};

use crate::protocol::{NetId, Tick};
use crate::sim::{EntityKind, GameEvent, Map};
use crate::spectate::PlayerName;
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
