//! Spectator frames for any game, from its rows ([`RowSnapshot`]) and its
//! [`Schema`], deciding keyframe or delta per tick by the rule of [`KeyframeGrid`]
//! (as the arena's own `crate::sim::spectate::Feed` does, so event ids follow the
//! same grid).
//!
//! - JSON: `event: keyframe` is `{"tick", "tick_rate", "game", "map",
//!   "entities": [...], "players"?}` with entities as [`row_json::entity`] writes
//!   them; `event: delta` is `{"tick", "base", "created"?, "changed"?, "removed"?}`
//!   (`changed`: [`row_json::change`]; a row whose kind changed is removed and
//!   created); `event: game` is `{"tick", "events": [...], "players"?}` with events
//!   as [`row_json::event`] writes them.
//! - Binary: the bodies are the room's row delta bodies ([`encode_rows`] with the
//!   schema's [`RowCodec`]); the keyframe's data is a [`BinaryKeyframe`] naming the
//!   game.

use super::binary::BinaryKeyframe;
use super::{EventId, KeyframeGrid, PlayerName, row_json};
use crate::codec::{EncodeError, RowCodec, RowSnapshot, encode_rows};
use crate::game::EventRow;
use crate::protocol::Tick;
use crate::schema::Schema;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use core::cmp::Ordering;
use serde_json::{Value, json};
use std::sync::Arc;

/// One frame in both formats, as SSE text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowFrame {
    pub id: EventId,
    /// A keyframe (else a delta).
    pub keyframe: bool,
    pub json: String,
    pub binary: String,
}

/// The frame sequence of one match of any game (see the module docs).
pub struct RowFeed {
    schema: &'static Schema,
    codec: RowCodec,
    map: String,
    tick_rate: u16,
    grid: KeyframeGrid,
    last: Option<Arc<RowSnapshot>>,
    players: Vec<PlayerName>,
}

impl std::fmt::Debug for RowFeed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RowFeed")
            .field("game", &self.schema.name())
            .field("map", &self.map)
            .field("last", &self.last.as_ref().map(|s| s.tick))
            .finish_non_exhaustive()
    }
}

fn sse(name: &str, id: EventId, data: &str) -> String {
    format!("event: {name}\nid: {id}\ndata: {data}\n\n")
}

impl RowFeed {
    /// A feed for `schema`'s game on map `map`, ticking `tick_rate` times a second,
    /// a keyframe at least every `keyframe_period` ticks (0 is treated as 1).
    pub fn new(schema: &'static Schema, map: &str, tick_rate: u16, keyframe_period: u32) -> Self {
        RowFeed {
            schema,
            codec: RowCodec::new(schema),
            map: map.to_owned(),
            tick_rate,
            grid: KeyframeGrid::new(keyframe_period),
            last: None,
            players: Vec::new(),
        }
    }

    /// The players in the room from the next frame on (named in keyframes).
    pub fn set_players(&mut self, mut players: Vec<PlayerName>) {
        players.sort_by_key(|p| p.player);
        self.players = players;
    }

    /// Forget the previous frame: the next frame is a keyframe.
    pub fn reset(&mut self) {
        self.last = None;
    }

    /// The frame for `snapshot` (keyframe or delta), which becomes the previous one.
    /// On an error (a row of a kind the schema lacks) the feed is reset.
    pub fn frame(&mut self, snapshot: Arc<RowSnapshot>) -> Result<RowFrame, EncodeError> {
        let grid = self.grid;
        let base = self
            .last
            .take()
            .filter(|prev| grid.is_delta(prev.tick, snapshot.tick));
        let frame = match &base {
            Some(prev) => self.delta(prev, &snapshot),
            None => self.keyframe_of(&snapshot),
        }?;
        self.last = Some(snapshot);
        Ok(frame)
    }

    /// A keyframe of the previous frame (for a viewer joining between keyframes).
    pub fn keyframe(&self) -> Option<RowFrame> {
        self.last.as_ref().and_then(|s| self.keyframe_of(s).ok())
    }

    fn keyframe_of(&self, s: &RowSnapshot) -> Result<RowFrame, EncodeError> {
        let body = encode_rows(&self.codec, None, s)?;
        let id = EventId::frame(s.tick);
        let entities: Vec<Value> = s
            .rows
            .iter()
            .filter_map(|r| row_json::entity(self.schema, r))
            .collect();
        let mut data = json!({
            "tick": s.tick.0,
            "tick_rate": self.tick_rate,
            "game": self.schema.name(),
            "map": self.map,
            "entities": entities,
        });
        if !self.players.is_empty() {
            data["players"] = json!(self.players);
        }
        let binary = BinaryKeyframe {
            tick_rate: self.tick_rate,
            map: self.map.clone(),
            body: STANDARD.encode(body),
            players: self.players.clone(),
            game: self.schema.name().to_owned(),
        };
        Ok(RowFrame {
            id,
            keyframe: true,
            json: sse("keyframe", id, &data.to_string()),
            binary: sse(
                "keyframe",
                id,
                &serde_json::to_string(&binary).unwrap_or_default(),
            ),
        })
    }

