//! Shared by the cluster spectator tests (with `cluster_common` and `sse_common`):
//! two nodes, a room on the first and a viewer of it on each.

#![allow(dead_code)]

use super::cluster_common::node;
use super::sse_common::{Spectator, events_path, room};
use std::path::Path;
use tickcast_tests::redis::RedisServer;
use tickcast_tests::server::TestServer;

/// Node `n1` owning a room, node `n2`, and a viewer of the room on each.
pub struct TwoViewers {
    pub n1: TestServer,
    pub n2: TestServer,
    /// The room's events path.
    pub path: String,
    /// The viewer on the owner.
    pub steady: Spectator,
    /// The viewer on the other node (its mirror).
    pub remote: Spectator,
}

impl TwoViewers {
    /// Nodes `n1` and `n2` on `redis` with their extra flags, a room of `npcs` on
    /// `n1`, and a viewer connected to it on each node.
    pub async fn start(
        redis: &RedisServer,
        n1_flags: &[&str],
        n2_flags: &[&str],
        npcs: u32,
    ) -> TwoViewers {
        let n1 = node(redis, "n1", n1_flags).await;
        let n2 = node(redis, "n2", n2_flags).await;
        let path = events_path(&room(&n1, npcs).await);
        let steady = Spectator::connect(&n1, &path, None).await;
        let remote = Spectator::connect(&n2, &path, None).await;
        TwoViewers {
            n1,
            n2,
            path,
            steady,
            remote,
        }
    }

    /// [`TwoViewers::start`] with a config file for each node.
    pub async fn with_configs(
        redis: &RedisServer,
        n1_config: &Path,
        n2_config: &Path,
        npcs: u32,
    ) -> TwoViewers {
        let n1_config = n1_config.to_str().expect("n1 config path");
        let n2_config = n2_config.to_str().expect("n2 config path");
        TwoViewers::start(
            redis,
            &["--config", n1_config],
            &["--config", n2_config],
            npcs,
        )
        .await
    }
}
