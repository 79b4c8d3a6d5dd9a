//! Per-player input buffer: ordered by sequence, bounded, one input per tick.
//!
//! When the buffer is full the OLDEST input goes (a client that got ahead loses the
//! stalest input, not the one it just sent), and [`InputBuffer::lead`] tells the
//! client how far ahead its inputs arrive, so it can slow down before that happens.
//!
//! # A starved tick repeats the last input
//! When a tick finds the buffer empty, [`InputBuffer::pop`] stands in for the missing
//! input: the player's last input again as the game repeats it (the game's
//! `repeat_input`: the arena releases fire, so movement and aim go on and a shot is
//! never repeated). The stand-in takes the missing input's sequence number,
//! so when that input arrives late it is dropped as [`Dropped::Late`]: the server's
//! tick-to-sequence timeline stays where it was, instead of every later input waiting
//! one tick more (which applying it late would do). A client that held its keys sees
//! no correction at all; one that changed them sees one tick's difference, once.
//! After `max_repeats` starved ticks in a row the buffer stops standing in and waits
//! for the real next input (a long stall re-anchors the timeline rather than dropping
//! seconds of inputs).

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use tickcast_shared::game::InputValues;
use tickcast_shared::protocol::{InputSeq, Tick};

/// How players' inputs enter a room's steps (section `[room]`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RoomNetConfig {
    /// Starved ticks in a row that repeat a player's last input (fire released)
    /// before the room waits for the real one; 0 turns repeating off. Default 8.
    pub input_repeat_ticks: u32,
    /// Furthest back a shot is resolved against the world as its shooter saw it,
    /// milliseconds (lag compensation); 0 turns it off. Default 250.
    pub max_rewind_ms: u32,
}

/// How a room takes its players' inputs, from the config.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InputRules {
    /// Buffered inputs per player (`input_buffer`).
    pub buffer: usize,
    /// Starved ticks in a row that repeat the last input (`[room] input_repeat_ticks`).
    pub repeat_ticks: u32,
    /// `[room] max_rewind_ms` in whole ticks.
    pub max_rewind_ticks: u32,
}

impl InputRules {
    pub fn new(config: &crate::config::Config) -> InputRules {
        let rewind = u64::from(config.room.max_rewind_ms) * u64::from(config.tick_rate) / 1000;
        InputRules {
            buffer: config.input_buffer,
            repeat_ticks: config.room.input_repeat_ticks,
            max_rewind_ticks: u32::try_from(rewind).unwrap_or(u32::MAX),
        }
    }
}

impl Default for RoomNetConfig {
    fn default() -> Self {
        RoomNetConfig {
            input_repeat_ticks: 8,
            max_rewind_ms: 250,
        }
    }
}

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

/// The input a tick takes from the buffer.
#[derive(Debug, Clone, PartialEq)]
pub struct Taken {
    pub input: InputValues,
    /// The tick the player was looking at (`None`: unstamped, or a stand-in).
    pub view: Option<Tick>,
    /// A stand-in: the previous input again (as the game repeats it), the buffer
    /// being empty.
    pub repeated: bool,
}

/// Lag compensation granted to a shot made while looking at tick `view` and applied
/// in the step of tick `now`: `now - view` ticks, at most `max` (the room's
/// `max_rewind_ms` in ticks); `None` for the live world (unstamped, not in the
/// past, or `max` 0).
pub fn rewind(view: Option<Tick>, now: Tick, max: u32) -> Option<u32> {
    let back = now.0.checked_sub(view?.0)?.min(max);
    (back > 0).then_some(back)
}

/// Inputs of one player waiting for their tick.
#[derive(Debug)]
pub struct InputBuffer {
    pending: BTreeMap<u32, (InputValues, Option<Tick>)>,
    capacity: usize,
    last_consumed: Option<InputSeq>,
    /// The last tick found the buffer empty.
    starved: bool,
    /// The input the last tick applied (real or stand-in).
    last_input: Option<InputValues>,
    /// Starved ticks in a row that got a stand-in.
    repeats: u32,
    max_repeats: u32,
}

impl InputBuffer {
    /// A buffer of `capacity` inputs that stands in for at most `max_repeats` missing
    /// inputs in a row (0: never).
    pub fn new(capacity: usize, max_repeats: u32) -> InputBuffer {
        InputBuffer {
            pending: BTreeMap::new(),
            capacity: capacity.max(1),
            last_consumed: None,
            starved: false,
            last_input: None,
            repeats: 0,
            max_repeats,
        }
    }

