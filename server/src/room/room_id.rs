//! [`RoomId`]: a room's id in the lobby, in URLs, resume tokens and replay ids.
//!
//! Ids are random, never sequential: 13 characters of lowercase base32
//! (`a-z`, `2-7`), 65 random bits, so a room cannot be found by counting. The
//! alphabet is URL-safe and fits the replay id alphabet (lowercase, digits).

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use std::str::FromStr;
use thiserror::Error;

/// Characters of an id.
pub const LEN: usize = 13;
const ALPHABET: &[u8; 32] = b"abcdefghijklmnopqrstuvwxyz234567";

/// A room's id (see the module docs).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RoomId([u8; LEN]);

/// Text that is not a room id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
#[error("not a room id")]
pub struct BadRoomId;

impl RoomId {
    /// A fresh random id.
    pub fn random() -> RoomId {
        let mut bytes = [0u8; LEN];
        crate::secrets::fill(&mut bytes);
        // 32 = 2^5 divides 256, so `b % 32` is uniform: 5 random bits per character.
        RoomId(bytes.map(|b| ALPHABET[usize::from(b % 32)]))
    }

    pub fn as_str(&self) -> &str {
        // Only alphabet bytes (ASCII) are ever stored.
        std::str::from_utf8(&self.0).unwrap_or("")
    }
}

impl FromStr for RoomId {
    type Err = BadRoomId;

    fn from_str(s: &str) -> Result<RoomId, BadRoomId> {
        let bytes: [u8; LEN] = s.as_bytes().try_into().map_err(|_| BadRoomId)?;
        if bytes.iter().all(|b| ALPHABET.contains(b)) {
            Ok(RoomId(bytes))
        } else {
            Err(BadRoomId)
        }
    }
}

impl fmt::Display for RoomId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for RoomId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RoomId({})", self.as_str())
    }
}

impl Serialize for RoomId {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for RoomId {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<RoomId, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random_ids_parse_back_and_differ() {
        let ids: Vec<RoomId> = (0..64).map(|_| RoomId::random()).collect();
        for id in &ids {
            assert_eq!(id.to_string().len(), LEN);
            assert_eq!(id.to_string().parse::<RoomId>(), Ok(*id));
        }
        let mut unique = ids.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), ids.len());
    }

    #[test]
    fn other_text_is_not_an_id() {
        for bad in [
            "",
            "1",
            "2",
            "abcdefghijkl",
            "abcdefghijklmn",
            "ABCDEFGHIJKLM",
            "abcdefghijk1m",
            "abcdef/hijklm",
            "../../../etc",
        ] {
            assert_eq!(bad.parse::<RoomId>(), Err(BadRoomId), "{bad:?}");
        }
        assert!("abcdefghijk7m".parse::<RoomId>().is_ok());
    }

    #[test]
    fn serde_is_a_string() {
        let id = RoomId::random();
        let json = serde_json::to_string(&id).unwrap();
        assert_eq!(json, format!("\"{id}\""));
        assert_eq!(serde_json::from_str::<RoomId>(&json).unwrap(), id);
        assert!(serde_json::from_str::<RoomId>("7").is_err());
    }
}
