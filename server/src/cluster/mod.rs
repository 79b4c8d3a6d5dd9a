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
//! - [`heartbeat`]: the node's heartbeat task (registers the node and its rooms,
//!   starts rooms placed on it, survives a Redis outage and re-registers).
//! - [`directory`]: the interface the HTTP layer uses, with both implementations.

pub mod config;
pub mod directory;
pub mod heartbeat;
pub mod records;
pub mod redis_dir;
pub mod scripts;

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
}

impl ClusterStats {
    /// Prometheus text of the counters.
    pub fn render(&self, out: &mut String) {
        let rows = [
            (
                "tickcast_cluster_redis_errors_total",
                "Redis calls that failed",
                &self.redis_errors,
            ),
            (
                "tickcast_cluster_unavailable_total",
                "Lobby calls answered 503 while Redis was unavailable",
                &self.unavailable,
            ),
            (
                "tickcast_cluster_wrong_node_tickets_total",
                "Tickets refused because they belong to another node",
                &self.wrong_node_tickets,
            ),
            (
                "tickcast_cluster_heartbeats_total",
                "Node heartbeats written to Redis",
                &self.heartbeats,
            ),
            (
                "tickcast_cluster_placed_rooms_total",
                "Rooms started here after matchmaking placed them here",
                &self.placed_rooms,
            ),
        ];
        for (name, help, value) in rows {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} counter");
            let _ = writeln!(out, "{name} {}", value.load(Ordering::Relaxed));
        }
    }
}
