//! The rules every schema keeps, checked when it is built and when a descriptor is
//! read (a descriptor from the network or a replay file is hostile).
//!
//! - the descriptor's `format` is [`FORMAT_VERSION`];
//! - names (game, kinds, events, fields, vector parts, labels) are 1 to
//!   [`MAX_NAME_LEN`] characters of `a-z`, `0-9` and `_`, starting with a letter;
//!   `id`, `kind` and `type` are reserved for the frames' own keys; the description
//!   is at most [`MAX_DESCRIPTION_LEN`] characters of printable ASCII;
//! - 1 to [`MAX_KINDS`] kinds, each with 1 to [`MAX_FIELDS`] fields; the input has at
//!   most [`MAX_FIELDS`] fields; at most [`MAX_EVENTS`] events of at most
//!   [`MAX_FIELDS`] fields each (a 2-D vector is one field);
//! - kind names are unique, event names are unique, and within one list every field
//!   name and vector part name is unique;
//! - codec parameters are in range ([`FieldCodec::check`]); a `vec2` names exactly
//!   two parts and other codecs none; labels only on `enum` (at most one per variant)
//!   and `flags` (at most one per bit); `interpolate` only on numbers and directions;
//! - the canonical descriptor is at most [`MAX_DESCRIPTOR_BYTES`] long.

use super::codec::FieldCodec;
use super::field::{Field, Motion};
use super::{
    FORMAT_VERSION, MAX_DESCRIPTION_LEN, MAX_DESCRIPTOR_BYTES, MAX_EVENTS, MAX_FIELDS, MAX_KINDS,
    MAX_NAME_LEN, Schema,
};
use std::collections::HashSet;
use thiserror::Error;

/// Names a list of fields may not use.
const RESERVED: [&str; 3] = ["id", "kind", "type"];

/// A rule a schema breaks (the first one found).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum SchemaError {
    #[error("descriptor format {found}; this build reads format {supported}")]
    UnsupportedFormat { found: u32, supported: u32 },
    #[error("bad name {name:?}: 1 to 32 of a-z, 0-9 and _, starting with a letter")]
    BadName { name: String },
    #[error("{owner}: the name {name:?} is reserved")]
    ReservedName { owner: String, name: String },
    #[error("{owner}: the name {name:?} is used twice")]
    DuplicateName { owner: String, name: String },
    #[error("the description must be at most {max} characters of printable ASCII")]
    BadDescription { max: usize },
    #[error("the schema has no entity kinds")]
    NoKinds,
    #[error("the schema has {count} entity kinds; at most {max}")]
    TooManyKinds { count: usize, max: usize },
    #[error("the schema has {count} events; at most {max}")]
    TooManyEvents { count: usize, max: usize },
    #[error("{owner} has no fields")]
    NoFields { owner: String },
    #[error("{owner} has {count} fields; at most {max} (a 2-D vector counts as one)")]
    TooManyFields {
        owner: String,
        count: usize,
        max: usize,
    },
    #[error("{owner}, field {field:?}: {reason}")]
    BadField {
        owner: String,
        field: String,
        reason: &'static str,
    },
    #[error("the descriptor is over {max} bytes")]
    TooLarge { max: usize },
    #[error("the descriptor is not a schema: {0}")]
    Json(String),
}

fn check_name(name: &str) -> Result<(), SchemaError> {
    let mut chars = name.chars();
    let starts_with_letter = chars.next().is_some_and(|c| c.is_ascii_lowercase());
    let rest_ok = chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if starts_with_letter && rest_ok && name.len() <= MAX_NAME_LEN {
        Ok(())
    } else {
        Err(SchemaError::BadName {
            name: name.chars().take(MAX_NAME_LEN + 1).collect(),
        })
    }
}

/// Add `name` to `seen`, or say it was there.
fn unique<'a>(seen: &mut HashSet<&'a str>, owner: &str, name: &'a str) -> Result<(), SchemaError> {
    if seen.insert(name) {
        Ok(())
    } else {
        Err(SchemaError::DuplicateName {
            owner: owner.to_owned(),
            name: name.to_owned(),
        })
    }
}

