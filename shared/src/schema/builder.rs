//! Declaring a schema in Rust: [`Schema::builder`], then kinds, the input and events,
//! each a list of [`Field`]s; [`SchemaBuilder::build`] checks every rule of
//! [`super::validate`] and returns the first broken one as a typed [`SchemaError`].
//!
//! ```
//! use tickcast_shared::schema::{Field, Role, Schema};
//!
//! let schema = Schema::builder("pong")
//!     .describe("two paddles and a ball")
//!     .kind("ball", |k| {
//!         k.field(Field::vec2("pos", ["x", "y"], 16).role(Role::Position).interpolate())
//!     })
//!     .kind("paddle", |k| {
//!         k.field(Field::vec2("pos", ["x", "y"], 16).role(Role::Position).interpolate())
//!             .field(Field::uint("score", 8).role(Role::Score))
//!     })
//!     .input(|i| i.field(Field::int("move", 2)))
//!     .event("goal", |e| e.field(Field::player_ref("scorer")))
//!     .build()?;
//! assert_eq!(schema.kinds().len(), 2);
//! # Ok::<(), tickcast_shared::schema::SchemaError>(())
//! ```

use super::field::Field;
use super::validate::SchemaError;
use super::{Event, FORMAT_VERSION, Kind, Schema};

/// The fields of one kind, of the input or of one event, in order.
#[derive(Debug, Clone, Default)]
pub struct FieldsBuilder {
    fields: Vec<Field>,
}

impl FieldsBuilder {
    /// Append a field (fields are coded in the order they are added).
    pub fn field(mut self, field: Field) -> FieldsBuilder {
        self.fields.push(field);
        self
    }

    /// Append several fields, in order.
    pub fn fields(mut self, fields: impl IntoIterator<Item = Field>) -> FieldsBuilder {
        self.fields.extend(fields);
        self
    }
}

/// Builds a [`Schema`]; see the module docs.
#[derive(Debug, Clone)]
pub struct SchemaBuilder {
    schema: Schema,
}

impl Schema {
    /// Start declaring the schema of the game `name`.
    pub fn builder(name: &str) -> SchemaBuilder {
        SchemaBuilder {
            schema: Schema {
                format: FORMAT_VERSION,
                name: name.to_owned(),
                description: String::new(),
                kinds: Vec::new(),
                input: Vec::new(),
                events: Vec::new(),
            },
        }
    }
}

fn fields_of(declare: impl FnOnce(FieldsBuilder) -> FieldsBuilder) -> Vec<Field> {
    declare(FieldsBuilder::default()).fields
}

impl SchemaBuilder {
    /// A one-line description for game listings.
    pub fn describe(mut self, description: &str) -> SchemaBuilder {
        self.schema.description = description.to_owned();
        self
    }

    /// Add an entity kind (its index on the wire is its position in this list).
    pub fn kind(
        mut self,
        name: &str,
        declare: impl FnOnce(FieldsBuilder) -> FieldsBuilder,
    ) -> SchemaBuilder {
        self.schema.kinds.push(Kind {
            name: name.to_owned(),
            fields: fields_of(declare),
        });
        self
    }

    /// Set the fields of one player's input for one tick.
    pub fn input(mut self, declare: impl FnOnce(FieldsBuilder) -> FieldsBuilder) -> SchemaBuilder {
        self.schema.input = fields_of(declare);
        self
    }

    /// Add an event type.
    pub fn event(
        mut self,
        name: &str,
        declare: impl FnOnce(FieldsBuilder) -> FieldsBuilder,
    ) -> SchemaBuilder {
        self.schema.events.push(Event {
            name: name.to_owned(),
            fields: fields_of(declare),
        });
        self
    }

    /// Check every rule and return the schema, or the first rule broken.
    pub fn build(self) -> Result<Schema, SchemaError> {
        self.schema.validate()?;
        Ok(self.schema)
    }
}
