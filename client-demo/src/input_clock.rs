//! The input timeline: when the client sends its inputs.
//!
//! The server consumes one input per player per tick. A client that sends from a
//! drifting timer either starves the server (inputs arrive late and the tick runs
//! without one) or floods it (inputs pile up in the buffer, each waiting longer).
//! [`InputClock`] instead keeps a schedule on a monotonic clock: each input is due one
//! period after the previous one was *due* (not after the timer fired), so wake-up
//! delays never accumulate into drift, and a stall is caught up by a bounded number
//! of inputs, the rest skipped and counted.
//!
//! Each snapshot says how early this player's inputs arrive (`input_lead`: inputs
//! still buffered after the tick, -1 when the tick found none). The clock smooths
//! those samples, measures how much they jitter, and speeds its period up or down by
//! at most [`MAX_ADJUST`] (proportional to the error, plus an integral part that
//! absorbs a lasting clock-rate difference) to hold a small target lead: [`MIN_TARGET_LEAD`] ticks plus
//! [`JITTER_MARGIN`] times the measured jitter (mean absolute deviation), at most
//! [`MAX_TARGET_LEAD`].

use std::time::Duration;
use tokio::time::Instant;

/// Largest speed-up or slow-down of the input clock (5 %).
pub const MAX_ADJUST: f64 = 0.05;
/// Smallest lead aimed at, in ticks. Half a tick: a tick the input misses costs
/// little, since the room repeats the last input then (see the server's
/// `room::inputs`), so the lead need not cover every late input.
pub const MIN_TARGET_LEAD: f64 = 0.5;
/// Measured jitters of lead added to [`MIN_TARGET_LEAD`]. A quarter of one: with the
/// room repeating a late input, covering the jitter in full only delays every input.
/// Measured with `bots --link average` over QUIC, 4 bots, seeds 1-3 (medians): input
/// delay p99 15.4 ticks at 2 (corrections in 0.40 % of frames), 13.4 at 1 (0.28 %),
/// 12.8 at 0.5 (0.31 %), 12.7 at 0.25 (0.37 %).
pub const JITTER_MARGIN: f64 = 0.25;
/// Largest lead aimed at, in ticks, however bad the jitter.
pub const MAX_TARGET_LEAD: f64 = 8.0;
/// Inputs sent at once to catch up after a stall; older due inputs are skipped.
pub const MAX_CATCH_UP: u32 = 4;
/// Speed change per tick of lead error (1 % per tick).
const GAIN: f64 = 0.01;
/// Integral gain: a lasting error (a server clock that runs slower or faster than
/// ours) builds up a lasting correction, per snapshot and tick of error.
const INTEGRAL_GAIN: f64 = 0.0005;
/// Smoothing of the lead (per snapshot).
const LEAD_ALPHA: f64 = 0.2;
/// Smoothing of the lead's jitter (per snapshot).
const JITTER_ALPHA: f64 = 0.05;

/// A fixed-rate input schedule that adapts its speed to the server's reported lead.
#[derive(Debug, Clone)]
pub struct InputClock {
    nominal: Duration,
    next: Instant,
    rate: f64,
    /// Accumulated correction for a lasting error (the clocks' rate difference).
    integral: f64,
    lead: Option<f64>,
    jitter: f64,
    skipped: u64,
}

impl InputClock {
    /// A clock stepping `tick_rate` inputs per second, the first due at `now`.
    pub fn new(tick_rate: u16, now: Instant) -> InputClock {
        InputClock {
            nominal: Duration::from_secs_f64(1.0 / f64::from(tick_rate.max(1))),
            next: now,
            rate: 1.0,
            integral: 0.0,
            lead: None,
            jitter: 0.0,
            skipped: 0,
        }
    }

    /// When the next input is due.
    pub fn next_due(&self) -> Instant {
        self.next
    }

    /// The period in use now (nominal, sped up or slowed down).
    pub fn period(&self) -> Duration {
        self.nominal.div_f64(self.rate)
    }

    /// How many inputs to send at `now` (at most [`MAX_CATCH_UP`]), moving the
    /// schedule on by that many periods. After a longer stall the schedule restarts
    /// from `now` and the inputs missed are counted in [`InputClock::skipped`].
    pub fn due(&mut self, now: Instant) -> u32 {
        let mut n = 0;
        let period = self.period();
        while self.next <= now && n < MAX_CATCH_UP {
            n += 1;
            self.next += period;
        }
        if self.next <= now {
            let behind = (now - self.next).as_secs_f64() / period.as_secs_f64();
            self.skipped += behind as u64 + 1;
            self.next = now + period;
        }
        n
    }

    /// One snapshot's `input_lead`: adjust the speed towards the target lead.
    pub fn observe_lead(&mut self, lead: i32) {
        let sample = f64::from(lead.clamp(-1, 1000));
        let mean = match self.lead {
            None => sample,
            Some(mean) => {
                self.jitter += JITTER_ALPHA * ((sample - mean).abs() - self.jitter);
                mean + LEAD_ALPHA * (sample - mean)
            }
        };
        self.lead = Some(mean);
        let error = mean - self.target_lead();
        self.integral = (self.integral + error * INTEGRAL_GAIN).clamp(-MAX_ADJUST, MAX_ADJUST);
        self.rate = 1.0 - (error * GAIN + self.integral).clamp(-MAX_ADJUST, MAX_ADJUST);
    }

    /// The lead aimed at, in ticks: [`MIN_TARGET_LEAD`] plus [`JITTER_MARGIN`] times
    /// the jitter.
    pub fn target_lead(&self) -> f64 {
        (MIN_TARGET_LEAD + JITTER_MARGIN * self.jitter).min(MAX_TARGET_LEAD)
    }

    /// The smoothed lead the server reports (`None` before any snapshot).
    pub fn lead(&self) -> Option<f64> {
        self.lead
    }

    /// The measured jitter of the lead, in ticks.
    pub fn jitter(&self) -> f64 {
        self.jitter
    }

    /// The speed factor in use: above 1 sends faster than the nominal rate.
    pub fn rate(&self) -> f64 {
        self.rate
    }

    /// Inputs skipped after stalls longer than [`MAX_CATCH_UP`] periods.
    pub fn skipped(&self) -> u64 {
        self.skipped
    }
}

#[cfg(test)]
#[path = "input_clock_tests.rs"]
mod tests;