    fn delta(&self, prev: &RowSnapshot, cur: &RowSnapshot) -> Result<RowFrame, EncodeError> {
        let body = encode_rows(&self.codec, Some(prev), cur)?;
        let id = EventId::frame(cur.tick);
        let (mut created, mut changed, mut removed) = (Vec::new(), Vec::new(), Vec::new());
        let mut old = prev.rows.iter().peekable();
        let mut new = cur.rows.iter().peekable();
        loop {
            let order = match (old.peek(), new.peek()) {
                (None, None) => break,
                (Some(_), None) => Ordering::Less,
                (None, Some(_)) => Ordering::Greater,
                (Some(o), Some(n)) => o.id.cmp(&n.id),
            };
            match order {
                Ordering::Less => removed.extend(old.next().map(|o| o.id.0)),
                Ordering::Greater => {
                    created.extend(new.next().and_then(|n| row_json::entity(self.schema, n)));
                }
                Ordering::Equal => {
                    if let (Some(o), Some(n)) = (old.next(), new.next()) {
                        if o.kind != n.kind {
                            removed.push(o.id.0);
                            created.extend(row_json::entity(self.schema, n));
                        } else {
                            changed.extend(row_json::change(self.schema, o, n));
                        }
                    }
                }
            }
        }
        let mut data = json!({ "tick": cur.tick.0, "base": prev.tick.0 });
        for (name, list) in [("created", created), ("changed", changed)] {
            if !list.is_empty() {
                data[name] = Value::Array(list);
            }
        }
        if !removed.is_empty() {
            data["removed"] = json!(removed);
        }
        Ok(RowFrame {
            id,
            keyframe: false,
            json: sse("delta", id, &data.to_string()),
            binary: sse("delta", id, &STANDARD.encode(body)),
        })
    }

    /// `event: game` for the events of one tick (same in both formats), naming the
    /// players they mention from `known`; `None` when there were no events.
    pub fn game(&self, tick: Tick, events: &[EventRow], known: &[PlayerName]) -> Option<String> {
        if events.is_empty() {
            return None;
        }
        let mut players: Vec<&PlayerName> = Vec::new();
        for id in events.iter().flat_map(|e| e.players(self.schema)) {
            if players.iter().any(|p| p.player == id) {
                continue;
            }
            if let Some(who) = known.iter().find(|p| p.player == id) {
                players.push(who);
            }
        }
        let list: Vec<Value> = events
            .iter()
            .filter_map(|e| row_json::event(self.schema, e))
            .collect();
        let mut data = json!({ "tick": tick.0, "events": list });
        if !players.is_empty() {
            data["players"] = json!(players);
        }
        Some(sse("game", EventId::game(tick), &data.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::{DeltaLimits, Row, apply_rows};
    use crate::game::Game;
    use crate::protocol::NetId;
    use crate::sim::Arena;

    fn data(sse: &str) -> &str {
        sse.lines()
            .find_map(|l| l.strip_prefix("data: "))
            .unwrap_or_default()
    }

    #[test]
    fn binary_bodies_are_row_bodies_and_json_names_the_schema() {
        let schema = Arena::schema();
        let codec = RowCodec::new(schema);
        let mut feed = RowFeed::new(schema, "m", 60, 60);
        let mut row = Row::new(NetId(4), 0);
        row.values[0] = 160;
        let first = Arc::new(RowSnapshot {
            tick: Tick(6),
            rows: vec![row],
        });
        let key = feed.frame(Arc::clone(&first)).unwrap();
        assert!(key.keyframe);
        let json: Value = serde_json::from_str(data(&key.json)).unwrap();
        let kind = &schema.kinds()[0];
        assert_eq!(json["entities"][0]["kind"], kind.name.as_str(), "{json}");
        assert_eq!(json["game"], schema.name());
        let bin: BinaryKeyframe = serde_json::from_str(data(&key.binary)).unwrap();
        let body = STANDARD.decode(bin.body).unwrap();
        let limits = DeltaLimits::default();
        assert_eq!(apply_rows(&codec, None, &body, &limits).unwrap(), *first);

        row.values[0] = 176;
        let second = Arc::new(RowSnapshot {
            tick: Tick(12),
            rows: vec![row],
        });
        let delta = feed.frame(Arc::clone(&second)).unwrap();
        assert!(!delta.keyframe);
        let body = STANDARD.decode(data(&delta.binary)).unwrap();
        assert_eq!(
            apply_rows(&codec, Some(&first), &body, &limits).unwrap(),
            *second
        );
        let json: Value = serde_json::from_str(data(&delta.json)).unwrap();
        assert_eq!(json["changed"][0]["id"], 4, "{json}");
        assert_eq!(json["base"], 6);
    }
}
