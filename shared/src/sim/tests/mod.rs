//! Tests of the simulation: map parsing, movement, combat, drones, determinism.

mod combat;
mod delta;
mod determinism;
mod drones;
mod lagcomp;
mod map;
mod movement;
mod schema;
mod state;

use super::{Map, TickInput, World, WorldConfig};
use crate::protocol::PlayerId;
use crate::sim::{Buttons, PlayerInput};

/// An input holding `buttons` and aiming at `aim`.
fn input(buttons: u8, aim: f32) -> PlayerInput {
    PlayerInput {
        buttons: Buttons(buttons),
        aim,
    }
}

/// A tick where only `player` joins.
fn join(player: u32) -> TickInput {
    TickInput {
        joins: vec![PlayerId(player)],
        ..TickInput::default()
    }
}

/// A tick with these inputs.
fn inputs(list: &[(u32, PlayerInput)]) -> TickInput {
    TickInput {
        inputs: list.iter().map(|(p, i)| (PlayerId(*p), *i)).collect(),
        ..TickInput::default()
    }
}

/// The default map with `drones` drones at 60 Hz.
fn arena(drones: u32, seed: u64) -> World {
    World::new(Map::default_map(), WorldConfig::new(60, drones), seed)
}
