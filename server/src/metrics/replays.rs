//! The series of recordings: files refused as out of bounds, downloads (open,
//! refused per address, cut for not being read), recordings stopped by a write
//! error, and retention's removals.

use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;

/// The replay series, registered as one block.
#[derive(Debug, Clone)]
pub struct ReplayMetrics {
    /// Recordings refused when served: unreadable or out-of-bounds header.
    pub unreadable: Counter,
    /// Playbacks refused: the recorded game is not on this server, or is another
    /// build of it.
    pub unplayable: Counter,
    /// Downloads (`GET /api/replays/{id}`) being sent.
    pub downloads: Gauge,
    /// Downloads refused: the address had `max_downloads_per_ip` open.
    pub downloads_refused: Counter,
    /// Downloads ended for taking no bytes for `download_timeout_secs`.
    pub download_timeouts: Counter,
    /// Recordings stopped by a write error (full disk, file-size limit...).
    pub write_failures: Counter,
    /// Finished recordings removed by `max_files` / `max_bytes`.
    pub pruned: Counter,
    /// Finished recordings removed by the per-address quota.
    pub quota_pruned: Counter,
}

impl Default for ReplayMetrics {
    /// Handles registered nowhere (for stores made outside a server).
    fn default() -> Self {
        ReplayMetrics::register(&mut Registry::default())
    }
}

impl ReplayMetrics {
    pub(super) fn register(r: &mut Registry) -> ReplayMetrics {
        let downloads = Gauge::default();
        r.register(
            "tickcast_replay_downloads",
            "Replay downloads being sent",
            downloads.clone(),
        );
        let mut counter = |name: &str, help: &str| {
            let c = Counter::default();
            r.register(name, help, c.clone());
            c
        };
        ReplayMetrics {
            downloads,
            unreadable: counter(
                "tickcast_replays_unreadable",
                "Replay requests refused: the file's header is unreadable or out of bounds",
            ),
            unplayable: counter(
                "tickcast_replays_unplayable",
                "Replay playbacks refused: the recorded game is not on this server (unknown game) or is another build of it",
            ),
            downloads_refused: counter(
                "tickcast_replay_downloads_refused",
                "Replay downloads refused: the address had max_downloads_per_ip open",
            ),
            download_timeouts: counter(
                "tickcast_replay_download_timeouts",
                "Replay downloads ended for taking no bytes for download_timeout_secs",
            ),
            write_failures: counter(
                "tickcast_replay_write_failures",
                "Recordings stopped by a write error (full disk, file-size limit)",
            ),
            pruned: counter(
                "tickcast_replays_pruned",
                "Finished recordings removed by max_files / max_bytes",
            ),
            quota_pruned: counter(
                "tickcast_replays_quota_pruned",
                "Finished recordings removed by the per-address quota (max_files_per_ip)",
            ),
        }
    }
}
