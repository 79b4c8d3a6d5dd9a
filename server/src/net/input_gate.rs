//! One connection's gate for inputs, before they reach the room: each sequence
//! once, the input's shape, at most [`MAX_INPUTS_PER_MESSAGE`] per message, and the
//! input rate ([`super::input_rate`]).
//!
//! Two readers judge a player's inputs with the same gate: its session (on every
//! transport) and, on a WebSocket whose socket the room reads itself at its tick
//! ([`super::ws_read`]), the room's read. Both count drops and floods in the same
//! /metrics series and close with the same code and reason, so where a message was
//! read changes nothing a client or an operator sees.

use super::input_rate::{InputLimits, InputRate, Verdict};
use prometheus_client::metrics::counter::Counter;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;
use tickcast_shared::protocol::{InputCmd, InputSeq, MAX_INPUTS_PER_MESSAGE};

/// Why a message's inputs close the connection (always 1008, this reason).
#[derive(Debug, Clone, PartialEq)]
pub enum InputRefused {
    /// More inputs in one message than [`MAX_INPUTS_PER_MESSAGE`].
    TooMany(usize),
    /// An input whose value count does not fit the game's input.
    Shape { got: usize, want: usize },
    /// A sustained flood (over the rate, see [`super::input_rate`]).
    Flood(f64),
}

impl std::fmt::Display for InputRefused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            InputRefused::TooMany(n) => write!(
                f,
                "{n} inputs in one message (at most {MAX_INPUTS_PER_MESSAGE})"
            ),
            InputRefused::Shape { got, want } => write!(
                f,
                "bad message: an input of {got} values (the game's input has {want})"
            ),
            InputRefused::Flood(rate) => write!(f, "input flood: over {rate} inputs/s"),
        }
    }
}

/// The counters a gate adds to.
#[derive(Debug, Clone, Default)]
pub struct GateCounters {
    /// `tickcast_inputs_rate_limited`: inputs dropped over the rate.
    pub rate_limited: Counter,
    /// `tickcast_input_floods`: connections closed for a flood.
    pub floods: Counter,
}

/// One connection's judge of inputs.
#[derive(Debug)]
pub struct InputGate {
    rate: InputRate,
    /// Newest sequence admitted: redundant copies (QUIC datagrams carry the newest
    /// few) stop here instead of counting as drops in the room.
    newest: Option<InputSeq>,
    /// Values in one of the game's inputs.
    input_len: usize,
    counters: GateCounters,
}

/// A gate both readers of one connection hold.
#[derive(Debug, Clone)]
pub struct SharedGate(Arc<Mutex<InputGate>>);

impl SharedGate {
    pub fn new(gate: InputGate) -> SharedGate {
        SharedGate(Arc::new(Mutex::new(gate)))
    }

    pub fn lock(&self) -> MutexGuard<'_, InputGate> {
        // The gate's code does not panic while holding the lock; a poisoned lock
        // still holds a consistent gate.
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl InputGate {
    /// A gate for inputs of `input_len` values at the limits of `limits` (the
    /// rate's default follows `tick_rate`).
    pub fn new(
        limits: &InputLimits,
        tick_rate: u32,
        input_len: usize,
        counters: GateCounters,
        now: Instant,
    ) -> InputGate {
        InputGate {
            rate: InputRate::new(limits, tick_rate, now),
            newest: None,
            input_len,
            counters,
        }
    }

    /// Judge one message's inputs, oldest first: each admitted one goes to `admit`;
    /// repeats are skipped and inputs over the rate dropped (and counted). An error
    /// means the connection must close (1008, the error's text); the inputs before
    /// the one refused were admitted.
    pub fn pass(
        &mut self,
        cmds: impl ExactSizeIterator<Item = InputCmd>,
        now: Instant,
        mut admit: impl FnMut(InputCmd),
    ) -> Result<(), InputRefused> {
        if cmds.len() > MAX_INPUTS_PER_MESSAGE {
            return Err(InputRefused::TooMany(cmds.len()));
        }
        for cmd in cmds {
            if self.newest.is_some_and(|n| cmd.seq <= n) {
                continue;
            }
            self.newest = Some(cmd.seq);
            if !cmd.input.fits(self.input_len) {
                return Err(InputRefused::Shape {
                    got: cmd.input.0.len(),
                    want: self.input_len,
                });
            }
            match self.rate.check(now) {
                Verdict::Admit => admit(cmd),
                Verdict::Drop => {
                    self.counters.rate_limited.inc();
                }
                Verdict::Flood => {
                    self.counters.rate_limited.inc();
                    self.counters.floods.inc();
                    return Err(InputRefused::Flood(self.rate.rate()));
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tickcast_shared::game::InputValues;

    fn cmd(seq: u32, values: usize) -> InputCmd {
        InputCmd {
            seq: InputSeq(seq),
            ack: None,
            input: InputValues(vec![0; values]),
            view: None,
        }
    }

    fn gate(counters: &GateCounters) -> InputGate {
        let limits = InputLimits {
            rate_per_sec: Some(10.0),
            burst: 2,
            flood_secs: 0.1,
        };
        InputGate::new(&limits, 30, 2, counters.clone(), Instant::now())
    }

    #[test]
    fn each_sequence_passes_once_and_drops_over_the_rate_are_counted() {
        let counters = GateCounters::default();
        let mut g = gate(&counters);
        let now = Instant::now();
        let mut admitted = Vec::new();
        let ok = g.pass([cmd(1, 2), cmd(2, 2)].into_iter(), now, |c| {
            admitted.push(c.seq.0)
        });
        assert_eq!(ok, Ok(()));
        let ok = g.pass([cmd(1, 2), cmd(2, 2), cmd(3, 2)].into_iter(), now, |c| {
            admitted.push(c.seq.0)
        });
        assert_eq!(ok, Ok(()), "one drop is tolerated");
        assert_eq!(admitted, vec![1, 2], "repeats skipped, 3 over the burst");
        assert_eq!(counters.rate_limited.get(), 1);
        let flood = g.pass([cmd(4, 2), cmd(5, 2)].into_iter(), now, |_| {});
        assert_eq!(flood, Err(InputRefused::Flood(10.0)));
        assert_eq!(counters.floods.get(), 1);
    }

    #[test]
    fn a_bad_shape_or_too_many_inputs_close_with_todays_reasons() {
        let counters = GateCounters::default();
        let mut g = gate(&counters);
        let now = Instant::now();
        let refused = g.pass([cmd(1, 3)].into_iter(), now, |_| {}).unwrap_err();
        assert_eq!(
            refused.to_string(),
            "bad message: an input of 3 values (the game's input has 2)"
        );
        let many: Vec<_> = (10..27).map(|s| cmd(s, 2)).collect();
        let refused = g.pass(many.into_iter(), now, |_| {}).unwrap_err();
        assert_eq!(
            refused.to_string(),
            format!("17 inputs in one message (at most {MAX_INPUTS_PER_MESSAGE})")
        );
    }
}
