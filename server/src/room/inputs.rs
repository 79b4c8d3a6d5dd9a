//! Per-player input buffer: ordered by sequence, bounded, one input per tick.
//!
//! When the buffer is full the OLDEST input goes (a client that got ahead loses the
//! stalest input, not the one it just sent), and [`InputBuffer::lead`] tells the
//! client how far ahead its inputs arrive, so it can slow down before that happens.

use std::collections::BTreeMap;
use tickcast_shared::protocol::{InputSeq, PlayerInput};

/// Why an input was not buffered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dropped {
    /// Its sequence was already consumed.
    Late,
    /// The same sequence is already buffered.
    Duplicate,
    /// The buffer is full and this input is older than every buffered one.
    Flood,
}

/// What became of a buffered input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pushed {
    Buffered,
    /// Buffered, and the buffer was full: the oldest buffered input was dropped
    /// (it counts as consumed, so a late copy of it is refused).
    EvictedOldest(InputSeq),
}

/// Inputs of one player waiting for their tick.
#[derive(Debug)]
pub struct InputBuffer {
    pending: BTreeMap<u32, PlayerInput>,
    capacity: usize,
    last_consumed: Option<InputSeq>,
    /// The last tick found the buffer empty.
    starved: bool,
}

impl InputBuffer {
    pub fn new(capacity: usize) -> InputBuffer {
        InputBuffer {
            pending: BTreeMap::new(),
            capacity: capacity.max(1),
            last_consumed: None,
            starved: false,
        }
    }

    /// Buffer an input, or say why it was dropped.
    pub fn push(&mut self, seq: InputSeq, input: PlayerInput) -> Result<Pushed, Dropped> {
        if self.last_consumed.is_some_and(|last| seq <= last) {
            return Err(Dropped::Late);
        }
        if self.pending.contains_key(&seq.0) {
            return Err(Dropped::Duplicate);
        }
        let mut pushed = Pushed::Buffered;
        if self.pending.len() >= self.capacity {
            if self
                .pending
                .first_key_value()
                .is_some_and(|(&k, _)| seq.0 < k)
            {
                return Err(Dropped::Flood);
            }
            if let Some((oldest, _)) = self.pending.pop_first() {
                self.last_consumed = Some(InputSeq(oldest));
                pushed = Pushed::EvictedOldest(InputSeq(oldest));
            }
        }
        self.pending.insert(seq.0, input);
        Ok(pushed)
    }

    /// The oldest buffered input, consumed (one call per tick).
    pub fn pop(&mut self) -> Option<PlayerInput> {
        let popped = self.pending.pop_first();
        self.starved = popped.is_none();
        let (seq, input) = popped?;
        self.last_consumed = Some(InputSeq(seq));
        Some(input)
    }

    /// How early this player's inputs arrive, as the snapshot tells it: the inputs
    /// still buffered after this tick's one was consumed, or -1 when this tick found
    /// none (the input came too late, or not at all).
    pub fn lead(&self) -> i32 {
        if self.starved {
            -1
        } else {
            i32::try_from(self.pending.len()).unwrap_or(i32::MAX)
        }
    }

    /// Newest consumed sequence (0 before any).
    pub fn last_consumed(&self) -> InputSeq {
        self.last_consumed.unwrap_or_default()
    }

    pub fn len(&self) -> usize {
        self.pending.len()
    }

    pub fn is_empty(&self) -> bool {
        self.pending.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(aim: f32) -> PlayerInput {
        PlayerInput {
            aim,
            ..Default::default()
        }
    }

    #[test]
    fn pops_in_sequence_order_one_at_a_time() {
        let mut b = InputBuffer::new(8);
        b.push(InputSeq(3), input(3.0)).unwrap();
        b.push(InputSeq(1), input(1.0)).unwrap();
        b.push(InputSeq(2), input(2.0)).unwrap();
        assert_eq!(b.pop().unwrap().aim, 1.0);
        assert_eq!(b.last_consumed(), InputSeq(1));
        assert_eq!(b.len(), 2);
    }

    #[test]
    fn late_and_duplicate_are_dropped_and_overflow_drops_the_oldest() {
        let mut b = InputBuffer::new(2);
        b.push(InputSeq(5), input(0.0)).unwrap();
        assert_eq!(b.push(InputSeq(5), input(0.0)), Err(Dropped::Duplicate));
        b.pop();
        assert_eq!(b.push(InputSeq(4), input(0.0)), Err(Dropped::Late));
        assert_eq!(b.push(InputSeq(5), input(0.0)), Err(Dropped::Late));
        b.push(InputSeq(7), input(7.0)).unwrap();
        b.push(InputSeq(8), input(8.0)).unwrap();
        // Full: the newest input stays, the oldest goes (and counts as consumed).
        assert_eq!(
            b.push(InputSeq(9), input(9.0)),
            Ok(Pushed::EvictedOldest(InputSeq(7)))
        );
        assert_eq!(b.push(InputSeq(7), input(7.0)), Err(Dropped::Late));
        // Older than everything buffered while full: that one is the oldest.
        let mut c = InputBuffer::new(1);
        c.push(InputSeq(3), input(3.0)).unwrap();
        assert_eq!(c.push(InputSeq(2), input(2.0)), Err(Dropped::Flood));
        assert_eq!(b.pop().unwrap().aim, 8.0);
        assert_eq!(b.pop().unwrap().aim, 9.0);
    }

    #[test]
    fn lead_counts_inputs_ahead_and_minus_one_when_starved() {
        let mut b = InputBuffer::new(8);
        assert_eq!(b.lead(), 0);
        for seq in 1..=3 {
            b.push(InputSeq(seq), input(0.0)).unwrap();
        }
        b.pop();
        assert_eq!(b.lead(), 2);
        b.pop();
        b.pop();
        assert_eq!(b.lead(), 0);
        assert!(b.pop().is_none());
        assert_eq!(b.lead(), -1);
        b.push(InputSeq(4), input(0.0)).unwrap();
        assert_eq!(b.lead(), -1, "until the next tick");
    }
}
