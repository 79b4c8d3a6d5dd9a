//! Per-player input buffer: ordered by sequence, bounded, one input per tick.

use std::collections::BTreeMap;
use tickcast_shared::protocol::{InputSeq, PlayerInput};

/// Why an input was not buffered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dropped {
    /// Its sequence was already consumed.
    Late,
    /// The same sequence is already buffered.
    Duplicate,
    /// The buffer is full (the client sends faster than the tick consumes).
    Flood,
}

/// Inputs of one player waiting for their tick.
#[derive(Debug)]
pub struct InputBuffer {
    pending: BTreeMap<u32, PlayerInput>,
    capacity: usize,
    last_consumed: Option<InputSeq>,
}

impl InputBuffer {
    pub fn new(capacity: usize) -> InputBuffer {
        InputBuffer {
            pending: BTreeMap::new(),
            capacity: capacity.max(1),
            last_consumed: None,
        }
    }

    /// Buffer an input, or say why it was dropped.
    pub fn push(&mut self, seq: InputSeq, input: PlayerInput) -> Result<(), Dropped> {
        if self.last_consumed.is_some_and(|last| seq <= last) {
            return Err(Dropped::Late);
        }
        if self.pending.contains_key(&seq.0) {
            return Err(Dropped::Duplicate);
        }
        if self.pending.len() >= self.capacity {
            return Err(Dropped::Flood);
        }
        self.pending.insert(seq.0, input);
        Ok(())
    }

    /// The oldest buffered input, consumed.
    pub fn pop(&mut self) -> Option<PlayerInput> {
        let (seq, input) = self.pending.pop_first()?;
        self.last_consumed = Some(InputSeq(seq));
        Some(input)
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
    fn late_duplicate_and_flood_are_dropped() {
        let mut b = InputBuffer::new(2);
        b.push(InputSeq(5), input(0.0)).unwrap();
        assert_eq!(b.push(InputSeq(5), input(0.0)), Err(Dropped::Duplicate));
        b.pop();
        assert_eq!(b.push(InputSeq(4), input(0.0)), Err(Dropped::Late));
        assert_eq!(b.push(InputSeq(5), input(0.0)), Err(Dropped::Late));
        b.push(InputSeq(6), input(0.0)).unwrap();
        b.push(InputSeq(7), input(0.0)).unwrap();
        assert_eq!(b.push(InputSeq(8), input(0.0)), Err(Dropped::Flood));
    }
}
