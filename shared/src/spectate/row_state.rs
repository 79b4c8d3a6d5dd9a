//! [`RowState`]: the room as a binary spectator stream of any game rebuilds it (the
//! schema's rows). A cluster
//! mirror follows a remote room with one and renders its catch-up keyframes from
//! it ([`RowState::keyframe`]: the frame the owner's [`RowFeed`] would render,
//! since a keyframe is only the rows, the tick rate, the map's name and the
//! roster); tests and tools read any game's binary stream with it.
//!
//! The roster is the newest keyframe's, plus the names the `game` events since
//! brought (as a viewer learns them). A game's events do not say who left in
//! schema terms, so a player who left since the newest keyframe stays listed until
//! the next one.

use super::binary::{BinaryError, BinaryKeyframe, decode};
use super::{PlayerName, RowFeed, RowFrame};
use crate::codec::{DeltaLimits, RowCodec, RowSnapshot, apply_rows};
use crate::schema::Schema;
use serde::Deserialize;
use std::sync::Arc;

/// The part of a `game` event a roster needs.
#[derive(Deserialize)]
struct GameNames {
    #[serde(default)]
    players: Vec<PlayerName>,
}

/// What a binary viewer of one room of `schema`'s game holds (see the module docs).
pub struct RowState {
    schema: &'static Schema,
    codec: RowCodec,
    limits: DeltaLimits,
    /// The newest frame's rows; `None` before the first keyframe.
    pub snapshot: Option<Arc<RowSnapshot>>,
    pub tick_rate: u16,
    pub map: String,
    /// Who is in the room, by id (see the module docs).
    pub players: Vec<PlayerName>,
}

impl std::fmt::Debug for RowState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RowState")
            .field("game", &self.schema.name())
            .field("tick", &self.snapshot.as_ref().map(|s| s.tick))
            .field("map", &self.map)
            .finish_non_exhaustive()
    }
}

impl RowState {
    /// An empty state for a stream of `schema`'s game, decoding at most
    /// `limits.max_entities` rows a frame.
    pub fn new(schema: &'static Schema, limits: DeltaLimits) -> RowState {
        RowState {
            schema,
            codec: RowCodec::new(schema),
            limits,
            snapshot: None,
            tick_rate: 0,
            map: String::new(),
            players: Vec::new(),
        }
    }

