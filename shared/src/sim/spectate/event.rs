//! The arena's typed spectator event ([`ArenaEvent`]): the engine's event shell
//! ([`SpecEvent`], [`EventKind`]) with the arena's [`Keyframe`], [`Delta`] and
//! [`GameBatch`] read into typed structs, for tests, benches and clients that look
//! into the arena's JSON.

use super::{Delta, GameBatch, Keyframe};
use crate::protocol::Tick;
use crate::spectate::{
    End, EventKind, GameJson, ParseError, Reset, SpecEvent, SseEvent, parse_json,
};

/// One spectator event of the arena, typed.
#[derive(Debug, Clone, PartialEq)]
pub enum ArenaEvent {
    Keyframe(Keyframe),
    Delta(Delta),
    Game(GameBatch),
    End(End),
    Reset(Reset),
}

impl SseEvent for ArenaEvent {
    fn kind(&self) -> EventKind {
        match self {
            ArenaEvent::Keyframe(_) => EventKind::Keyframe,
            ArenaEvent::Delta(_) => EventKind::Delta,
            ArenaEvent::Game(_) => EventKind::Game,
            ArenaEvent::End(_) => EventKind::End,
            ArenaEvent::Reset(_) => EventKind::Reset,
        }
    }

    fn tick(&self) -> Tick {
        match self {
            ArenaEvent::Keyframe(k) => k.tick,
            ArenaEvent::Delta(d) => d.tick,
            ArenaEvent::Game(g) => g.tick,
            ArenaEvent::End(e) => e.tick,
            ArenaEvent::Reset(r) => r.restart.unwrap_or(Tick(0)),
        }
    }

    fn data_json(&self) -> String {
        let json = match self {
            ArenaEvent::Keyframe(k) => serde_json::to_string(k),
            ArenaEvent::Delta(d) => serde_json::to_string(d),
            ArenaEvent::Game(g) => serde_json::to_string(g),
            ArenaEvent::End(e) => serde_json::to_string(e),
            ArenaEvent::Reset(r) => serde_json::to_string(r),
        };
        // These types hold only numbers, strings and sequences: serializing cannot
        // fail (non-finite floats become `null`).
        json.unwrap_or_else(|_| String::from("null"))
    }
}

impl ArenaEvent {
    /// The engine's event (the game's JSON as text).
    pub fn to_event(&self) -> SpecEvent {
        let game = || GameJson {
            tick: self.tick(),
            json: self.data_json(),
        };
        match self {
            ArenaEvent::Keyframe(_) => SpecEvent::Keyframe(game()),
            ArenaEvent::Delta(_) => SpecEvent::Delta(game()),
            ArenaEvent::Game(_) => SpecEvent::Game(game()),
            ArenaEvent::End(e) => SpecEvent::End(e.clone()),
            ArenaEvent::Reset(r) => SpecEvent::Reset(r.clone()),
        }
    }

    /// Read an event back from its SSE `event:` name and `data:` text.
    pub fn parse(name: &str, data: &str) -> Result<ArenaEvent, ParseError> {
        let kind = EventKind::parse_name(name)?;
        Ok(match kind {
            EventKind::Keyframe => ArenaEvent::Keyframe(parse_json(kind, data)?),
            EventKind::Delta => ArenaEvent::Delta(parse_json(kind, data)?),
            EventKind::Game => ArenaEvent::Game(parse_json(kind, data)?),
            EventKind::End => ArenaEvent::End(parse_json(kind, data)?),
            EventKind::Reset => ArenaEvent::Reset(parse_json(kind, data)?),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::EntityChange;
    use super::*;
    use crate::protocol::{NetId, PlayerId};
    use crate::sim::GameEvent;
    use crate::spectate::PlayerName;

    #[test]
    fn sse_text_has_name_id_and_one_data_line() {
        let ev = ArenaEvent::Game(GameBatch {
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
            ArenaEvent::End(End {
                tick: Tick(9),
                reason: "finished".into(),
            }),
            ArenaEvent::Delta(Delta {
                tick: Tick(12),
                base: Tick(6),
                changed: vec![EntityChange {
                    id: NetId(3),
                    x: Some(1.5),
                    ..EntityChange::default()
                }],
                ..Delta::default()
            }),
            ArenaEvent::Game(GameBatch {
                tick: Tick(2),
                events: vec![GameEvent::Left {
                    player: PlayerId(4),
                }],
                players: vec![PlayerName {
                    player: PlayerId(4),
                    name: "bo \"4\"".into(),
                }],
            }),
            ArenaEvent::Reset(Reset {
                requested: Some(17),
                restart: Some(Tick(300)),
                reason: "older than the retained window".into(),
            }),
        ];
        for ev in events {
            let back = ArenaEvent::parse(ev.name(), &ev.data_json()).unwrap();
            assert_eq!(back, ev);
        }
    }

    #[test]
    fn the_engine_event_has_the_same_text() {
        let ev = ArenaEvent::End(End {
            tick: Tick(3),
            reason: "over".into(),
        });
        assert_eq!(ev.to_event().to_sse(), ev.to_sse());
        let ev = ArenaEvent::Delta(Delta {
            tick: Tick(12),
            base: Tick(6),
            ..Delta::default()
        });
        assert_eq!(ev.to_event().to_sse(), ev.to_sse());
    }

    #[test]
    fn a_reset_has_no_id_line() {
        let ev = ArenaEvent::Reset(Reset {
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
            ArenaEvent::parse("boom", "{}"),
            Err(ParseError::UnknownEvent(_))
        ));
        assert!(matches!(
            ArenaEvent::parse("delta", "{\"tick\":"),
            Err(ParseError::Json { .. })
        ));
    }
}
