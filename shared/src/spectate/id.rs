//! Spectator event ids: unique and increasing within a room's (or a replay's) stream.
//!
//! An id is `tick * 4 + slot`, where the slot orders the events of one tick: the
//! `game` event (slot 0) before the frame (slot 1, `keyframe` or `delta`), then `end`
//! (slot 2). So the `game` event and the frame of a tick have different ids, and
//! `Last-Event-ID` names exactly one event. The id depends only on the event, never
//! on the node or connection that sends it: a live room, a replay of it and another
//! cluster node fanning out the same frames all give the same event the same id. A
//! catch-up keyframe sent to one slow viewer in place of the delta of a tick carries
//! that delta's id (it is the same frame, in full).

use crate::protocol::Tick;
use core::fmt;

/// Where an event sits within its tick.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Slot {
    /// `event: game`.
    Game = 0,
    /// `event: keyframe` or `event: delta`.
    Frame = 1,
    /// `event: end`.
    End = 2,
}

/// Slots per tick (one spare, so ids never need renumbering).
const SLOTS: u64 = 4;
/// Longest id text accepted (`u64::MAX` has 20 digits).
const MAX_ID_TEXT: usize = 20;

/// A spectator event id (the SSE `id:` field).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct EventId(pub u64);

impl EventId {
    /// The id of the event in `slot` of `tick`.
    pub fn new(tick: Tick, slot: Slot) -> EventId {
        EventId(u64::from(tick.0) * SLOTS + slot as u64)
    }

    /// The `game` event of `tick`.
    pub fn game(tick: Tick) -> EventId {
        EventId::new(tick, Slot::Game)
    }

    /// The frame (keyframe or delta) of `tick`.
    pub fn frame(tick: Tick) -> EventId {
        EventId::new(tick, Slot::Frame)
    }

    /// The `end` event at `tick`.
    pub fn end(tick: Tick) -> EventId {
        EventId::new(tick, Slot::End)
    }

    /// The tick the event belongs to (saturating for ids beyond any tick).
    pub fn tick(self) -> Tick {
        Tick(u32::try_from(self.0 / SLOTS).unwrap_or(u32::MAX))
    }

    /// Whether this id names the frame of its tick or a later slot (so a stream that
    /// continues after it must not send that tick's frame again).
    pub fn has_frame(self) -> bool {
        self.0 % SLOTS >= Slot::Frame as u64
    }

    /// Read an id sent back by a client (`Last-Event-ID` header or `lastEventId`
    /// query parameter): decimal digits only, bounded length; anything else is
    /// `None` (the stream then starts afresh).
    pub fn parse(text: &str) -> Option<EventId> {
        let text = text.trim();
        if text.is_empty() || text.len() > MAX_ID_TEXT || !text.bytes().all(|b| b.is_ascii_digit())
        {
            return None;
        }
        text.parse().ok().map(EventId)
    }
}

impl fmt::Display for EventId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_order_the_events_of_a_tick_and_ticks() {
        let t = Tick(61);
        assert!(EventId::game(t) < EventId::frame(t));
        assert!(EventId::frame(t) < EventId::end(t));
        assert!(EventId::end(t) < EventId::game(Tick(62)));
        for id in [EventId::game(t), EventId::frame(t), EventId::end(t)] {
            assert_eq!(id.tick(), t);
        }
        assert!(!EventId::game(t).has_frame());
        assert!(EventId::frame(t).has_frame() && EventId::end(t).has_frame());
        assert_eq!(EventId::end(Tick(u32::MAX)).tick(), Tick(u32::MAX));
    }

    #[test]
    fn parse_takes_decimal_digits_only() {
        assert_eq!(EventId::parse("245"), Some(EventId(245)));
        assert_eq!(EventId::parse(" 7 "), Some(EventId(7)));
        for bad in [
            "",
            "-1",
            "+1",
            "1e3",
            "0x10",
            "abc",
            "99999999999999999999999",
            "1 2",
        ] {
            assert_eq!(EventId::parse(bad), None, "{bad:?}");
        }
        assert_eq!(
            EventId::parse(&u64::MAX.to_string()),
            Some(EventId(u64::MAX))
        );
        assert_eq!(EventId(42).to_string(), "42");
    }
}
