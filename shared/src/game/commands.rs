//! One step's commands, and the schema-value forms of inputs and events that cross
//! the network and replays.

use crate::protocol::PlayerId;
use crate::schema::{FieldCodec, MAX_VALUES, RefTarget, Schema};
use serde::{Deserialize, Serialize};

/// Everything that enters a game in one step, in this order: leaves, joins, then at
/// most one input per player (players without an input this tick are absent), then
/// lag compensation. This is also what a replay records per tick.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StepCommands<I> {
    pub joins: Vec<PlayerId>,
    pub leaves: Vec<PlayerId>,
    pub inputs: Vec<(PlayerId, I)>,
    /// Lag compensation granted this tick: the player saw the world this many ticks
    /// behind the live one when it sent this tick's input (the first entry per
    /// player counts). A game without lag compensation ignores it.
    #[serde(default)]
    pub rewinds: Vec<(PlayerId, u32)>,
}

impl<I> Default for StepCommands<I> {
    fn default() -> StepCommands<I> {
        StepCommands {
            joins: Vec::new(),
            leaves: Vec::new(),
            inputs: Vec::new(),
            rewinds: Vec::new(),
        }
    }
}

impl<I> StepCommands<I> {
    /// The same commands with every input converted by `f`.
    pub fn map_inputs<J>(&self, mut f: impl FnMut(&I) -> J) -> StepCommands<J> {
        StepCommands {
            joins: self.joins.clone(),
            leaves: self.leaves.clone(),
            inputs: self.inputs.iter().map(|(p, i)| (*p, f(i))).collect(),
            rewinds: self.rewinds.clone(),
        }
    }
}

/// One tick of one player's input as the values of the schema's input fields, in
/// layout order (a `vec2` is two values, a `float32` its bits). At most
/// [`MAX_VALUES`]; a decoder checks the count against the schema before use.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct InputValues(pub Vec<i32>);

impl InputValues {
    /// Value `i`, 0 when absent (a short row reads as zeros).
    pub fn get(&self, i: usize) -> i32 {
        self.0.get(i).copied().unwrap_or(0)
    }

    /// Whether the row fits the schema's input (`count` values, at most
    /// [`MAX_VALUES`]).
    pub fn fits(&self, count: usize) -> bool {
        self.0.len() == count && count <= MAX_VALUES
    }
}

/// An event as data: the index of its type in the schema's events and its fields'
/// values in layout order.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct EventRow {
    pub event: u8,
    pub values: Vec<i32>,
}

impl EventRow {
    /// The players this event names: the values of its fields whose codec is a
    /// player reference, in field order (an event index the schema does not have
    /// names nobody).
    pub fn players(&self, schema: &Schema) -> Vec<PlayerId> {
        let Some(event) = schema.events().get(usize::from(self.event)) else {
            return Vec::new();
        };
        let mut at = 0;
        let mut out = Vec::new();
        for field in &event.fields {
            if field.codec
                == (FieldCodec::Ref {
                    target: RefTarget::Player,
                })
            {
                out.push(PlayerId(self.get(at) as u32));
            }
            at += field.codec.values();
        }
        out
    }

    /// Value `i`, 0 when absent.
    pub fn get(&self, i: usize) -> i32 {
        self.values.get(i).copied().unwrap_or(0)
    }
}
