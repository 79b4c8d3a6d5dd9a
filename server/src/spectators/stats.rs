//! Spectator counters for `/metrics` (one block, rendered by [`crate::metrics`]).

use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};

/// Process-wide spectator counters (live feeds and replay playbacks).
#[derive(Debug, Default)]
pub struct SpectatorStats {
    /// Viewers dropped because they accepted no bytes for `write_timeout_secs`.
    pub write_timeouts: AtomicU64,
    /// Catch-up keyframes sent to viewers that fell behind.
    pub catchup_keyframes: AtomicU64,
    /// Streams that could not resume after the client's id and restarted.
    pub resets: AtomicU64,
    /// Streams resumed exactly after the client's id.
    pub resumes: AtomicU64,
}

impl SpectatorStats {
    pub fn inc(counter: &AtomicU64) {
        counter.fetch_add(1, Ordering::Relaxed);
    }

    /// Append the counters as Prometheus text.
    pub fn render(&self, out: &mut String) {
        let rows = [
            (
                "tickcast_spectator_write_timeouts_total",
                "Spectator and replay streams dropped for accepting no bytes.",
                &self.write_timeouts,
            ),
            (
                "tickcast_spectator_catchup_keyframes_total",
                "Catch-up keyframes sent to spectators that fell behind.",
                &self.catchup_keyframes,
            ),
            (
                "tickcast_spectator_resets_total",
                "Spectator streams that could not resume and restarted with a keyframe.",
                &self.resets,
            ),
            (
                "tickcast_spectator_resumes_total",
                "Spectator streams resumed exactly after the client's Last-Event-ID.",
                &self.resumes,
            ),
        ];
        for (name, help, value) in rows {
            let v = value.load(Ordering::Relaxed);
            let _ = writeln!(
                out,
                "# HELP {name} {help}\n# TYPE {name} counter\n{name} {v}"
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn render_names_every_counter() {
        let stats = SpectatorStats::default();
        SpectatorStats::inc(&stats.write_timeouts);
        let mut out = String::new();
        stats.render(&mut out);
        assert!(
            out.contains("tickcast_spectator_write_timeouts_total 1\n"),
            "{out}"
        );
        assert!(out.contains("tickcast_spectator_resets_total 0\n"));
    }
}
