//! The server's tick, as this client sees it.
//!
//! [`ServerClock`] maps server ticks to local arrival times: every snapshot of tick
//! `t` that arrives at local time `a` is one sample of `a - t * dt`; the clock keeps a
//! smoothed mean of those samples (so one late snapshot does not move it much) and how
//! much they jitter. From that it answers:
//!
//! - [`ServerClock::arrival_of`]: when the snapshot of a tick is expected here;
//! - [`ServerClock::render_tick`]: the (fractional) tick to draw at a moment, an
//!   interpolation delay behind the newest expected one. The delay is two send
//!   intervals (one lost snapshot still leaves two to interpolate between) plus twice
//!   the measured jitter, at least [`MIN_INTERP_DELAY`];
//! - [`ServerClock::extrapolating`]: whether a frame drawn then has no snapshot at or
//!   after its render tick, i.e. it would have to extrapolate.
//!
//! The server's tick is also the input timeline's reference: an input stamped with the
//! render tick tells the server which world the player was looking at.

use std::time::Duration;
use tokio::time::Instant;

/// Smallest interpolation delay.
pub const MIN_INTERP_DELAY: Duration = Duration::from_millis(50);
/// Smoothing of the arrival offset per snapshot.
const OFFSET_ALPHA: f64 = 0.05;
/// Smoothing of the arrival jitter per snapshot.
const JITTER_ALPHA: f64 = 0.05;
/// An offset this far from the estimate restarts it (a stall, a reconnect).
const RESET_AFTER: f64 = 1.0;

/// Server ticks mapped to local time.
#[derive(Debug, Clone)]
pub struct ServerClock {
    dt: f64,
    send_interval: f64,
    base: Instant,
    /// Mean of `arrival - tick * dt`, seconds since `base`.
    offset: Option<f64>,
    /// Mean absolute deviation of the samples from `offset`, seconds.
    jitter: f64,
}

impl ServerClock {
    /// A clock for a server of `tick_rate` ticks and `send_rate` snapshots a second.
    pub fn new(tick_rate: u16, send_rate: u16, now: Instant) -> ServerClock {
        let tick_rate = f64::from(tick_rate.max(1));
        ServerClock {
            dt: 1.0 / tick_rate,
            send_interval: (tick_rate / f64::from(send_rate.max(1))).max(1.0),
            base: now,
            offset: None,
            jitter: 0.0,
        }
    }

    /// The snapshot of `tick` arrived at `now`.
    pub fn observe(&mut self, tick: u32, now: Instant) {
        let sample = self.secs(now) - f64::from(tick) * self.dt;
        match self.offset {
            Some(offset) if (sample - offset).abs() < RESET_AFTER => {
                self.jitter += JITTER_ALPHA * ((sample - offset).abs() - self.jitter);
                self.offset = Some(offset + OFFSET_ALPHA * (sample - offset));
            }
            _ => {
                self.offset = Some(sample);
                self.jitter = 0.0;
            }
        }
    }

    fn secs(&self, at: Instant) -> f64 {
        if at >= self.base {
            (at - self.base).as_secs_f64()
        } else {
            -(self.base - at).as_secs_f64()
        }
    }

    /// Seconds of one tick.
    pub fn tick_secs(&self) -> f64 {
        self.dt
    }

    /// When the snapshot of `tick` is expected to arrive (`None` before any arrived).
    pub fn arrival_of(&self, tick: u32) -> Option<Instant> {
        let at = self.offset? + f64::from(tick) * self.dt;
        Some(if at >= 0.0 {
            self.base + Duration::from_secs_f64(at)
        } else {
            self.base
        })
    }

    /// The tick whose snapshot is expected to arrive at `now` (fractional).
    pub fn newest_tick_at(&self, now: Instant) -> Option<f64> {
        Some((self.secs(now) - self.offset?) / self.dt)
    }

    /// Measured arrival jitter (mean absolute deviation).
    pub fn jitter(&self) -> Duration {
        Duration::from_secs_f64(self.jitter)
    }

    /// How far behind the newest expected tick frames are drawn.
    pub fn interp_delay(&self) -> Duration {
        let secs = 2.0 * self.send_interval * self.dt + 2.0 * self.jitter;
        Duration::from_secs_f64(secs).max(MIN_INTERP_DELAY)
    }

    /// The tick to draw at `now` (fractional; `None` before any snapshot).
    pub fn render_tick(&self, now: Instant) -> Option<f64> {
        let delay = self.interp_delay().as_secs_f64() / self.dt;
        Some((self.newest_tick_at(now)? - delay).max(0.0))
    }

    /// True when a frame drawn at `now` has no snapshot at or after its render tick
    /// (`newest` is the newest applied snapshot's tick), so it must extrapolate.
    pub fn extrapolating(&self, now: Instant, newest: Option<u32>) -> bool {
        match (self.render_tick(now), newest) {
            (Some(render), Some(newest)) => f64::from(newest) < render,
            _ => true,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn steady_arrivals_map_ticks_to_times() {
        let t0 = Instant::now();
        let mut c = ServerClock::new(60, 20, t0);
        assert!(c.arrival_of(3).is_none());
        assert!(c.extrapolating(t0, Some(3)));
        // Tick 3k arrives at 50k ms + 100 ms.
        for k in 0..100u32 {
            c.observe(3 * k, t0 + ms(100) + ms(50) * k);
        }
        let at = c.arrival_of(300).unwrap();
        assert!(at.duration_since(t0 + ms(5100)) < ms(1), "{at:?}");
        assert_eq!(c.jitter(), Duration::ZERO);
        // Two send intervals behind: 100 ms.
        assert_eq!(c.interp_delay(), ms(100));
        let now = t0 + ms(5100);
        let render = c.render_tick(now).unwrap();
        assert!((render - 294.0).abs() < 0.01, "{render}");
        assert!(!c.extrapolating(now, Some(297)));
        assert!(c.extrapolating(now, Some(291)));
    }

    #[test]
    fn jitter_widens_the_interpolation_delay() {
        let t0 = Instant::now();
        let mut c = ServerClock::new(60, 20, t0);
        for k in 0..400u32 {
            let wobble = if k % 2 == 0 { ms(0) } else { ms(40) };
            c.observe(3 * k, t0 + ms(50) * k + wobble);
        }
        assert!(c.jitter() > ms(15), "{:?}", c.jitter());
        assert!(c.interp_delay() > ms(130), "{:?}", c.interp_delay());
    }

    #[test]
    fn a_jump_restarts_the_estimate() {
        let t0 = Instant::now();
        let mut c = ServerClock::new(60, 20, t0);
        c.observe(0, t0);
        c.observe(3, t0 + ms(5050));
        assert!(c.arrival_of(3).unwrap().duration_since(t0 + ms(5050)) < ms(1));
    }
}
