//! The arena game: a deterministic, fixed-step simulation.
//!
//! [`World`] owns every entity in a slotmap and advances exactly one fixed `dt` per
//! [`World::step`]. It has no clock and no IO: time enters as ticks only, randomness
//! comes from a seeded RNG ([`rng`]), iteration order is stable (documented in
//! [`world`]) and all trigonometry goes through `libm`, so the same seed and the same
//! [`TickInput`]s give the same [`World::state_hash`] on every machine.
//!
//! - [`map`]: the editable map format and its parser;
//! - [`movement`]: the player movement rules, shared with clients so they can
//!   predict their own player and reconcile against the server;
//! - [`collide`]: swept collision tests against walls, players and the arena edge;
//! - [`world`]: the [`World`], its [`Rules`] and the order of one step;
//! - `players`, `combat`, `drones`: the parts of a step; [`view`]: snapshots, the
//!   state hash (the engine's [`crate::game::Fnv64`]) and accessors; [`state`]: the
//!   full state as data ([`WorldState`], replay checkpoints);
//! - [`snapshot`]: the arena's quantized [`Snapshot`] of [`EntityState`]s (what a
//!   client sees at a tick, as its own typed model of the rows);
//! - [`schema`]: the arena's schema (kinds, fields, input, events); [`rows`]: its
//!   [`EntityState`] as schema rows and the [`Snapshot`] delta entry points
//!   ([`encode_delta`], [`apply_delta`]);
//! - [`input`], [`event`]: the arena's input and events; [`game`]: the arena as a
//!   [`crate::game::Game`] ([`Arena`]); [`legacy`]: the arena's own forms of the
//!   engine's generic data (replay format 4, the spectator model);
//! - [`history`]: the last second of player positions, for lag-compensated shots.

pub mod collide;
mod combat;
mod drones;
mod entity;
pub mod event;
pub mod game;
pub mod history;
pub mod input;
pub mod legacy;
pub mod map;
pub mod movement;
mod players;
pub mod replay4;
pub mod rng;
pub mod rows;
pub mod schema;
pub mod snapshot;
pub mod spectate;
pub mod state;
pub mod view;
pub mod world;

#[cfg(test)]
mod tests;

pub use event::GameEvent;
pub use game::{Arena, ArenaConfig};
pub use history::History;
pub use input::{Buttons, PlayerInput};
pub use map::{Map, MapError, Wall};
pub use movement::{Body, move_player};
pub use rows::{apply_delta, apply_delta_with_limits, encode_delta};
pub use snapshot::{EntityKind, EntityState, Snapshot};
pub use state::{RestoreError, WorldState};
pub use view::PlayerView;
pub use world::{Rules, TickInput, World, WorldConfig};
