//! One spectator event ([`SpecEvent`]) as Server-Sent Events text: its `event:`
//! name, `id:` ([`EventId`]) and one-line `data:` JSON, and reading an event back
//! from its name and data ([`SpecEvent::parse`], [`ParseError`]).

use super::{Delta, End, EventId, GameBatch, Keyframe, Reset};
use crate::protocol::Tick;
use thiserror::Error;

/// One spectator event.
#[derive(Debug, Clone, PartialEq)]
pub enum SpecEvent {
    Keyframe(Keyframe),
    Delta(Delta),
    Game(GameBatch),
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

impl SpecEvent {
    /// The SSE `event:` name.
    pub fn name(&self) -> &'static str {
        match self {
            SpecEvent::Keyframe(_) => "keyframe",
            SpecEvent::Delta(_) => "delta",
            SpecEvent::Game(_) => "game",
            SpecEvent::End(_) => "end",
            SpecEvent::Reset(_) => "reset",
        }
    }

    /// The tick the event belongs to (a `reset`: its restart tick, or 0).
    pub fn tick(&self) -> Tick {
        match self {
            SpecEvent::Keyframe(k) => k.tick,
            SpecEvent::Delta(d) => d.tick,
            SpecEvent::Game(g) => g.tick,
            SpecEvent::End(e) => e.tick,
            SpecEvent::Reset(r) => r.restart.unwrap_or(Tick(0)),
        }
    }

    /// The SSE `id:` ([`EventId`]); `None` for a `reset`, which has none.
    pub fn id(&self) -> Option<EventId> {
        match self {
            SpecEvent::Keyframe(k) => Some(EventId::frame(k.tick)),
            SpecEvent::Delta(d) => Some(EventId::frame(d.tick)),
            SpecEvent::Game(g) => Some(EventId::game(g.tick)),
            SpecEvent::End(e) => Some(EventId::end(e.tick)),
            SpecEvent::Reset(_) => None,
        }
    }

    /// Whether this is a frame (`keyframe` or `delta`).
    pub fn is_frame(&self) -> bool {
        matches!(self, SpecEvent::Keyframe(_) | SpecEvent::Delta(_))
    }

    /// The `data:` JSON, one line.
    pub fn data_json(&self) -> String {
        let json = match self {
            SpecEvent::Keyframe(k) => serde_json::to_string(k),
            SpecEvent::Delta(d) => serde_json::to_string(d),
            SpecEvent::Game(g) => serde_json::to_string(g),
            SpecEvent::End(e) => serde_json::to_string(e),
            SpecEvent::Reset(r) => serde_json::to_string(r),
        };
        // These types hold only numbers, strings and sequences: serializing cannot
        // fail (non-finite floats become `null`).
        json.unwrap_or_else(|_| String::from("null"))
    }

    /// The whole SSE event text: `event:`, `id:` (none for a `reset`), `data:` lines
    /// and the blank line.
    pub fn to_sse(&self) -> String {
        match self.id() {
            Some(id) => format!(
                "event: {}\nid: {id}\ndata: {}\n\n",
                self.name(),
                self.data_json()
            ),
            None => format!("event: {}\ndata: {}\n\n", self.name(), self.data_json()),
        }
    }

    /// Read an event back from its SSE `event:` name and `data:` text.
    pub fn parse(name: &str, data: &str) -> Result<SpecEvent, ParseError> {
        fn json<T: serde::de::DeserializeOwned>(
            event: &'static str,
            data: &str,
        ) -> Result<T, ParseError> {
            serde_json::from_str(data).map_err(|source| ParseError::Json { event, source })
        }
        match name {
            "keyframe" => json("keyframe", data).map(SpecEvent::Keyframe),
            "delta" => json("delta", data).map(SpecEvent::Delta),
            "game" => json("game", data).map(SpecEvent::Game),
            "end" => json("end", data).map(SpecEvent::End),
            "reset" => json("reset", data).map(SpecEvent::Reset),
            other => Err(ParseError::UnknownEvent(other.to_string())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::{EntityChange, PlayerName};
    use super::*;
    use crate::protocol::{NetId, PlayerId};
    use crate::sim::GameEvent;

    #[test]
    fn sse_text_has_name_id_and_one_data_line() {
        let ev = SpecEvent::Game(GameBatch {
            tick: Tick(66),
            events: vec![GameEvent::Kill {
                killer: PlayerId(1),
                victim: PlayerId(2),
            }],
            players: vec![PlayerName {
                player: PlayerId(1),
                name: "ann".into(),
            }],
        });
        let text = ev.to_sse();
        assert!(text.starts_with("event: game\nid: 264\ndata: {"), "{text}");
        assert!(text.ends_with("}\n\n"));
        assert_eq!(text.matches('\n').count(), 4, "data must be a single line");
    }

    #[test]
    fn every_kind_parses_back() {
        let events = [
            SpecEvent::End(End {
                tick: Tick(9),
                reason: "finished".into(),
            }),
            SpecEvent::Delta(Delta {
                tick: Tick(12),
                base: Tick(6),
                changed: vec![EntityChange {
                    id: NetId(3),
                    x: Some(1.5),
                    ..EntityChange::default()
                }],
                ..Delta::default()
            }),
            SpecEvent::Game(GameBatch {
                tick: Tick(2),
                events: vec![GameEvent::Left {
                    player: PlayerId(4),
                }],
                players: vec![PlayerName {
                    player: PlayerId(4),
                    name: "bo \"4\"".into(),
                }],
            }),
            SpecEvent::Reset(Reset {
                requested: Some(17),
                restart: Some(Tick(300)),
                reason: "older than the retained window".into(),
            }),
        ];
        for ev in events {
            let back = SpecEvent::parse(ev.name(), &ev.data_json()).unwrap();
            assert_eq!(back, ev);
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
    fn changes_omit_unchanged_fields() {
        let change = EntityChange {
            id: NetId(7),
            hp: Some(80),
            ..EntityChange::default()
        };
        assert_eq!(
            serde_json::to_string(&change).unwrap(),
            r#"{"id":7,"hp":80}"#
        );
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
    }
}
