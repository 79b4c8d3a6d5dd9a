//! How the game feels over this connection, counted by the [`crate::Client`].
//!
//! - **Input delay**: ticks between sending an input and the server applying it. A
//!   snapshot of tick `t` whose `last_input` is `s` (and whose `input_lead` says tick
//!   `t` did consume an input) means `s` was applied at `t`; the server's `t` happened
//!   half a round trip before the snapshot is expected here
//!   ([`crate::server_clock::ServerClock::arrival_of`]), so the delay is that moment
//!   minus the time `s` was sent.
//! - **Corrections**: at each reconciliation, how far the server's own player is from
//!   where the prediction had it after the same input; above
//!   [`CORRECTION_THRESHOLD`] units it counts as a correction.
//! - **Extrapolated frames**: render frames whose render tick has no snapshot at or
//!   after it.
//! - **Snapshots lost**: gaps in the applied snapshots' ticks, in send intervals (on
//!   QUIC: lost datagrams; on either transport: snapshots the server skipped for a slow
//!   reader); **keyframes resent**: keyframes after the first.
//!
//! Samples are kept in bounded rings ([`MAX_SAMPLES`]), the newest kept.

use std::collections::VecDeque;

/// Prediction errors above this many units count as corrections.
pub const CORRECTION_THRESHOLD: f32 = 0.5;
/// Samples kept per measure (the newest).
pub const MAX_SAMPLES: usize = 4096;

/// A bounded ring of samples.
#[derive(Debug, Clone, Default)]
pub struct Samples {
    values: VecDeque<f64>,
}

impl Samples {
    pub fn push(&mut self, v: f64) {
        if self.values.len() >= MAX_SAMPLES {
            self.values.pop_front();
        }
        self.values.push_back(v);
    }

    pub fn len(&self) -> usize {
        self.values.len()
    }

    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = f64> + '_ {
        self.values.iter().copied()
    }

    /// Nearest-rank percentile (`q` in 0..=1).
    pub fn percentile(&self, q: f64) -> Option<f64> {
        let mut sorted: Vec<f64> = self.values.iter().copied().collect();
        sorted.sort_by(f64::total_cmp);
        percentile(&sorted, q)
    }
}

/// Nearest-rank percentile of sorted samples.
pub fn percentile(sorted: &[f64], q: f64) -> Option<f64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = (q * sorted.len() as f64).ceil() as usize;
    sorted.get(rank.clamp(1, sorted.len()) - 1).copied()
}

/// The counts and samples of one client.
#[derive(Debug, Clone, Default)]
pub struct NetStats {
    /// Input delays, ticks.
    pub input_delay_ticks: Samples,
    /// Prediction errors at reconciliation, units.
    pub prediction_errors: Samples,
    /// Reconciliations whose error was above [`CORRECTION_THRESHOLD`].
    pub corrections: u64,
    /// Render frames counted by [`crate::Client::render_frame`].
    pub frames: u64,
    /// Of those, frames without a snapshot at or after the render tick.
    pub extrapolated: u64,
    pub snapshots_lost: u64,
    pub keyframes_resent: u64,
    /// Times the connection was re-established by itself.
    pub reconnects: u64,
}

impl NetStats {
    /// One reconciliation's prediction error.
    pub fn prediction_error(&mut self, units: f32) {
        self.prediction_errors.push(f64::from(units));
        if units > CORRECTION_THRESHOLD {
            self.corrections += 1;
        }
    }

    /// One render frame; `extrapolated` when it had no snapshot to interpolate to.
    pub fn frame(&mut self, extrapolated: bool) {
        self.frames += 1;
        self.extrapolated += u64::from(extrapolated);
    }

    /// An applied snapshot of `tick` after `previous`, `interval` ticks apart when
    /// none is missing.
    pub fn snapshot_gap(&mut self, previous: Option<u32>, tick: u32, interval: u32) {
        if let Some(prev) = previous {
            let steps = tick.saturating_sub(prev) / interval.max(1);
            self.snapshots_lost += u64::from(steps.saturating_sub(1));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn samples_are_bounded_and_percentiles_use_nearest_rank() {
        let mut s = Samples::default();
        for v in 1..=100 {
            s.push(f64::from(v));
        }
        assert_eq!(s.percentile(0.5), Some(50.0));
        assert_eq!(s.percentile(0.99), Some(99.0));
        for v in 0..MAX_SAMPLES {
            s.push(v as f64);
        }
        assert_eq!(s.len(), MAX_SAMPLES);
        assert_eq!(s.iter().next(), Some(0.0), "the oldest went first");
        assert_eq!(percentile(&[], 0.5), None);
        assert_eq!(percentile(&[3.0], 0.99), Some(3.0));
    }

    #[test]
    fn corrections_frames_and_gaps_are_counted() {
        let mut n = NetStats::default();
        n.prediction_error(0.1);
        n.prediction_error(0.7);
        assert_eq!((n.corrections, n.prediction_errors.len()), (1, 2));
        n.frame(false);
        n.frame(true);
        assert_eq!((n.frames, n.extrapolated), (2, 1));
        n.snapshot_gap(None, 3, 3);
        n.snapshot_gap(Some(3), 6, 3);
        n.snapshot_gap(Some(6), 15, 3);
        assert_eq!(n.snapshots_lost, 2);
    }
}
