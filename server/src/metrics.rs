//! Process-wide counters and the tick-time histogram, rendered as Prometheus text at
//! `GET /metrics`.
//!
//! Everything is an atomic, so rooms record without locks on the tick path. Tick
//! durations go into fixed logarithmic buckets (4 per power of two, from 1 µs), from
//! which the exposition derives the 0.5 / 0.99 / 1 (max) quantiles of the whole run.

use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Buckets per power of two.
const SUB: u32 = 4;
/// Number of buckets: 1 µs .. ~2^24 µs (16 s) and an overflow bucket.
const BUCKETS: usize = (24 * SUB + 1) as usize;

/// A lock-free histogram of durations with logarithmic buckets.
pub struct Histogram {
    buckets: Vec<AtomicU64>,
    count: AtomicU64,
    sum_ns: AtomicU64,
    max_ns: AtomicU64,
}

impl Default for Histogram {
    fn default() -> Self {
        Histogram {
            buckets: (0..BUCKETS).map(|_| AtomicU64::new(0)).collect(),
            count: AtomicU64::new(0),
            sum_ns: AtomicU64::new(0),
            max_ns: AtomicU64::new(0),
        }
    }
}

fn bucket_of(us: f64) -> usize {
    if us <= 1.0 {
        return 0;
    }
    let idx = (us.log2() * SUB as f64).ceil() as usize;
    idx.min(BUCKETS - 1)
}

/// Upper bound of bucket `i`, in seconds.
fn bucket_upper_secs(i: usize) -> f64 {
    2f64.powf(i as f64 / SUB as f64) / 1e6
}

impl Histogram {
    pub fn record(&self, d: Duration) {
        let ns = u64::try_from(d.as_nanos()).unwrap_or(u64::MAX);
        if let Some(b) = self.buckets.get(bucket_of(ns as f64 / 1000.0)) {
            b.fetch_add(1, Ordering::Relaxed);
        }
        self.count.fetch_add(1, Ordering::Relaxed);
        self.sum_ns.fetch_add(ns, Ordering::Relaxed);
        self.max_ns.fetch_max(ns, Ordering::Relaxed);
    }

    pub fn count(&self) -> u64 {
        self.count.load(Ordering::Relaxed)
    }

    /// The `q` quantile in seconds (bucket upper bound, capped at the max seen).
    pub fn quantile(&self, q: f64) -> f64 {
        let max = self.max_ns.load(Ordering::Relaxed) as f64 / 1e9;
        let total = self.count();
        if total == 0 {
            return 0.0;
        }
        if q >= 1.0 {
            return max;
        }
        let rank = ((q * total as f64).ceil() as u64).max(1);
        let mut seen = 0;
        for (i, b) in self.buckets.iter().enumerate() {
            seen += b.load(Ordering::Relaxed);
            if seen >= rank {
                return bucket_upper_secs(i).min(max);
            }
        }
        max
    }

    fn sum_secs(&self) -> f64 {
        self.sum_ns.load(Ordering::Relaxed) as f64 / 1e9
    }

    /// Append this histogram as a Prometheus summary (quantiles 0.5, 0.99, 1).
    fn render(&self, out: &mut String, name: &str, help: &str) {
        let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} summary");
        for (label, q) in [("0.5", 0.5), ("0.99", 0.99), ("1", 1.0)] {
            let _ = writeln!(
                out,
                "{name}{{quantile=\"{label}\"}} {:.9}",
                self.quantile(q)
            );
        }
        let _ = writeln!(out, "{name}_sum {:.9}", self.sum_secs());
        let _ = writeln!(out, "{name}_count {}", self.count());
    }
}

