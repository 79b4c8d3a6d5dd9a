//! Sane bounds on what a recording may say, checked before anything is built from it.
//!
//! A replay file is hostile input: anyone who can place a file (shared storage, a
//! restored backup, a recording passed on) chooses every byte, and a valid checksum
//! proves nothing. So before a header or a record is turned into anything that
//! allocates (a game sized by its config, a decoded name, a schema), its numbers
//! and texts are checked against the bounds here (a format-4 header is checked by
//! the arena, which wrote it: `crate::sim::replay4`); a file outside them is refused with a [`BoundsError`]
//! that says which bound and why (as
//! [`StopReason::OutOfBounds`](super::StopReason::OutOfBounds)). The game then
//! reads its config as hostile data (a config that does not fit it refuses the
//! replay; games clamp what they allocate by).
//!
//! The bounds are those a server can record with (its config allows tick rates
//! `1..=1000`, configs and descriptors are small JSON), with room to spare.

use super::ReplayHeader;
use super::frame::Kind;
use crate::schema::{MAX_DESCRIPTOR_BYTES, Schema};
use thiserror::Error;

/// Highest tick rate a recording may have (the server's own limit).
pub const MAX_TICK_RATE: u32 = 1000;
/// Largest header record (kind + payload): the header with its config and
/// descriptor (or, before format 5, its map text).
pub const MAX_HEADER_RECORD_LEN: u32 = 1024 * 1024;
/// Largest player record (kind + payload): a tick, a name and an identity.
pub const MAX_PLAYER_RECORD_LEN: u32 = 4096;
/// Longest room name, room id, map name, invite code, game name or build id in a
/// header, bytes.
pub const MAX_HEADER_TEXT_LEN: usize = 256;
/// Longest room config (JSON text) in a header, bytes.
pub const MAX_CONFIG_LEN: usize = 512 * 1024;
/// Longest schema descriptor in a header, bytes (the schema's own bound).
pub const MAX_DESCRIPTOR_LEN: usize = MAX_DESCRIPTOR_BYTES;

/// Why a recording is outside the bounds.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum BoundsError {
    #[error("tick rate {found} is outside 1..={max}")]
    TickRate { found: u32, max: u32 },
    #[error("{found} {what}, more than {max}")]
    TooMany {
        what: &'static str,
        found: u32,
        max: u32,
    },
    #[error("{what} is {len} bytes, more than {max}")]
    TooLong {
        what: &'static str,
        len: usize,
        max: usize,
    },
    #[error("rule {name} = {value} is outside its bounds")]
    Rule { name: &'static str, value: String },
    #[error("header map: {0}")]
    Map(String),
    #[error("the room config is not JSON: {0}")]
    Config(String),
    #[error("the schema descriptor: {0}")]
    Descriptor(String),
    #[error("{kind} record of {len} bytes, more than {max}")]
    Record {
        kind: &'static str,
        len: u32,
        max: u32,
    },
}

/// Largest record (kind + payload) of `kind`.
pub(crate) fn max_record_len(kind: Kind) -> u32 {
    match kind {
        Kind::Header => MAX_HEADER_RECORD_LEN,
        Kind::Player => MAX_PLAYER_RECORD_LEN,
        // kind, tick, hash.
        Kind::Hash => 1 + 4 + 8,
        // kind, tick.
        Kind::End => 1 + 4,
        Kind::Ticks | Kind::Keyframe | Kind::Checkpoint => super::MAX_RECORD_LEN,
    }
}

/// A record of `kind` and length `len` (kind + payload) is within its bound.
pub(crate) fn check_record_len(kind: Kind, len: u32) -> Result<(), BoundsError> {
    let max = max_record_len(kind);
    if len > max {
        return Err(BoundsError::Record {
            kind: kind.name(),
            len,
            max,
        });
    }
    Ok(())
}

pub(crate) fn text(what: &'static str, value: &str, max: usize) -> Result<(), BoundsError> {
    if value.len() > max {
        return Err(BoundsError::TooLong {
            what,
            len: value.len(),
            max,
        });
    }
    Ok(())
}

/// Check a decoded format-5 header: its tick rate, texts, config (JSON within
/// [`MAX_CONFIG_LEN`]) and descriptor (a valid schema within
/// [`MAX_DESCRIPTOR_LEN`], of the header's game, whose hash is the header's).
/// Returns the recorded schema.
pub fn check_header(header: &ReplayHeader) -> Result<Schema, BoundsError> {
    if !(1..=MAX_TICK_RATE).contains(&header.tick_rate) {
        return Err(BoundsError::TickRate {
            found: header.tick_rate,
            max: MAX_TICK_RATE,
        });
    }
    text("the room name", &header.room_name, MAX_HEADER_TEXT_LEN)?;
    text("the room id", &header.room_id, MAX_HEADER_TEXT_LEN)?;
    text("the map name", &header.map_name, MAX_HEADER_TEXT_LEN)?;
    text("the game name", &header.game, MAX_HEADER_TEXT_LEN)?;
    text("the build id", &header.build, MAX_HEADER_TEXT_LEN)?;
    if let Some(invite) = &header.invite {
        text("the invite", invite, MAX_HEADER_TEXT_LEN)?;
    }
    text("the room config", &header.config, MAX_CONFIG_LEN)?;
    text("the descriptor", &header.descriptor, MAX_DESCRIPTOR_LEN)?;
    serde_json::from_str::<serde::de::IgnoredAny>(&header.config)
        .map_err(|e| BoundsError::Config(e.to_string()))?;
    let schema = Schema::from_json(&header.descriptor)
        .map_err(|e| BoundsError::Descriptor(e.to_string()))?;
    if schema.hash() != header.schema_hash {
        return Err(BoundsError::Descriptor(format!(
            "its hash is {}, the header says {}",
            schema.hash(),
            header.schema_hash
        )));
    }
    if schema.name() != header.game {
        return Err(BoundsError::Descriptor(format!(
            "it describes {:?}, the header's game is {:?}",
            schema.name(),
            header.game
        )));
    }
    Ok(schema)
}
