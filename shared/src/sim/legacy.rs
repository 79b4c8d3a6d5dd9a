//! The arena's own forms of the engine's generic data, both ways: [`TickInput`] for
//! [`StepCommands`] of input values, [`Snapshot`] for [`RowSnapshot`], [`WorldState`]
//! for saved state bytes. Replay format 4 and older store the arena's forms (they
//! are read as arena recordings and converted here), and the spectator model still
//! speaks [`Snapshot`].

use super::game::Arena;
use super::schema::PROJECTILE;
use super::state::WorldState;
use super::world::TickInput;
use crate::codec::{CodedEntity, Row, RowSnapshot, decode_value, encode_value};
use crate::game::erased::MAX_SAVED_STATE;
use crate::game::{Game, InputValues, StepCommands};
use crate::sim::rows::ARENA_VALUES;
use crate::sim::{EntityState, Snapshot};

/// The commands of one step as the arena's [`TickInput`] (inputs clamped as
/// [`Arena`] reads them).
pub fn tick_input(commands: &StepCommands<InputValues>) -> TickInput {
    let typed = commands.map_inputs(Arena::input_from_values);
    TickInput {
        joins: typed.joins,
        leaves: typed.leaves,
        inputs: typed.inputs,
        rewinds: typed.rewinds,
    }
}

/// A [`TickInput`] as the engine's commands.
pub fn commands(input: &TickInput) -> StepCommands<InputValues> {
    StepCommands {
        joins: input.joins.clone(),
        leaves: input.leaves.clone(),
        inputs: (input.inputs.iter())
            .map(|(p, i)| (*p, Arena::input_values(i)))
            .collect(),
        rewinds: input.rewinds.clone(),
    }
}

/// Rows of the arena's schema as a [`Snapshot`] (rows of another kind are left
/// out).
pub fn snapshot(rows: &RowSnapshot) -> Snapshot {
    let entities = rows
        .rows
        .iter()
        .filter(|r| usize::from(r.kind) <= PROJECTILE)
        .filter_map(|r| {
            let mut values = [0; ARENA_VALUES];
            values.copy_from_slice(&r.values[..ARENA_VALUES]);
            EntityState::from_values(r.id, usize::from(r.kind), &values)
        })
        .collect();
    Snapshot {
        tick: rows.tick,
        entities,
    }
}

/// A [`Snapshot`] as rows of the arena's schema.
pub fn rows(snapshot: &Snapshot) -> RowSnapshot {
    RowSnapshot {
        tick: snapshot.tick,
        rows: snapshot.entities.iter().map(row).collect(),
    }
}

/// One entity as a row.
pub fn row(entity: &EntityState) -> Row {
    let mut row = Row::new(entity.id, entity.kind_index() as u8);
    let values = entity.values();
    row.values[..values.len()].copy_from_slice(&values);
    row
}

/// Saved arena state bytes (what [`crate::game::DynGame::save`] gives) as a
/// [`WorldState`]; `None` when they are not one.
pub fn world_state(saved: &[u8]) -> Option<WorldState> {
    decode_value(saved, MAX_SAVED_STATE).ok()
}

/// A [`WorldState`] as saved state bytes.
pub fn saved(state: &WorldState) -> Vec<u8> {
    encode_value(state)
}