    /// The game followed.
    pub fn schema(&self) -> &'static Schema {
        self.schema
    }

    /// Drop everything (the next keyframe starts again).
    pub fn clear(&mut self) {
        self.snapshot = None;
        self.players.clear();
    }

    /// Apply one binary-format event (`name` from `event:`, `data` as sent): a
    /// keyframe (of this game; one naming no game is taken as this game's)
    /// replaces the rows and the roster unless it is not newer; a delta applies on
    /// the rows it names; `game` adds the names it brings; `reset` drops
    /// everything; `end` changes nothing. On an error the state is unchanged.
    pub fn apply(&mut self, name: &str, data: &str) -> Result<(), BinaryError> {
        match name {
            "keyframe" => {
                let k: BinaryKeyframe =
                    serde_json::from_str(data).map_err(BinaryError::KeyframeJson)?;
                if !k.game.is_empty() && k.game != self.schema.name() {
                    return Err(BinaryError::OtherGame(k.game));
                }
                let rows = apply_rows(
                    &self.codec,
                    None,
                    &decode("keyframe", &k.body)?,
                    &self.limits,
                )?;
                if self.snapshot.as_ref().is_some_and(|s| s.tick >= rows.tick) {
                    return Ok(());
                }
                self.snapshot = Some(Arc::new(rows));
                self.tick_rate = k.tick_rate;
                self.map = k.map;
                let mut players = k.players;
                players.sort_by_key(|p| p.player);
                self.players = players;
                Ok(())
            }
            "delta" => {
                let body = decode("delta", data)?;
                let base = self.snapshot.as_deref().ok_or(BinaryError::NoKeyframe)?;
                let next = apply_rows(&self.codec, Some(base), &body, &self.limits)?;
                self.snapshot = Some(Arc::new(next));
                Ok(())
            }
            "game" => {
                let names: GameNames = serde_json::from_str(data).map_err(|source| {
                    BinaryError::Json(super::ParseError::Json {
                        event: "game",
                        source,
                    })
                })?;
                for who in names.players {
                    match self.players.binary_search_by_key(&who.player, |p| p.player) {
                        Ok(i) => self.players[i].name = who.name,
                        Err(i) => self.players.insert(i, who),
                    }
                }
                Ok(())
            }
            "reset" => {
                self.clear();
                Ok(())
            }
            "end" => Ok(()),
            other => Err(BinaryError::Json(super::ParseError::UnknownEvent(
                other.chars().take(32).collect(),
            ))),
        }
    }

    /// The newest frame as a keyframe in both formats (the one a [`RowFeed`] of
    /// the same game renders for these rows, tick rate, map and roster); `None`
    /// before the first keyframe or when a row does not fit the schema.
    pub fn keyframe(&self) -> Option<RowFrame> {
        let snapshot = Arc::clone(self.snapshot.as_ref()?);
        // A fresh feed's first frame is a keyframe.
        let mut feed = RowFeed::new(self.schema, &self.map, self.tick_rate, 1);
        feed.set_players(self.players.clone());
        feed.frame(snapshot).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::Row;
    use crate::game::Game;
    use crate::protocol::{NetId, PlayerId, Tick};
    use crate::sim::Arena;

    fn data(sse: &str) -> (&str, &str) {
        let get = |p: &str| {
            sse.lines()
                .find_map(|l| l.strip_prefix(p))
                .unwrap_or_default()
        };
        (get("event: "), get("data: "))
    }

    fn rows(tick: u32, x: i32) -> Arc<RowSnapshot> {
        let mut a = Row::new(NetId(3), 0);
        a.values[0] = x;
        let mut b = Row::new(NetId(9), 1);
        b.values[1] = -x;
        Arc::new(RowSnapshot {
            tick: Tick(tick),
            rows: vec![a, b],
        })
    }

    #[test]
    fn a_follower_renders_the_keyframe_the_owner_would() {
        let schema = Arena::schema();
        let mut owner = RowFeed::new(schema, "m", 60, 60);
        let ann = PlayerName {
            player: PlayerId(2),
            name: "ann".into(),
        };
        owner.set_players(vec![ann.clone()]);
        let mut state = RowState::new(schema, DeltaLimits::default());
        assert!(matches!(
            state.apply("delta", "AAAA"),
            Err(BinaryError::NoKeyframe)
        ));
        for (i, tick) in [6u32, 12, 18, 24].into_iter().enumerate() {
            let frame = owner.frame(rows(tick, 16 * i as i32)).unwrap();
            let (name, d) = data(&frame.binary);
            state.apply(name, d).unwrap();
            assert_eq!(state.snapshot, Some(rows(tick, 16 * i as i32)));
            let key = state.keyframe().unwrap();
            let want = owner.keyframe().unwrap();
            assert_eq!(key, want);
        }
        assert_eq!(state.players, vec![ann]);
        // A repeated keyframe is stale; another game's is refused.
        let first = RowFeed::new(schema, "m", 60, 60).frame(rows(6, 0)).unwrap();
        let (name, d) = data(&first.binary);
        state.apply(name, d).unwrap();
        assert_eq!(state.snapshot.as_ref().map(|s| s.tick), Some(Tick(24)));
        let other = d.replace("\"arena\"", "\"ball\"");
        assert!(matches!(
            state.apply("keyframe", &other),
            Err(BinaryError::OtherGame(_))
        ));
        state
            .apply(
                "game",
                r#"{"tick":30,"events":[],"players":[{"player":1,"name":"bo"}]}"#,
            )
            .unwrap();
        assert_eq!(state.players.len(), 2);
        assert!(state.apply("boom", "{}").is_err());
        state.apply("reset", "{}").unwrap();
        assert!(state.keyframe().is_none());
    }
}
