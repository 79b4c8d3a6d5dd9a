//! The arena's events (on the wire as rows of the schema's events, see
//! [`super::game`]).

use crate::protocol::{NetId, PlayerId};
use serde::{Deserialize, Serialize};

/// A game event, produced by the simulation and forwarded to players and spectators.
///
/// Human-readable formats (JSON for spectators) see it internally tagged,
/// `{"type":"kill","killer":1,"victim":2}`; binary formats (the bincode envelope)
/// see a plain variant index, because bincode cannot decode internally tagged enums.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self", tag = "type", rename_all = "snake_case")]
pub enum GameEvent {
    Joined { player: PlayerId, entity: NetId },
    Left { player: PlayerId },
    Kill { killer: PlayerId, victim: PlayerId },
    Respawn { player: PlayerId, entity: NetId },
}

impl GameEvent {
    /// The players this event names, in field order.
    pub fn players(&self) -> impl Iterator<Item = PlayerId> {
        let (a, b) = match *self {
            GameEvent::Joined { player, .. }
            | GameEvent::Left { player }
            | GameEvent::Respawn { player, .. } => (player, None),
            GameEvent::Kill { killer, victim } => (killer, Some(victim)),
        };
        std::iter::once(a).chain(b)
    }
}

/// The binary shape of [`GameEvent`] (serde checks at compile time that it mirrors
/// every variant and field).
#[derive(Serialize, Deserialize)]
#[serde(remote = "GameEvent")]
enum GameEventBinary {
    Joined { player: PlayerId, entity: NetId },
    Left { player: PlayerId },
    Kill { killer: PlayerId, victim: PlayerId },
    Respawn { player: PlayerId, entity: NetId },
}

impl Serialize for GameEvent {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if serializer.is_human_readable() {
            GameEvent::serialize(self, serializer)
        } else {
            GameEventBinary::serialize(self, serializer)
        }
    }
}

impl<'de> Deserialize<'de> for GameEvent {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        if deserializer.is_human_readable() {
            GameEvent::deserialize(deserializer)
        } else {
            GameEventBinary::deserialize(deserializer)
        }
    }
}
