//! One spectator event ([`SpecEvent`]) as Server-Sent Events text: its `event:`
//! name ([`EventKind`]), `id:` ([`EventId`]) and one-line `data:` JSON, and reading
//! an event back from its name and data ([`SpecEvent::parse`], [`ParseError`]).
//! [`SseEvent`] is what every event type shares, the engine's and a game's typed
//! one: from its kind, tick and JSON, its name, id and SSE text.
//!
//! The engine owns the shell of every event and the whole of `end` and `reset`; a
//! `keyframe`, `delta` or `game` event carries a game's JSON as text ([`GameJson`]),
//! written by the game's frames ([`super::RowFeed`]) and read by whoever knows the
//! game (a game may keep a typed model of its own JSON, as the arena does in
//! `crate::sim::spectate`).

use super::{End, EventId, Reset};
use crate::protocol::Tick;
use serde::Deserialize;
use thiserror::Error;

/// What an event is: its SSE `event:` name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventKind {
    Keyframe,
    Delta,
    Game,
    End,
    Reset,
}

impl EventKind {
    /// The SSE `event:` name.
    pub fn name(self) -> &'static str {
        match self {
            EventKind::Keyframe => "keyframe",
            EventKind::Delta => "delta",
            EventKind::Game => "game",
            EventKind::End => "end",
            EventKind::Reset => "reset",
        }
    }

    /// The kind an SSE `event:` name stands for, or [`ParseError::UnknownEvent`].
    pub fn parse_name(name: &str) -> Result<EventKind, ParseError> {
        EventKind::from_name(name).ok_or_else(|| ParseError::UnknownEvent(name.to_owned()))
    }

    /// The kind an SSE `event:` name stands for.
    pub fn from_name(name: &str) -> Option<EventKind> {
        match name {
            "keyframe" => Some(EventKind::Keyframe),
            "delta" => Some(EventKind::Delta),
            "game" => Some(EventKind::Game),
            "end" => Some(EventKind::End),
            "reset" => Some(EventKind::Reset),
            _ => None,
        }
    }

    /// The SSE `id:` of an event of this kind at `tick`; `None` for a `reset`.
    pub fn id(self, tick: Tick) -> Option<EventId> {
        match self {
            EventKind::Keyframe | EventKind::Delta => Some(EventId::frame(tick)),
            EventKind::Game => Some(EventId::game(tick)),
            EventKind::End => Some(EventId::end(tick)),
            EventKind::Reset => None,
        }
    }

    /// Whether this is a frame (`keyframe` or `delta`).
    pub fn is_frame(self) -> bool {
        matches!(self, EventKind::Keyframe | EventKind::Delta)
    }

    /// The whole SSE event text of an event of this kind at `tick` with `data` (one
    /// line of JSON): `event:`, `id:` (none for a `reset`), `data:` and the blank line.
    pub fn sse(self, tick: Tick, data: &str) -> String {
        match self.id(tick) {
            Some(id) => format!("event: {}\nid: {id}\ndata: {data}\n\n", self.name()),
            None => format!("event: {}\ndata: {data}\n\n", self.name()),
        }
    }
}

/// The `data:` of a game's `keyframe`, `delta` or `game` event: one line of JSON
/// with a `tick` field, as sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GameJson {
    pub tick: Tick,
    pub json: String,
}

/// What every spectator event type has (the engine's [`SpecEvent`], a game's typed
/// event): its kind, tick and `data:` JSON, and from those its `event:` name, `id:`
/// and whole SSE text.
pub trait SseEvent {
    /// What the event is.
    fn kind(&self) -> EventKind;

    /// The tick the event belongs to (a `reset`: its restart tick, or 0).
    fn tick(&self) -> Tick;

    /// The `data:` JSON, one line.
    fn data_json(&self) -> String;

    /// The SSE `event:` name.
    fn name(&self) -> &'static str {
        self.kind().name()
    }

    /// The SSE `id:` ([`EventId`]); `None` for a `reset`, which has none.
    fn id(&self) -> Option<EventId> {
        self.kind().id(self.tick())
    }

    /// Whether this is a frame (`keyframe` or `delta`).
    fn is_frame(&self) -> bool {
        self.kind().is_frame()
    }

    /// The whole SSE event text: `event:`, `id:` (none for a `reset`), `data:` lines
    /// and the blank line.
    fn to_sse(&self) -> String {
        self.kind().sse(self.tick(), &self.data_json())
    }
}

/// One spectator event.
#[derive(Debug, Clone, PartialEq)]
pub enum SpecEvent {
    Keyframe(GameJson),
    Delta(GameJson),
    Game(GameJson),
    End(End),
    Reset(Reset),
}