    /// Buffer an input (made while looking at tick `view`), or say why it was dropped.
    pub fn push(
        &mut self,
        seq: InputSeq,
        input: InputValues,
        view: Option<Tick>,
    ) -> Result<Pushed, Dropped> {
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
        self.pending.insert(seq.0, (input, view));
        Ok(pushed)
    }

    /// This tick's input (one call per tick): the oldest buffered one, or when there
    /// is none a stand-in (see the module docs), or `None` (no input ever, or
    /// `max_repeats` stand-ins in a row already). `repeat` makes a stand-in from
    /// the last input (the game's `repeat_input`).
    pub fn pop(&mut self, repeat: impl FnOnce(&InputValues) -> InputValues) -> Option<Taken> {
        let popped = self.pending.pop_first();
        self.starved = popped.is_none();
        if let Some((seq, (input, view))) = popped {
            self.last_consumed = Some(InputSeq(seq));
            self.last_input = Some(input.clone());
            self.repeats = 0;
            return Some(Taken {
                input,
                view,
                repeated: false,
            });
        }
        let last = self.last_input.as_ref()?;
        if self.repeats >= self.max_repeats {
            return None;
        }
        self.repeats += 1;
        let seq = self.last_consumed.map_or(1, |s| s.0.saturating_add(1));
        self.last_consumed = Some(InputSeq(seq));
        let input = repeat(last);
        self.last_input = Some(input.clone());
        Some(Taken {
            input,
            view: None,
            repeated: true,
        })
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

    const RIGHT: i32 = 8;
    const FIRE: i32 = 16;

    /// A two-value input (buttons, aim) like the arena's, aim in whole units.
    fn input(aim: f32) -> InputValues {
        InputValues(vec![0, aim as i32])
    }

    fn aim(t: &Taken) -> f32 {
        t.input.get(1) as f32
    }

    /// The arena's repeat: fire released.
    fn release_fire(last: &InputValues) -> InputValues {
        InputValues(vec![last.get(0) & !FIRE, last.get(1)])
    }

    #[test]
    fn pops_in_sequence_order_one_at_a_time() {
        let mut b = InputBuffer::new(8, 0);
        b.push(InputSeq(3), input(3.0), None).unwrap();
        b.push(InputSeq(1), input(1.0), None).unwrap();
        b.push(InputSeq(2), input(2.0), None).unwrap();
        assert_eq!(aim(&b.pop(release_fire).unwrap()), 1.0);
        assert_eq!(b.last_consumed(), InputSeq(1));
        assert_eq!(b.len(), 2);
    }

    #[test]
    fn late_and_duplicate_are_dropped_and_overflow_drops_the_oldest() {
        let mut b = InputBuffer::new(2, 0);
        b.push(InputSeq(5), input(0.0), None).unwrap();
        assert_eq!(
            b.push(InputSeq(5), input(0.0), None),
            Err(Dropped::Duplicate)
        );
        b.pop(release_fire);
        assert_eq!(b.push(InputSeq(4), input(0.0), None), Err(Dropped::Late));
        assert_eq!(b.push(InputSeq(5), input(0.0), None), Err(Dropped::Late));
        b.push(InputSeq(7), input(7.0), None).unwrap();
        b.push(InputSeq(8), input(8.0), None).unwrap();
        // Full: the newest input stays, the oldest goes (and counts as consumed).
        assert_eq!(
            b.push(InputSeq(9), input(9.0), None),
            Ok(Pushed::EvictedOldest(InputSeq(7)))
        );
        assert_eq!(b.push(InputSeq(7), input(7.0), None), Err(Dropped::Late));
        // Older than everything buffered while full: that one is the oldest.
        let mut c = InputBuffer::new(1, 0);
        c.push(InputSeq(3), input(3.0), None).unwrap();
        assert_eq!(c.push(InputSeq(2), input(2.0), None), Err(Dropped::Flood));
        assert_eq!(aim(&b.pop(release_fire).unwrap()), 8.0);
        assert_eq!(aim(&b.pop(release_fire).unwrap()), 9.0);
    }

    #[test]
    fn lead_counts_inputs_ahead_and_minus_one_when_starved() {
        let mut b = InputBuffer::new(8, 0);
        assert_eq!(b.lead(), 0);
        for seq in 1..=3 {
            b.push(InputSeq(seq), input(0.0), None).unwrap();
        }
        b.pop(release_fire);
        assert_eq!(b.lead(), 2);
        b.pop(release_fire);
        b.pop(release_fire);
        assert_eq!(b.lead(), 0);
        assert!(b.pop(release_fire).is_none());
        assert_eq!(b.lead(), -1);
        b.push(InputSeq(4), input(0.0), None).unwrap();
        assert_eq!(b.lead(), -1, "until the next tick");
    }

    fn moving(seq_aim: f32, fire: bool) -> InputValues {
        let fire = if fire { FIRE } else { 0 };
        InputValues(vec![RIGHT | fire, seq_aim as i32])
    }

    #[test]
    fn a_starved_tick_repeats_the_last_input_without_fire_and_the_late_one_is_dropped() {
        let mut b = InputBuffer::new(8, 3);
        assert_eq!(
            b.pop(release_fire),
            None,
            "nothing to repeat before the first input"
        );
        b.push(InputSeq(1), moving(1.0, true), None).unwrap();
        assert_eq!(b.pop(release_fire).map(|t| t.repeated), Some(false));
        let stand_in = b.pop(release_fire).expect("starved: a stand-in");
        assert!(stand_in.repeated);
        assert_eq!(aim(&stand_in), 1.0);
        assert!(stand_in.input.get(0) & RIGHT != 0, "movement goes on");
        assert!(stand_in.input.get(0) & FIRE == 0, "no second shot");
        assert_eq!(b.lead(), -1, "the client still learns it was late");
        assert_eq!(b.last_consumed(), InputSeq(2), "it took input 2's place");
        // Input 2 arrives late: dropped, so input 3 is applied at its own tick.
        assert_eq!(
            b.push(InputSeq(2), moving(2.0, false), None),
            Err(Dropped::Late)
        );
        b.push(InputSeq(3), moving(3.0, false), None).unwrap();
        let next = b.pop(release_fire).unwrap();
        assert_eq!((aim(&next), next.repeated), (3.0, false));
        assert_eq!(b.last_consumed(), InputSeq(3));
    }

    #[test]
    fn stand_ins_stop_after_max_repeats_in_a_row_and_the_timeline_re_anchors() {
        let mut b = InputBuffer::new(8, 2);
        b.push(InputSeq(1), moving(1.0, false), None).unwrap();
        b.pop(release_fire);
        assert!(b.pop(release_fire).unwrap().repeated);
        assert!(b.pop(release_fire).unwrap().repeated);
        assert_eq!(
            b.pop(release_fire),
            None,
            "a third starved tick in a row waits"
        );
        assert_eq!(b.last_consumed(), InputSeq(3));
        // The stalled inputs come in: the two stood in for are late, 4 is applied.
        assert_eq!(
            b.push(InputSeq(2), moving(2.0, false), None),
            Err(Dropped::Late)
        );
        assert_eq!(
            b.push(InputSeq(3), moving(3.0, false), None),
            Err(Dropped::Late)
        );
        b.push(InputSeq(4), moving(4.0, false), None).unwrap();
        assert_eq!(aim(&b.pop(release_fire).unwrap()), 4.0);
        // A real input resets the count: the next starved tick repeats again.
        assert!(b.pop(release_fire).unwrap().repeated);
        let mut never = InputBuffer::new(8, 0);
        never.push(InputSeq(1), moving(1.0, false), None).unwrap();
        never.pop(release_fire);
        assert_eq!(
            never.pop(release_fire),
            None,
            "max_repeats 0: never stands in"
        );
    }

    #[test]
    fn rewind_is_the_ticks_since_the_view_clamped_and_none_for_the_live_world() {
        assert_eq!(rewind(Some(Tick(85)), Tick(100), 15), Some(15));
        assert_eq!(rewind(Some(Tick(95)), Tick(100), 15), Some(5));
        assert_eq!(
            rewind(Some(Tick(64)), Tick(100), 15),
            Some(15),
            "600 ms: 250"
        );
        assert_eq!(rewind(None, Tick(100), 15), None, "unstamped");
        assert_eq!(
            rewind(Some(Tick(100)), Tick(100), 15),
            None,
            "the live tick"
        );
        assert_eq!(
            rewind(Some(Tick(900)), Tick(100), 15),
            None,
            "from the future"
        );
        assert_eq!(rewind(Some(Tick(85)), Tick(100), 0), None, "turned off");
    }
}