fn check_field(owner: &str, field: &Field) -> Result<(), SchemaError> {
    let bad = |reason| SchemaError::BadField {
        owner: owner.to_owned(),
        field: field.name.clone(),
        reason,
    };
    field.codec.check().map_err(bad)?;
    let parts = match field.codec {
        FieldCodec::Vec2 { .. } => 2,
        _ => 0,
    };
    if field.parts.len() != parts {
        return Err(bad("a vec2 names exactly two parts, other codecs none"));
    }
    if field.labels.len() > field.codec.max_labels() {
        return Err(bad(
            "labels only on enum (one per variant) and flags (one per bit)",
        ));
    }
    if field.hints.motion == Motion::Interpolate && !field.codec.interpolable() {
        return Err(bad("only numbers and directions can be interpolated"));
    }
    for label in &field.labels {
        check_name(label)?;
    }
    Ok(())
}

/// Check one list of fields (of a kind, the input or an event).
fn check_fields(owner: &str, fields: &[Field], may_be_empty: bool) -> Result<(), SchemaError> {
    if fields.is_empty() && !may_be_empty {
        return Err(SchemaError::NoFields {
            owner: owner.to_owned(),
        });
    }
    if fields.len() > MAX_FIELDS {
        return Err(SchemaError::TooManyFields {
            owner: owner.to_owned(),
            count: fields.len(),
            max: MAX_FIELDS,
        });
    }
    let mut seen = HashSet::new();
    for field in fields {
        check_name(&field.name)?;
        unique(&mut seen, owner, &field.name)?;
        for part in &field.parts {
            check_name(part)?;
            unique(&mut seen, owner, part)?;
        }
        check_field(owner, field)?;
    }
    match RESERVED.iter().find(|r| seen.contains(*r)) {
        Some(name) => Err(SchemaError::ReservedName {
            owner: owner.to_owned(),
            name: (*name).to_owned(),
        }),
        None => Ok(()),
    }
}

impl Schema {
    /// Check every rule of the module docs; the first one broken is the error.
    pub fn validate(&self) -> Result<(), SchemaError> {
        if self.format != FORMAT_VERSION {
            return Err(SchemaError::UnsupportedFormat {
                found: self.format,
                supported: FORMAT_VERSION,
            });
        }
        check_name(&self.name)?;
        if self.description.len() > MAX_DESCRIPTION_LEN
            || !self
                .description
                .chars()
                .all(|c| c == ' ' || c.is_ascii_graphic())
        {
            return Err(SchemaError::BadDescription {
                max: MAX_DESCRIPTION_LEN,
            });
        }
        if self.kinds.is_empty() {
            return Err(SchemaError::NoKinds);
        }
        if self.kinds.len() > MAX_KINDS {
            return Err(SchemaError::TooManyKinds {
                count: self.kinds.len(),
                max: MAX_KINDS,
            });
        }
        if self.events.len() > MAX_EVENTS {
            return Err(SchemaError::TooManyEvents {
                count: self.events.len(),
                max: MAX_EVENTS,
            });
        }
        let mut kinds = HashSet::new();
        for kind in &self.kinds {
            check_name(&kind.name)?;
            unique(&mut kinds, "the kinds", &kind.name)?;
            check_fields(&format!("kind {}", kind.name), &kind.fields, false)?;
        }
        check_fields("the input", &self.input, true)?;
        let mut events = HashSet::new();
        for event in &self.events {
            check_name(&event.name)?;
            unique(&mut events, "the events", &event.name)?;
            check_fields(&format!("event {}", event.name), &event.fields, true)?;
        }
        if self.canonical_json().len() > MAX_DESCRIPTOR_BYTES {
            return Err(SchemaError::TooLarge {
                max: MAX_DESCRIPTOR_BYTES,
            });
        }
        Ok(())
    }
}
