//! Cluster settings: config file section `[cluster]`, plus `--redis`, `--node-id`,
//! `--public-url` and `--drain-secs`.

use serde::{Deserialize, Serialize};

/// Cluster settings (config file section `[cluster]`; every field optional).
/// Without `redis` the server runs alone with its in-process directory.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ClusterConfig {
    /// Redis URL (`redis://127.0.0.1:6379`); turns cluster mode on. Default none.
    pub redis: Option<String>,
    /// This node's name in the cluster. Default: random, printed at start.
    pub node_id: Option<String>,
    /// The URL clients use to reach this node. Default `http://<bound http addr>`.
    pub public_url: Option<String>,
    /// A node that has not refreshed its heartbeat for this long is gone, ms.
    /// The heartbeat is refreshed every quarter of it. Default 3000.
    pub node_ttl_ms: u64,
    /// Longest wait for one Redis answer (or connection attempt), ms. Default 1000.
    pub redis_timeout_ms: u64,
    /// Prefix of every Redis key this cluster uses. Default `tickcast`.
    pub key_prefix: String,
    /// After a Redis call timed out or lost its connection, lobby calls are refused
    /// at once (503) and Redis is pinged every this many ms until it answers.
    /// Default 250.
    pub redis_probe_ms: u64,
    /// After SIGTERM a clustered node leaves placement at once and lets running
    /// matches go on for this many seconds before it closes them. Default 0.
    pub drain_secs: f64,
}

impl Default for ClusterConfig {
    fn default() -> Self {
        ClusterConfig {
            redis: None,
            node_id: None,
            public_url: None,
            node_ttl_ms: 3000,
            redis_timeout_ms: 1000,
            key_prefix: "tickcast".to_owned(),
            redis_probe_ms: 250,
            drain_secs: 0.0,
        }
    }
}

impl ClusterConfig {
    /// Reject values the cluster cannot run with.
    pub fn validate(&self) -> Result<(), String> {
        if !(200..=600_000).contains(&self.node_ttl_ms) {
            return Err("cluster: node_ttl_ms must be 200..=600000".into());
        }
        if !(10..=60_000).contains(&self.redis_timeout_ms) {
            return Err("cluster: redis_timeout_ms must be 10..=60000".into());
        }
        if !(10..=60_000).contains(&self.redis_probe_ms) {
            return Err("cluster: redis_probe_ms must be 10..=60000".into());
        }
        if !self.drain_secs.is_finite() || !(0.0..=86_400.0).contains(&self.drain_secs) {
            return Err("cluster: drain_secs must be 0..=86400".into());
        }
        let name_ok = |s: &str| {
            !s.is_empty()
                && s.len() <= 64
                && s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        };
        if let Some(id) = &self.node_id {
            if !name_ok(id) {
                return Err("cluster: node_id must be 1..=64 of [A-Za-z0-9._-]".into());
            }
        }
        if !name_ok(&self.key_prefix) {
            return Err("cluster: key_prefix must be 1..=64 of [A-Za-z0-9._-]".into());
        }
        if let Some(url) = &self.public_url {
            if !(url.starts_with("http://") || url.starts_with("https://")) {
                return Err("cluster: public_url must start with http:// or https://".into());
            }
        }
        Ok(())
    }

    /// The heartbeat period: a quarter of the TTL (at least 3 refreshes per TTL).
    pub fn heartbeat_ms(&self) -> u64 {
        (self.node_ttl_ms / 4).max(1)
    }

    /// How long Redis must have answered after an outage before a record missing
    /// from it counts as gone: every live node has re-registered by then (two
    /// TTLs, plus one slow answer).
    pub fn settle_ms(&self) -> u64 {
        self.node_ttl_ms
            .saturating_mul(2)
            .saturating_add(self.redis_timeout_ms)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid_and_refresh_often_enough() {
        let c = ClusterConfig::default();
        assert_eq!(c.validate(), Ok(()));
        assert!(c.heartbeat_ms() * 3 <= c.node_ttl_ms);
        assert!(c.redis.is_none());
    }

    #[test]
    fn bad_values_are_refused() {
        let bad = [
            ClusterConfig {
                node_ttl_ms: 10,
                ..ClusterConfig::default()
            },
            ClusterConfig {
                node_id: Some("a b".into()),
                ..ClusterConfig::default()
            },
            ClusterConfig {
                public_url: Some("ftp://x".into()),
                ..ClusterConfig::default()
            },
            ClusterConfig {
                drain_secs: f64::NAN,
                ..ClusterConfig::default()
            },
        ];
        for c in bad {
            assert!(c.validate().is_err(), "{c:?}");
        }
    }
}
