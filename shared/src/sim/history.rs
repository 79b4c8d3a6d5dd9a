//! Lag compensation: the World's memory of where players were, and shots resolved
//! against the world as their shooter saw it.
//!
//! A client draws other players an interpolation delay in the past, and its input
//! reaches the server half a round trip later still. A shot aimed at a target as
//! drawn would miss the target as it is on the server by then. So the World keeps
//! [`History`]: after every step, the position of every living player, for the last
//! [`History::capacity`] ticks (at least one second of the world's tick rate).
//!
//! The room turns the tick a shooter was looking at into a *rewind* (ticks back,
//! already clamped to its `max_rewind_ms`) and passes it in
//! [`TickInput::rewinds`](super::TickInput); a replay records it with the inputs,
//! so re-simulating gives the same hits. A projectile fired with rewind `r` keeps it
//! for its whole flight: at tick `t` it is tested against the players as they were at
//! tick `t - r` (what its shooter sees `t`'s shot at), walls being static. Rewinds
//! larger than the history holds are clamped to its oldest tick. Only players living
//! now and then can be hit; a player absent at `t - r` (not joined yet, dead) is not
//! hit by that shot. A rewind of 0 (an unstamped input) uses the live world.

use crate::protocol::{PlayerId, Tick};
use glam::Vec2;
use std::collections::VecDeque;

/// Positions of the living players after one step.
#[derive(Debug, Clone, PartialEq)]
struct Frame {
    tick: Tick,
    /// In `PlayerId` order.
    players: Vec<(PlayerId, Vec2)>,
}

/// A ring of the last ticks' player positions.
#[derive(Debug, Clone, PartialEq)]
pub struct History {
    frames: VecDeque<Frame>,
    capacity: usize,
}

impl History {
    /// A history of one second (plus one tick) at `tick_rate`.
    pub fn for_tick_rate(tick_rate: u32) -> History {
        let capacity = tick_rate.max(1) as usize + 1;
        History {
            frames: VecDeque::with_capacity(capacity),
            capacity,
        }
    }

    /// Ticks kept.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// Ticks held now (fewer than the capacity in a young world).
    pub fn len(&self) -> usize {
        self.frames.len()
    }

    pub fn is_empty(&self) -> bool {
        self.frames.is_empty()
    }

    /// Remember the living players' positions after the step of `tick`.
    pub fn record(&mut self, tick: Tick, players: Vec<(PlayerId, Vec2)>) {
        if self.frames.len() >= self.capacity {
            self.frames.pop_front();
        }
        self.frames.push_back(Frame { tick, players });
    }

    /// The tick a shot at `now` with `rewind` ticks is resolved at: `now - rewind`,
    /// no older than the oldest tick held; `None` for the live world (rewind 0 or
    /// nothing held).
    pub fn rewound_tick(&self, now: Tick, rewind: u32) -> Option<Tick> {
        let oldest = self.frames.front()?.tick;
        (rewind > 0).then(|| Tick(now.0.saturating_sub(rewind).max(oldest.0)))
    }

    /// Where `player` was after the step of `tick`, if it was alive then.
    pub fn position(&self, tick: Tick, player: PlayerId) -> Option<Vec2> {
        let oldest = self.frames.front()?.tick;
        let index = usize::try_from(tick.0.checked_sub(oldest.0)?).ok()?;
        let frame = self.frames.get(index).filter(|f| f.tick == tick)?;
        let i = frame
            .players
            .binary_search_by_key(&player, |(p, _)| *p)
            .ok()?;
        frame.players.get(i).map(|(_, pos)| *pos)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_one_second_and_finds_positions_by_tick() {
        let mut h = History::for_tick_rate(60);
        assert_eq!(h.capacity(), 61);
        assert_eq!(h.rewound_tick(Tick(5), 3), None, "nothing held yet");
        for t in 1..=100u32 {
            h.record(Tick(t), vec![(PlayerId(1), Vec2::new(t as f32, 0.0))]);
        }
        assert_eq!(h.len(), 61);
        assert_eq!(
            h.position(Tick(90), PlayerId(1)),
            Some(Vec2::new(90.0, 0.0))
        );
        assert_eq!(h.position(Tick(39), PlayerId(1)), None, "fell out");
        assert_eq!(h.position(Tick(90), PlayerId(2)), None, "absent then");
        assert_eq!(h.rewound_tick(Tick(101), 15), Some(Tick(86)));
        assert_eq!(h.rewound_tick(Tick(101), 0), None, "live world");
        assert_eq!(
            h.rewound_tick(Tick(101), 1000),
            Some(Tick(40)),
            "oldest held"
        );
    }
}