/// All server metrics.
#[derive(Default)]
pub struct Metrics {
    pub tick_duration: Histogram,
    /// Round-trip times measured by the server's WebSocket pings.
    pub rtt: Histogram,
    pub ticks_skipped: AtomicU64,
    pub bytes_sent: AtomicU64,
    pub snapshots_sent: AtomicU64,
    pub keyframes_sent: AtomicU64,
    pub inputs_dropped: AtomicU64,
    pub frames_rejected: AtomicU64,
    pub sessions: AtomicU64,
    pub rooms: AtomicU64,
    pub players: AtomicU64,
    /// Spectator streams (write timeouts, catch-ups, resumes).
    pub spectator: crate::spectators::SpectatorStats,
}

impl Metrics {
    pub fn add(counter: &AtomicU64, n: u64) {
        counter.fetch_add(n, Ordering::Relaxed);
    }

    /// Prometheus text exposition; `spectators` comes from the spectator counter.
    pub fn render(&self, spectators: usize) -> String {
        let mut out = String::with_capacity(2048);
        self.tick_duration.render(
            &mut out,
            "tickcast_tick_duration_seconds",
            "Time one room spends on one tick.",
        );
        self.rtt.render(
            &mut out,
            "tickcast_rtt_seconds",
            "Round-trip time of server pings to players.",
        );
        let counters: [(&str, &str, &str, u64); 9] = [
            (
                "tickcast_ticks_skipped_total",
                "counter",
                "Ticks skipped because a room ran late.",
                load(&self.ticks_skipped),
            ),
            (
                "tickcast_bytes_sent_total",
                "counter",
                "Bytes of snapshots and messages written to players.",
                load(&self.bytes_sent),
            ),
            (
                "tickcast_snapshots_sent_total",
                "counter",
                "Snapshots handed to player outboxes.",
                load(&self.snapshots_sent),
            ),
            (
                "tickcast_keyframes_sent_total",
                "counter",
                "Snapshots sent as keyframes.",
                load(&self.keyframes_sent),
            ),
            (
                "tickcast_inputs_dropped_total",
                "counter",
                "Inputs dropped (late, duplicate or flooding).",
                load(&self.inputs_dropped),
            ),
            (
                "tickcast_frames_rejected_total",
                "counter",
                "Client frames that closed their connection.",
                load(&self.frames_rejected),
            ),
            (
                "tickcast_sessions",
                "gauge",
                "Open player connections.",
                load(&self.sessions),
            ),
            (
                "tickcast_rooms",
                "gauge",
                "Rooms in the directory.",
                load(&self.rooms),
            ),
            (
                "tickcast_players",
                "gauge",
                "Players seated in rooms.",
                load(&self.players),
            ),
        ];
        for (name, kind, help, value) in counters {
            let _ = writeln!(
                out,
                "# HELP {name} {help}\n# TYPE {name} {kind}\n{name} {value}"
            );
        }
        let _ = writeln!(
            out,
            "# HELP tickcast_spectators Open spectator streams.\n# TYPE tickcast_spectators gauge\ntickcast_spectators {spectators}"
        );
        self.spectator.render(&mut out);
        out
    }
}

fn load(a: &AtomicU64) -> u64 {
    a.load(Ordering::Relaxed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_follow_the_recorded_values() {
        let h = Histogram::default();
        for us in 1..=100u64 {
            h.record(Duration::from_micros(us * 10));
        }
        let p50 = h.quantile(0.5);
        assert!((0.0005..=0.0006).contains(&p50), "p50 {p50}");
        assert!((h.quantile(1.0) - 0.001).abs() < 1e-9);
        assert!(h.quantile(0.99) <= 0.001 && h.quantile(0.99) >= 0.00084);
        assert_eq!(h.count(), 100);
    }

    #[test]
    fn render_names_every_metric() {
        let m = Metrics::default();
        m.tick_duration.record(Duration::from_micros(50));
        let text = m.render(3);
        for name in [
            "tickcast_tick_duration_seconds{quantile=\"0.99\"}",
            "tickcast_ticks_skipped_total 0",
            "tickcast_bytes_sent_total",
            "tickcast_sessions 0",
            "tickcast_spectators 3",
        ] {
            assert!(text.contains(name), "missing {name} in\n{text}");
        }
    }
}
