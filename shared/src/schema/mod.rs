//! A game's schema as data: what it replicates (entity kinds, each a list of fields),
//! what a player sends (the input) and what happens (events), each field with a codec
//! from a closed vocabulary ([`FieldCodec`]) and hints for clients ([`Hints`]).
//!
//! The schema drives the snapshot delta coder ([`crate::codec::RowCodec`]); it is the
//! contract between a server and its clients, so it travels as a JSON descriptor
//! ([`Schema::canonical_json`], [`Schema::from_json`]) and is identified by a hash
//! over its canonical form ([`Schema::hash`]).
//!
//! - [`codec`]: the field codecs and how each codes a change;
//! - [`field`]: a field, its render role and motion hint;
//! - [`builder`]: declaring a schema in Rust;
//! - [`validate`]: the rules and [`SchemaError`];
//! - [`descriptor`]: the JSON descriptor, its canonical form and hash.
//!
//! ## Rows
//! An entity of a kind is a row of `i32` values: the kind's fields in order, a
//! `vec2` taking two values (its parts), every other codec one. So a kind has at most
//! [`MAX_VALUES`] values; [`Kind::value_index`] finds one by name.
//!
//! ## Limits
//! At most [`MAX_KINDS`] kinds and [`MAX_FIELDS`] fields per kind (a 2-D vector is one
//! field): a changed-field mask costs one adaptive bit per field, coded as bit trees
//! of at most 8 fields each. The input and each event have at most [`MAX_FIELDS`]
//! fields; a schema has at most [`MAX_EVENTS`] events.

pub mod builder;
pub mod codec;
pub mod descriptor;
pub mod field;
pub mod validate;

pub use builder::{FieldsBuilder, SchemaBuilder};
pub use codec::{FieldCodec, RefTarget};
pub use descriptor::SchemaHash;
pub use field::{Field, Hints, Motion, Role};
pub use validate::SchemaError;

use serde::{Deserialize, Serialize};

/// Version of the descriptor format (the `format` key).
pub const FORMAT_VERSION: u32 = 1;
/// Most entity kinds in a schema.
pub const MAX_KINDS: usize = 16;
/// Most fields of a kind, of the input or of an event (a 2-D vector is one).
pub const MAX_FIELDS: usize = 16;
/// Most values in a row: every field a 2-D vector.
pub const MAX_VALUES: usize = 2 * MAX_FIELDS;
/// Most event types in a schema.
pub const MAX_EVENTS: usize = 64;
/// Longest name (of the game, a kind, an event, a field, a part or a label).
pub const MAX_NAME_LEN: usize = 32;
/// Longest description.
pub const MAX_DESCRIPTION_LEN: usize = 200;
/// Longest descriptor, checked before a descriptor is parsed.
pub const MAX_DESCRIPTOR_BYTES: usize = 64 * 1024;

/// A game's schema. Built by [`Schema::builder`] or read by [`Schema::from_json`];
/// either way it has passed [`Schema::validate`].
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Schema {
    format: u32,
    name: String,
    description: String,
    kinds: Vec<Kind>,
    input: Vec<Field>,
    events: Vec<Event>,
}

/// An entity kind: a name and its fields, in coding order.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Kind {
    pub name: String,
    pub fields: Vec<Field>,
}

/// An event type: a name and its fields.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Event {
    pub name: String,
    pub fields: Vec<Field>,
}

impl Schema {
    /// The game's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The one-line description for game listings.
    pub fn description(&self) -> &str {
        &self.description
    }

    /// The entity kinds; a kind's index here is its index on the wire.
    pub fn kinds(&self) -> &[Kind] {
        &self.kinds
    }

    /// The kind at wire index `index`.
    pub fn kind(&self, index: usize) -> Option<&Kind> {
        self.kinds.get(index)
    }

    /// The wire index of the kind named `name`.
    pub fn kind_index(&self, name: &str) -> Option<usize> {
        self.kinds.iter().position(|k| k.name == name)
    }

    /// The fields of one player's input for one tick.
    pub fn input(&self) -> &[Field] {
        &self.input
    }

    /// The event types.
    pub fn events(&self) -> &[Event] {
        &self.events
    }
}

impl Kind {
    /// How many values a row of this kind has.
    pub fn values(&self) -> usize {
        self.fields.iter().map(|f| f.codec.values()).sum()
    }

    /// Each field with the index of its first value in the row, in order.
    pub fn layout(&self) -> impl Iterator<Item = (usize, &Field)> {
        self.fields.iter().scan(0, |next, field| {
            let at = *next;
            *next += field.codec.values();
            Some((at, field))
        })
    }

    /// The row index of the value named `name` (a field, or a part of a `vec2`).
    pub fn value_index(&self, name: &str) -> Option<usize> {
        self.layout().find_map(|(at, field)| {
            field
                .value_names()
                .position(|n| n == name)
                .map(|offset| at + offset)
        })
    }
}

#[cfg(test)]
mod tests;
