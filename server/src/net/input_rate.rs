//! The per-session input rate: inputs beyond what the tick can use are dropped at
//! the session, before the room's shared inbox, so one flooder cannot crowd out
//! other players' inputs; a sustained flood closes the connection (1008).
//!
//! Two token buckets, both pure over the `now` they are given (unit-tested without
//! sockets or sleeps):
//! - admitted inputs: `rate_per_sec` tokens per second, up to `burst`;
//! - tolerated drops: also `rate_per_sec` per second, up to `rate_per_sec *
//!   flood_secs`. A client sending up to twice the rate only loses its excess;
//!   one sending faster is closed once its excess beyond twice the rate adds up to
//!   `rate_per_sec * flood_secs` inputs (after about 3 s at three times the rate
//!   with the defaults; sooner the harder it floods).

use serde::{Deserialize, Serialize};
use std::time::{Duration, Instant};

/// Section `[input]` of the config.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct InputLimits {
    /// Inputs per second a session may send. Default: twice the tick rate.
    pub rate_per_sec: Option<f64>,
    /// Inputs a session may send at once above the rate. Default 32.
    pub burst: u32,
    /// How much flooding (sending over twice the rate) is tolerated before the
    /// connection is closed with 1008: `rate_per_sec * flood_secs` inputs beyond
    /// twice the rate. Default 3.
    pub flood_secs: f64,
}

impl Default for InputLimits {
    fn default() -> Self {
        InputLimits {
            rate_per_sec: None,
            burst: 32,
            flood_secs: 3.0,
        }
    }
}

impl InputLimits {
    /// The rate in effect at `tick_rate`.
    pub fn rate(&self, tick_rate: u32) -> f64 {
        self.rate_per_sec.unwrap_or(2.0 * f64::from(tick_rate))
    }

    pub fn validate(&self) -> Result<(), String> {
        let rate_ok = self
            .rate_per_sec
            .is_none_or(|r| r.is_finite() && (1.0..=100_000.0).contains(&r));
        if !rate_ok || self.burst == 0 {
            return Err("input.rate_per_sec must be 1..=100000, input.burst >= 1".into());
        }
        if !self.flood_secs.is_finite() || !(0.1..=3600.0).contains(&self.flood_secs) {
            return Err("input.flood_secs must be 0.1..=3600".into());
        }
        Ok(())
    }
}

/// What to do with one input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Pass it to the room.
    Admit,
    /// Drop it (and count it).
    Drop,
    /// Drop it and close the connection: the client floods.
    Flood,
}

#[derive(Debug, Clone)]
struct Bucket {
    tokens: f64,
    capacity: f64,
    per_sec: f64,
    at: Instant,
}

impl Bucket {
    fn new(capacity: f64, per_sec: f64, now: Instant) -> Bucket {
        Bucket {
            tokens: capacity,
            capacity,
            per_sec,
            at: now,
        }
    }

    fn take(&mut self, now: Instant) -> bool {
        let dt = now.saturating_duration_since(self.at).as_secs_f64();
        self.at = now.max(self.at);
        self.tokens = (self.tokens + dt * self.per_sec).min(self.capacity);
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

/// One session's input rate limiter.
#[derive(Debug, Clone)]
pub struct InputRate {
    admitted: Bucket,
    tolerated: Bucket,
    rate: f64,
}

impl InputRate {
    pub fn new(limits: &InputLimits, tick_rate: u32, now: Instant) -> InputRate {
        let rate = limits.rate(tick_rate).max(1.0);
        let flood = Duration::from_secs_f64(limits.flood_secs.max(0.1));
        InputRate {
            admitted: Bucket::new(f64::from(limits.burst.max(1)), rate, now),
            tolerated: Bucket::new((rate * flood.as_secs_f64()).max(1.0), rate, now),
            rate,
        }
    }

    /// The verdict on an input arriving at `now`.
    pub fn check(&mut self, now: Instant) -> Verdict {
        if self.admitted.take(now) {
            Verdict::Admit
        } else if self.tolerated.take(now) {
            Verdict::Drop
        } else {
            Verdict::Flood
        }
    }

    /// Inputs per second admitted.
    pub fn rate(&self) -> f64 {
        self.rate
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limiter(rate: f64, burst: u32, flood_secs: f64) -> (InputRate, Instant) {
        let now = Instant::now();
        let limits = InputLimits {
            rate_per_sec: Some(rate),
            burst,
            flood_secs,
        };
        (InputRate::new(&limits, 60, now), now)
    }

    /// Send `per_sec` inputs a second for `secs` seconds; count the verdicts.
    fn run(r: &mut InputRate, start: Instant, per_sec: u32, secs: u32) -> (u32, u32, u32) {
        let (mut ok, mut dropped, mut flood) = (0, 0, 0);
        for i in 0..per_sec * secs {
            let at = start + Duration::from_secs_f64(f64::from(i) / f64::from(per_sec));
            match r.check(at) {
                Verdict::Admit => ok += 1,
                Verdict::Drop => dropped += 1,
                Verdict::Flood => flood += 1,
            }
        }
        (ok, dropped, flood)
    }

    #[test]
    fn a_client_at_the_tick_rate_loses_nothing() {
        let (mut r, now) = limiter(120.0, 32, 3.0);
        assert_eq!(run(&mut r, now, 60, 30), (1800, 0, 0));
    }

    #[test]
    fn a_burst_passes_then_the_excess_is_dropped() {
        let (mut r, now) = limiter(120.0, 32, 3.0);
        let verdicts: Vec<Verdict> = (0..40).map(|_| r.check(now)).collect();
        assert!(verdicts[..32].iter().all(|v| *v == Verdict::Admit));
        assert!(verdicts[32..].iter().all(|v| *v == Verdict::Drop));
    }

    #[test]
    fn sending_under_twice_the_rate_drops_the_excess_but_never_closes() {
        let (mut r, now) = limiter(120.0, 32, 3.0);
        let (ok, dropped, flood) = run(&mut r, now, 200, 60);
        assert_eq!(flood, 0);
        assert!(dropped > 0);
        // About the rate gets through (burst aside).
        assert!((ok as f64 - 120.0 * 60.0).abs() <= 40.0, "{ok}");
    }

    #[test]
    fn a_sustained_flood_is_told_apart() {
        let (mut r, now) = limiter(120.0, 32, 3.0);
        let (_, _, flood) = run(&mut r, now, 360, 2);
        assert_eq!(
            flood, 0,
            "two seconds at three times the rate are tolerated"
        );
        let (mut r, now) = limiter(120.0, 32, 3.0);
        let (_, _, flood) = run(&mut r, now, 360, 5);
        assert!(flood > 0, "five seconds are not");
        let (mut r, now) = limiter(120.0, 32, 3.0);
        let (_, _, flood) = run(&mut r, now, 10_000, 1);
        assert!(flood > 0, "a hard flood is closed within a second");
    }

    #[test]
    fn limits_validate() {
        assert!(InputLimits::default().validate().is_ok());
        let bad = InputLimits {
            rate_per_sec: Some(0.0),
            ..InputLimits::default()
        };
        assert!(bad.validate().is_err());
        assert_eq!(InputLimits::default().rate(60), 120.0);
    }
}
