//! The room list as a log of changes, for `GET /api/rooms/events` (sans-IO: no
//! clock, no tasks; [`super::feed`] drives it).
//!
//! [`RoomListLog::apply`] takes the directory's public list (the objects of
//! `GET /api/rooms`) at each coalescing interval and turns what changed since the
//! previous one into events, each rendered once as SSE text with its own id:
//!
//! - `event: room`: a room that appeared or whose object changed (`data:` the
//!   room object);
//! - `event: removed`: a room no longer listed (`data: {"id": ...}`);
//! - `event: rooms`: the whole list (`data:` an array), sent first to a new
//!   viewer, with the id of the newest change it includes.
//!
//! The `tick` field is left out of every room object: it changes every tick and
//! would make every live room an event at every interval.
//!
//! Ids are decimal numbers, one per change, increasing by one. The first id of a
//! log is the wall-clock milliseconds at its creation times 1000 (given by the
//! caller), so a restarted server's ids start above the ones it gave before and
//! an old id is not mistaken for a new one. The newest `retain` changes are kept:
//! [`RoomListLog::resume`] hands out exactly the changes after a kept id.

use bytes::Bytes;
use serde_json::Value;
use std::collections::{HashMap, VecDeque};
use std::fmt::Write;
use std::sync::Arc;

/// One change, rendered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub id: u64,
    /// `room` or `removed`.
    pub event: &'static str,
    /// The whole SSE event (`event:`, `id:`, `data:` lines and the blank line).
    pub text: Bytes,
}

/// Where a viewer starts, as [`RoomListLog::resume`] decides.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resume {
    /// Exactly the retained changes after the viewer's id (maybe none).
    Exact(Vec<Arc<Change>>),
    /// The id is not one this log can continue after: send the full list.
    Reset(&'static str),
}

/// A room's key in the list: its id as text (ids may be JSON numbers or strings).
fn key_of(room: &Value) -> Option<String> {
    match room.get("id")? {
        Value::String(s) => Some(s.clone()),
        Value::Null => None,
        other => Some(other.to_string()),
    }
}

/// The room object as the stream shows it: without `tick`.
fn shown(mut room: Value) -> Value {
    if let Value::Object(map) = &mut room {
        map.remove("tick");
    }
    room
}

/// An SSE event of `data` (one line: JSON has no raw newlines).
fn render(event: &str, id: u64, data: &Value) -> Bytes {
    let mut text = String::with_capacity(64);
    let _ = write!(text, "event: {event}\nid: {id}\ndata: {data}\n\n");
    Bytes::from(text)
}

/// The room list and its recent changes.
#[derive(Debug)]
pub struct RoomListLog {
    /// The current list, in the directory's order.
    rooms: Vec<(String, Value)>,
    /// The newest changes, oldest first.
    ring: VecDeque<Arc<Change>>,
    retain: usize,
    /// The id of the newest change (the first id minus one before any).
    last_id: u64,
    /// The rendered `rooms` event of the current list, until the next change.
    full: Option<Bytes>,
}

impl RoomListLog {
    /// An empty list whose first change gets id `first_id` (see the module docs);
    /// at least one change is kept.
    pub fn new(first_id: u64, retain: usize) -> RoomListLog {
        RoomListLog {
            rooms: Vec::new(),
            ring: VecDeque::new(),
            retain: retain.max(1),
            last_id: first_id.saturating_sub(1),
            full: None,
        }
    }

    /// The id of the newest change (what a `rooms` event of now carries).
    pub fn last_id(&self) -> u64 {
        self.last_id
    }

    /// The current list, as the stream shows it.
    pub fn rooms(&self) -> impl Iterator<Item = &Value> {
        self.rooms.iter().map(|(_, room)| room)
    }

    /// Take the directory's list of now: the changes since the previous list, in
    /// order (rooms that appeared or changed in list order, then removals), each
    /// with the next id. Objects without an `id` are ignored.
    pub fn apply(&mut self, list: Vec<Value>) -> Vec<Arc<Change>> {
        let mut old: HashMap<String, Value> = std::mem::take(&mut self.rooms).into_iter().collect();
        let mut changes = Vec::new();
        for room in list {
            let Some(key) = key_of(&room) else { continue };
            if self.rooms.iter().any(|(k, _)| *k == key) {
                continue;
            }
            let room = shown(room);
            if old.remove(&key).as_ref() != Some(&room) {
                changes.push(self.push("room", &room));
            }
            self.rooms.push((key, room));
        }
        let mut gone: Vec<(String, Value)> = old.into_iter().collect();
        gone.sort_by(|a, b| a.0.cmp(&b.0));
        for (_, room) in gone {
            let id = room.get("id").cloned().unwrap_or(Value::Null);
            changes.push(self.push("removed", &serde_json::json!({ "id": id })));
        }
        changes
    }

    fn push(&mut self, event: &'static str, data: &Value) -> Arc<Change> {
        self.last_id += 1;
        self.full = None;
        let change = Arc::new(Change {
            id: self.last_id,
            event,
            text: render(event, self.last_id, data),
        });
        if self.ring.len() == self.retain {
            self.ring.pop_front();
        }
        self.ring.push_back(Arc::clone(&change));
        change
    }

    /// The `rooms` event of the current list.
    pub fn full_list(&mut self) -> Bytes {
        if let Some(text) = &self.full {
            return text.clone();
        }
        let list = Value::Array(self.rooms().cloned().collect());
        let text = render("rooms", self.last_id, &list);
        self.full = Some(text.clone());
        text
    }

    /// What a viewer that saw everything up to `after` is sent: exactly the kept
    /// changes after it, or a reset when `after` is older than what is kept or
    /// newer than any id given.
    pub fn resume(&self, after: u64) -> Resume {
        if after > self.last_id {
            return Resume::Reset("the id is newer than any this server gave");
        }
        // The oldest id one may resume after: the one before the oldest kept change.
        let oldest = self
            .ring
            .front()
            .map_or(self.last_id, |c| c.id.saturating_sub(1));
        if after < oldest {
            return Resume::Reset("the id is older than the retained changes");
        }
        Resume::Exact(self.ring.iter().filter(|c| c.id > after).cloned().collect())
    }
}

#[cfg(test)]
#[path = "events_tests.rs"]
mod tests;
