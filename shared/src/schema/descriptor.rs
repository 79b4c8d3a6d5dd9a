//! The schema as a JSON descriptor, its canonical form and its hash.
//!
//! ## Descriptor
//! ```text
//! {"format":1,"name":"arena","description":"...",
//!  "kinds":[{"name":"player","fields":[FIELD,...]},...],
//!  "input":[FIELD,...],
//!  "events":[{"name":"kill","fields":[FIELD,...]},...]}
//! FIELD = {"name":"pos","codec":{"type":"vec2","scale":16},"parts":["x","y"],
//!          "labels":[],"hints":{"motion":"interpolate","role":"position"}}
//! ```
//! Codec objects are `{"type": T, ...parameters}` with T one of `int` (`bits`,
//! `signed`), `fixed` (`bits`, `signed`, `scale`), `angle` (`steps`), `vec2` (`scale`),
//! `flags` (`bits`), `enum` (`variants`), `ref` (`target`: `entity` or `player`),
//! `float32`. Roles: `position`, `velocity`, `heading`, `radius`, `colour`, `health`,
//! `score`, `owner`, `team`, `label`, `state`, or `null`; motions: `snap`,
//! `interpolate`. A reader takes keys in any order and with any whitespace; `parts`,
//! `labels` and `hints` may be left out (empty, empty, snap with no role); unknown
//! keys are refused.
//!
//! ## Canonical form and hash
//! The canonical form is the descriptor written with the keys in the order above,
//! every key present, no whitespace, integers in decimal and strings as JSON writes
//! them (names are `a-z0-9_` and the description printable ASCII, so `JSON.stringify`
//! writes the same bytes). The hash is the first 8 bytes of the SHA-256 of the canonical form,
//! read big-endian, written as 16 lowercase hex digits; equal schemas have equal
//! canonical forms and hashes, and any change of a name, codec, hint or order changes
//! the form.

use super::validate::SchemaError;
use super::{MAX_DESCRIPTOR_BYTES, Schema};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::fmt;

/// The hash of a schema's canonical descriptor (see the module docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct SchemaHash(pub u64);

impl fmt::Display for SchemaHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:016x}", self.0)
    }
}

impl Schema {
    /// The canonical descriptor (see the module docs).
    pub fn canonical_json(&self) -> String {
        // Serializing a tree of plain structs, strings and integers cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }

    /// The descriptor indented for people; it reads back to the same schema.
    pub fn pretty_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// The hash of the canonical descriptor.
    pub fn hash(&self) -> SchemaHash {
        let digest = Sha256::digest(self.canonical_json().as_bytes());
        let mut first = [0u8; 8];
        for (out, byte) in first.iter_mut().zip(digest.iter()) {
            *out = *byte;
        }
        SchemaHash(u64::from_be_bytes(first))
    }

    /// Read a descriptor (hostile input: the size is checked before parsing, the
    /// schema is validated after).
    pub fn from_json(text: &str) -> Result<Schema, SchemaError> {
        if text.len() > MAX_DESCRIPTOR_BYTES {
            return Err(SchemaError::TooLarge {
                max: MAX_DESCRIPTOR_BYTES,
            });
        }
        let schema: Schema =
            serde_json::from_str(text).map_err(|e| SchemaError::Json(e.to_string()))?;
        schema.validate()?;
        Ok(schema)
    }
}
