//! When a spectator frame is a keyframe ([`KeyframeGrid`]): one rule for every frame
//! maker (the arena's `crate::sim::spectate::Feed` and any game's
//! [`super::RowFeed`]), so a live room, a replay of it and another node send a
//! keyframe at the same ticks.

use crate::protocol::Tick;

/// The keyframe period of a frame sequence: a frame is a delta against the previous
/// frame when it is newer and within the same period; a keyframe otherwise (the
/// first frame, after a reset, when the tick crosses a multiple of the period, or
/// when ticks go backwards).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyframeGrid {
    period: u32,
}

impl KeyframeGrid {
    /// A keyframe at least every `period` ticks (0 is treated as 1: every frame a
    /// keyframe).
    pub fn new(period: u32) -> KeyframeGrid {
        KeyframeGrid {
            period: period.max(1),
        }
    }

    /// Whether the frame at `tick` is a delta against the previous frame, at `prev`.
    pub fn is_delta(self, prev: Tick, tick: Tick) -> bool {
        prev < tick && prev.0 / self.period == tick.0 / self.period
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_delta_only_forward_within_one_period() {
        let grid = KeyframeGrid::new(60);
        assert!(grid.is_delta(Tick(6), Tick(12)));
        assert!(grid.is_delta(Tick(0), Tick(59)));
        assert!(!grid.is_delta(Tick(59), Tick(60)), "crossing a multiple");
        assert!(!grid.is_delta(Tick(12), Tick(6)), "backwards");
        assert!(!grid.is_delta(Tick(12), Tick(12)), "the same tick");
    }

    #[test]
    fn a_zero_period_makes_every_frame_a_keyframe() {
        let grid = KeyframeGrid::new(0);
        assert!(!grid.is_delta(Tick(1), Tick(2)));
    }
}