/// Why an SSE event could not be read back into a [`SpecEvent`].
#[derive(Debug, Error)]
pub enum ParseError {
    #[error("unknown event name {0:?}")]
    UnknownEvent(String),
    #[error("bad JSON in a {event} event: {source}")]
    Json {
        event: &'static str,
        source: serde_json::Error,
    },
}

/// Read `data` (the JSON of an event of `kind`) as `T`.
pub fn parse_json<T: serde::de::DeserializeOwned>(
    kind: EventKind,
    data: &str,
) -> Result<T, ParseError> {
    serde_json::from_str(data).map_err(|source| ParseError::Json {
        event: kind.name(),
        source,
    })
}

impl SseEvent for SpecEvent {
    fn kind(&self) -> EventKind {
        match self {
            SpecEvent::Keyframe(_) => EventKind::Keyframe,
            SpecEvent::Delta(_) => EventKind::Delta,
            SpecEvent::Game(_) => EventKind::Game,
            SpecEvent::End(_) => EventKind::End,
            SpecEvent::Reset(_) => EventKind::Reset,
        }
    }

    fn tick(&self) -> Tick {
        match self {
            SpecEvent::Keyframe(g) | SpecEvent::Delta(g) | SpecEvent::Game(g) => g.tick,
            SpecEvent::End(e) => e.tick,
            SpecEvent::Reset(r) => r.restart.unwrap_or(Tick(0)),
        }
    }

    fn data_json(&self) -> String {
        let json = match self {
            SpecEvent::Keyframe(g) | SpecEvent::Delta(g) | SpecEvent::Game(g) => {
                return g.json.clone();
            }
            SpecEvent::End(e) => serde_json::to_string(e),
            SpecEvent::Reset(r) => serde_json::to_string(r),
        };
        // These types hold only numbers and strings: serializing cannot fail.
        json.unwrap_or_else(|_| String::from("null"))
    }
}

impl SpecEvent {
    /// Read an event back from its SSE `event:` name and `data:` text (a game's
    /// frame or events: only its `tick` is read, the text is kept as it is).
    pub fn parse(name: &str, data: &str) -> Result<SpecEvent, ParseError> {
        #[derive(Deserialize)]
        struct TickOnly {
            tick: Tick,
        }
        let kind = EventKind::parse_name(name)?;
        let game = || -> Result<GameJson, ParseError> {
            let TickOnly { tick } = parse_json(kind, data)?;
            Ok(GameJson {
                tick,
                json: data.to_owned(),
            })
        };
        Ok(match kind {
            EventKind::Keyframe => SpecEvent::Keyframe(game()?),
            EventKind::Delta => SpecEvent::Delta(game()?),
            EventKind::Game => SpecEvent::Game(game()?),
            EventKind::End => SpecEvent::End(parse_json(kind, data)?),
            EventKind::Reset => SpecEvent::Reset(parse_json(kind, data)?),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sse_text_has_name_id_and_one_data_line() {
        let ev = SpecEvent::Game(GameJson {
            tick: Tick(66),
            json: r#"{"tick":66,"events":[]}"#.into(),
        });
        let text = ev.to_sse();
        assert_eq!(
            text,
            "event: game\nid: 264\ndata: {\"tick\":66,\"events\":[]}\n\n"
        );
    }

    #[test]
    fn every_kind_parses_back() {
        let frame = |tick: u32| GameJson {
            tick: Tick(tick),
            json: format!(r#"{{"tick":{tick},"x":[1,2]}}"#),
        };
        let events = [
            SpecEvent::End(End {
                tick: Tick(9),
                reason: "finished".into(),
            }),
            SpecEvent::Keyframe(frame(6)),
            SpecEvent::Delta(frame(12)),
            SpecEvent::Game(frame(2)),
            SpecEvent::Reset(Reset {
                requested: Some(17),
                restart: Some(Tick(300)),
                reason: "older than the retained window".into(),
            }),
        ];
        for ev in events {
            let back = SpecEvent::parse(ev.name(), &ev.data_json()).unwrap();
            assert_eq!(back, ev);
            assert_eq!(back.to_sse(), ev.to_sse());
        }
    }

    #[test]
    fn a_reset_has_no_id_line() {
        let ev = SpecEvent::Reset(Reset {
            requested: None,
            restart: None,
            reason: "x".into(),
        });
        assert_eq!(ev.id(), None);
        assert!(ev.to_sse().starts_with("event: reset\ndata: {"));
    }

    #[test]
    fn unknown_names_and_bad_json_are_errors() {
        assert!(matches!(
            SpecEvent::parse("boom", "{}"),
            Err(ParseError::UnknownEvent(_))
        ));
        assert!(matches!(
            SpecEvent::parse("delta", "{\"tick\":"),
            Err(ParseError::Json { .. })
        ));
        assert!(matches!(
            SpecEvent::parse("keyframe", "{}"),
            Err(ParseError::Json { .. })
        ));
    }
}
