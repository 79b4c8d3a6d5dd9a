//! The arena game: a deterministic, fixed-step simulation.
//!
//! [`World`] owns every entity in a slotmap and advances exactly one fixed `dt` per
//! [`World::step`]. It has no clock and no IO: time enters as ticks only, randomness
//! comes from a seeded RNG, iteration order is stable and all trigonometry goes
//! through `libm`, so the same seed and the same [`TickInput`]s give the same
//! [`World::state_hash`] on every machine.
//!
//! [`movement`] holds the player movement rules, shared with clients so they can
//! predict their own player and reconcile against the server.

pub mod map;
pub mod movement;
pub mod world;

pub use map::{Map, MapError, Wall};
pub use movement::{Body, move_player};
pub use world::{Rules, TickInput, World, WorldConfig};
