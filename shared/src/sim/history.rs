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
//!
//! A replay checkpoint ([`super::state::WorldState`]) holds the newest
//! [`History::saved_len`] frames: 250 ms (the default `max_rewind_ms`) plus one tick.
//! A World restored from one steps exactly like the original for rewinds up to
//! 250 ms; a server granting more (`max_rewind_ms` above 250) records matches whose
//! playback after a seek may differ for shots rewound further, for the first second
//! (verification re-simulates from tick 0 and is unaffected).

use super::state::SavedFrame;
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
    saved_len: usize,
}

impl History {
    /// A history of one second (plus one tick) at `tick_rate`.
    pub fn for_tick_rate(tick_rate: u32) -> History {
        let capacity = tick_rate.max(1) as usize + 1;
        History {
            frames: VecDeque::with_capacity(capacity),
            capacity,
            saved_len: tick_rate.max(1) as usize / 4 + 1,
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

    /// Remember the living players' positions after the step of `tick` (in
    /// `PlayerId` order). A full ring reuses its oldest frame's buffer, so a step
    /// allocates nothing once the first second is held.
    pub fn record(&mut self, tick: Tick, players: impl IntoIterator<Item = (PlayerId, Vec2)>) {
        let mut frame = if self.frames.len() >= self.capacity {
            self.frames.pop_front()
        } else {
            None
        }
        .unwrap_or_else(|| Frame {
            tick,
            players: Vec::new(),
        });
        frame.tick = tick;
        frame.players.clear();
        frame.players.extend(players);
        self.frames.push_back(frame);
    }

    /// The tick a shot at `now` with `rewind` ticks is resolved at: `now - rewind`,
    /// no older than the oldest tick held; `None` for the live world (rewind 0 or
    /// nothing held).
    pub fn rewound_tick(&self, now: Tick, rewind: u32) -> Option<Tick> {
        let oldest = self.frames.front()?.tick;
        (rewind > 0).then(|| Tick(now.0.saturating_sub(rewind).max(oldest.0)))
    }

    /// Frames a checkpoint keeps: 250 ms of ticks, plus one.
    pub fn saved_len(&self) -> usize {
        self.saved_len
    }

    /// The newest [`History::saved_len`] frames as data, oldest first.
    pub fn save(&self) -> Vec<SavedFrame> {
        let skip = self.frames.len().saturating_sub(self.saved_len);
        self.frames
            .iter()
            .skip(skip)
            .map(|f| SavedFrame {
                tick: f.tick,
                players: f.players.iter().map(|(p, v)| (*p, v.to_array())).collect(),
            })
            .collect()
    }

    /// Replace the frames with the newest of `saved` (at most
    /// [`History::saved_len`]) that form a run of consecutive ticks with sorted
    /// players and finite positions: a forged state restores less history, never a
    /// wrong lookup.
    pub fn restore(&mut self, saved: &[SavedFrame]) {
        self.frames.clear();
        let start = saved.len().saturating_sub(self.saved_len);
        for f in saved.iter().skip(start) {
            let consecutive = self
                .frames
                .back()
                .is_none_or(|b| b.tick.0.checked_add(1) == Some(f.tick.0));
            let sorted = f.players.is_sorted_by(|a, b| a.0 < b.0);
            let finite = f
                .players
                .iter()
                .all(|(_, p)| p.iter().all(|v| v.is_finite()));
            if !(consecutive && sorted && finite) {
                self.frames.clear();
                continue;
            }
            let players = f
                .players
                .iter()
                .map(|(p, v)| (*p, Vec2::from_array(*v)))
                .collect();
            self.frames.push_back(Frame {
                tick: f.tick,
                players,
            });
        }
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
