//! The optional broadcast delay (`[spectators] delay_ms`): room events wait here
//! until the room is that many ticks further, so the feed runs behind live play.
//!
//! The delay is counted in room ticks, not wall time, so it is exact and testable:
//! an event of tick `t` leaves when an event of tick `t + delay` or later arrives.
//! At the end of the match everything still waiting leaves at once (nothing is
//! left to hide). The queue holds at most `delay` ticks of events, and the room's
//! queue in front of it is bounded, so it is bounded too.

use std::collections::VecDeque;
use tickcast_shared::protocol::Tick;

/// Events waiting for their time.
#[derive(Debug)]
pub struct DelayLine<T> {
    delay: u32,
    waiting: VecDeque<(Tick, T)>,
}

impl<T> DelayLine<T> {
    /// A line holding events back by `delay` ticks (0: everything passes at once).
    pub fn new(delay: u32) -> DelayLine<T> {
        DelayLine {
            delay,
            waiting: VecDeque::new(),
        }
    }

    /// Add the event of `tick` (ticks never decrease) and return, oldest first,
    /// every event now due.
    pub fn push(&mut self, tick: Tick, event: T) -> Vec<T> {
        self.waiting.push_back((tick, event));
        let mut due = Vec::new();
        while let Some((t, _)) = self.waiting.front() {
            if t.0.saturating_add(self.delay) > tick.0 {
                break;
            }
            if let Some((_, e)) = self.waiting.pop_front() {
                due.push(e);
            }
        }
        due
    }

    /// Everything still waiting, oldest first (the match is over).
    pub fn drain(&mut self) -> Vec<T> {
        self.waiting.drain(..).map(|(_, e)| e).collect()
    }

    /// Events waiting now.
    pub fn len(&self) -> usize {
        self.waiting.len()
    }

    pub fn is_empty(&self) -> bool {
        self.waiting.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn without_a_delay_everything_passes() {
        let mut line = DelayLine::new(0);
        assert_eq!(line.push(Tick(6), "a"), ["a"]);
        assert_eq!(line.push(Tick(6), "b"), ["b"]);
        assert!(line.is_empty());
    }

    #[test]
    fn events_leave_once_the_room_is_delay_ticks_further() {
        let mut line = DelayLine::new(60);
        assert!(line.push(Tick(6), "g6").is_empty());
        assert!(line.push(Tick(6), "f6").is_empty());
        assert!(line.push(Tick(60), "f60").is_empty());
        assert_eq!(line.push(Tick(66), "f66"), ["g6", "f6"]);
        assert_eq!(line.len(), 2);
        assert_eq!(line.push(Tick(130), "f130"), ["f60", "f66"]);
        assert_eq!(line.drain(), ["f130"]);
        assert!(line.is_empty());
    }
}
