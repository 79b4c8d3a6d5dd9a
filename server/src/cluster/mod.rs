//! Cluster mode: many nodes, one lobby, on Redis.
//!
//! This module owns everything that talks to Redis. The HTTP handlers and the
//! player transports talk to a [`Directory`]: the in-process lobby when the server
//! runs alone (the embedded default, nothing to configure), or the lobby plus the
//! [`RedisDirectory`] when `--redis URL` is given. Rooms and transports never learn
//! which one is in use.
//!
//! - [`config`]: `[cluster]` settings.
//! - [`records`]: the node, room and ticket records kept in Redis.
//! - [`scripts`]: the Lua scripts (matchmaking, joins, tickets, heartbeats), each
//!   atomic on the Redis server.
//! - [`redis_dir`]: the Redis directory: connection, scripts, answers.
//! - [`breaker`]: Redis marked unavailable after a timeout (lobby calls fail
//!   fast), probed until it answers; the directory settles after an outage.
//! - [`heartbeat`]: the node's heartbeat task (registers the node and its rooms,
//!   starts rooms placed on it, survives a Redis outage and re-registers).
//! - [`directory`]: the interface the HTTP layer uses, with both implementations.
//! - [`replays`]: every node's recordings listed anywhere, fetched from the owner.
//! - [`room_budget`]: an address's live rooms counted over every node.
//! - [`spec`]: spectate anywhere (events published once to Redis, mirrored per room).

pub mod breaker;
pub mod config;
pub mod directory;
pub mod heartbeat;
pub mod records;
pub mod redis_dir;
pub mod replays;
pub mod room_budget;
pub mod scripts;
pub mod spec;
pub mod spec_redis;

pub use config::ClusterConfig;
pub use directory::{Directory, DirectoryError};
pub use redis_dir::RedisDirectory;

use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};

/// Cluster counters, rendered into `/metrics`.
#[derive(Debug, Default)]
pub struct ClusterStats {
    /// Redis calls that failed (unreachable, timed out, bad reply).
    pub redis_errors: AtomicU64,
    /// Lobby calls answered 503 because Redis was unavailable.
    pub unavailable: AtomicU64,
    /// Tickets refused at this node because they belong to another node.
    pub wrong_node_tickets: AtomicU64,
    /// Heartbeats written.
    pub heartbeats: AtomicU64,
    /// Rooms started here because matchmaking on some node placed them here.
    pub placed_rooms: AtomicU64,
    /// Spectator events not handed to Redis because the publisher queue was full.
    pub spec_dropped: AtomicU64,
    /// Calls refused at once (503) while Redis was marked unavailable.
    pub fast_fails: AtomicU64,
    /// Spectator streams of remote rooms answered 503 (the directory could not say).
    pub spec_unavailable: AtomicU64,
    /// Breaks in a mirror's feed (frames it never got): resumes across one restart.
    pub spec_gaps: AtomicU64,
    /// Times a mirror kept its viewers although the owner's records were missing,
    /// because Redis had only just come back.
    pub spec_gone_deferred: AtomicU64,
}

impl ClusterStats {
    /// Add the counters to OpenMetrics text `out` (before its closing `# EOF`).
    pub fn render(&self, out: &mut String) {
        let eof = out.ends_with("# EOF\n");
        if eof {
            out.truncate(out.len() - "# EOF\n".len());
        }
        let rows = [
            (
                "tickcast_cluster_redis_errors",
                "Redis calls that failed",
                &self.redis_errors,
            ),
            (
                "tickcast_cluster_unavailable",
                "Lobby calls answered 503 while Redis was unavailable",
                &self.unavailable,
            ),
            (
                "tickcast_cluster_wrong_node_tickets",
                "Tickets refused because they belong to another node",
                &self.wrong_node_tickets,
            ),
            (
                "tickcast_cluster_heartbeats",
                "Node heartbeats written to Redis",
                &self.heartbeats,
            ),
            (
                "tickcast_cluster_placed_rooms",
                "Rooms started here after matchmaking placed them here",
                &self.placed_rooms,
            ),
            (
                "tickcast_cluster_spectator_events_dropped",
                "Spectator events not published to Redis (publisher queue full)",
                &self.spec_dropped,
            ),
            (
                "tickcast_cluster_redis_fast_fails",
                "Calls refused at once while Redis was marked unavailable",
                &self.fast_fails,
            ),
            (
                "tickcast_cluster_spectator_unavailable",
                "Remote rooms' spectator streams answered 503 while Redis could not say",
                &self.spec_unavailable,
            ),
            (
                "tickcast_cluster_spectator_feed_gaps",
                "Breaks in a mirror's feed (resumes across one restart with a reset)",
                &self.spec_gaps,
            ),
            (
                "tickcast_cluster_spectator_gone_deferred",
                "Mirror checks that found the owner missing right after a Redis outage",
                &self.spec_gone_deferred,
            ),
        ];
        for (name, help, value) in rows {
            let _ = writeln!(out, "# HELP {name} {help}.\n# TYPE {name} counter");
            let _ = writeln!(out, "{name}_total {}", value.load(Ordering::Relaxed));
        }
        if eof {
            out.push_str("# EOF\n");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counters_go_before_the_openmetrics_end() {
        let stats = ClusterStats::default();
        stats.unavailable.fetch_add(2, Ordering::Relaxed);
        let mut text = "# TYPE a counter\na_total 1\n# EOF\n".to_owned();
        stats.render(&mut text);
        assert!(text.ends_with("\n# EOF\n"));
        assert_eq!(text.matches("# EOF").count(), 1);
        assert!(text.contains("\ntickcast_cluster_unavailable_total 2\n"));
        assert!(text.contains("# TYPE tickcast_cluster_unavailable counter\n"));
    }
}
