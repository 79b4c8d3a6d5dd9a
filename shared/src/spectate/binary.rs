//! Compact spectator frames (`?format=binary`): the players' range-coded row bodies
//! ([`crate::codec::encode_rows`] with the game's schema), base64 (standard
//! alphabet, padded) in `data:`. Same event names and ids as the JSON feed; `game`,
//! `end` and `reset` stay JSON in both formats.
//!
//! - `event: keyframe`: `data: {"tick_rate":60,"map":"arena","body":"<base64>",
//!   "game":"arena"}` ([`BinaryKeyframe`]); the body is a keyframe (a delta against
//!   nothing). The map's geometry is at `GET /api/maps/{name}`.
//! - `event: delta`: `data: <base64>`, a body against the previous frame of the
//!   stream (the body names its tick and the gap to its baseline; a client applies
//!   it only on the rows of that tick).
//!
//! A frame is encoded once per room and frame for both formats
//! ([`super::RowFeed`]); [`super::RowState`] reads them back.

use super::{ParseError, PlayerName};
use crate::codec::DeltaError;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};
use thiserror::Error;

/// Which encoding a viewer asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Format {
    /// Readable JSON events (the default).
    #[default]
    Json,
    /// Range-coded bodies in base64.
    Binary,
}

impl Format {
    /// The `format` query value: absent or `json`, or `binary`.
    pub fn parse(value: Option<&str>) -> Option<Format> {
        match value {
            None | Some("json") => Some(Format::Json),
            Some("binary") => Some(Format::Binary),
            Some(_) => None,
        }
    }
}

/// The `data:` of a binary keyframe.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BinaryKeyframe {
    pub tick_rate: u16,
    /// Map name (`GET /api/maps/{name}` has its geometry).
    pub map: String,
    /// The keyframe body, base64.
    pub body: String,
    /// The players in the room (as in a JSON keyframe).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub players: Vec<PlayerName>,
    /// The game whose row bodies these are (live rooms always name it, see
    /// [`super::row_feed`]; absent in older arena streams, whose bodies are the
    /// arena's rows too).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub game: String,
}

/// Why a binary frame could not be read or applied.
#[derive(Debug, Error)]
pub enum BinaryError {
    #[error("bad base64 in a {0} frame")]
    Base64(&'static str),
    #[error("frame body is larger than {0} bytes")]
    TooLarge(usize),
    #[error(transparent)]
    Json(#[from] ParseError),
    #[error("bad keyframe JSON: {0}")]
    KeyframeJson(serde_json::Error),
    #[error(transparent)]
    Delta(#[from] DeltaError),
    #[error("delta before any keyframe")]
    NoKeyframe,
    #[error("a keyframe of game {0:?}, not of the one followed")]
    OtherGame(String),
}

/// Longest base64 `data:` accepted in a binary frame (16 MiB).
pub const MAX_DATA: usize = 16 << 20;

/// The bytes of a base64 frame body (`what`: the event name, for the error).
pub fn decode(what: &'static str, data: &str) -> Result<Vec<u8>, BinaryError> {
    if data.len() > MAX_DATA {
        return Err(BinaryError::TooLarge(MAX_DATA));
    }
    STANDARD
        .decode(data.trim())
        .map_err(|_| BinaryError::Base64(what))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_parse_and_bodies_are_bounded() {
        assert_eq!(Format::parse(Some("binary")), Some(Format::Binary));
        assert_eq!(Format::parse(None), Some(Format::Json));
        assert_eq!(Format::parse(Some("json")), Some(Format::Json));
        assert_eq!(Format::parse(Some("xml")), None);
        assert_eq!(decode("delta", " AAAA\n").unwrap(), vec![0, 0, 0]);
        assert!(matches!(
            decode("delta", "!!"),
            Err(BinaryError::Base64("delta"))
        ));
        let huge = "A".repeat(MAX_DATA + 4);
        assert!(matches!(
            decode("delta", &huge),
            Err(BinaryError::TooLarge(_))
        ));
    }
}
