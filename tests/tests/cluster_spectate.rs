//! Spectate anywhere, against real binaries and a real redis-server: a room of
//! node n1 is watched from n2 through Redis; a viewer that drops from n1 resumes on
//! n2 with `Last-Event-ID` and rebuilds exactly the world of a viewer that never
//! left; when n1 is killed, n2's viewers get `end`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod cluster_common;
mod cluster_viewers;
mod sse_common;

use cluster_viewers::TwoViewers;
use sse_common::{ITEM_WAIT, Spectator};
use tickcast_shared::sim::spectate::{ArenaEvent, BinaryState};
use tickcast_shared::spectate::{EventId, SseEvent};
use tickcast_tests::http::get_text;
use tickcast_tests::redis::RedisServer;
use tickcast_tests::sse::{SseClient, SseItem};

#[tokio::test]
async fn a_viewer_moves_from_the_owner_to_another_node_without_a_gap() {
    let redis = RedisServer::start().await;
    let TwoViewers {
        n1,
        n2,
        path,
        mut steady,
        mut remote,
    } = TwoViewers::start(&redis, &[], &[], 20).await;
    // A remote viewer on n2 sees the same match as a viewer on the owner.
    remote.frames(5).await;
    assert_eq!(remote.state.entities.len(), 20);

    // The binary format crosses Redis too: n2's mirror serves the owner's binary
    // frames (base64 deltas), with the same ids, and they rebuild the room.
    let mut bin = SseClient::connect(n2.addr, &format!("{path}?format=binary"), None)
        .await
        .unwrap();
    assert_eq!(bin.status, 200);
    let mut state = BinaryState::default();
    let mut deltas = 0;
    while deltas < 5 {
        match bin.next_within(ITEM_WAIT).await {
            Some(SseItem::Event { event, id, data }) if event != "game" => {
                state.apply(&event, &data).unwrap();
                if event == "delta" {
                    assert!(!data.starts_with('{'), "a binary delta is base64: {data}");
                    deltas += 1;
                }
                let tick = state.snapshot.as_ref().unwrap().tick;
                let id = EventId(id.unwrap().parse().unwrap());
                assert_eq!(id, EventId::frame(tick), "{event}");
            }
            Some(_) => {}
            None => panic!("binary stream ended"),
        }
    }
    assert_eq!(state.snapshot.unwrap().entities.len(), 20);
    drop(bin);

    // A viewer drops from n1 and comes back on n2 with its Last-Event-ID.
    let mut dropping = Spectator::connect(&n1, &path, None).await;
    dropping.frames(5).await;
    let (_, last_id) = dropping.seen.last().cloned().unwrap();
    let kept_state = dropping.state.clone();
    drop(dropping);
    steady.until_tick(EventId(last_id).tick().0 + 30).await;
    let mut resumed = Spectator::connect(&n2, &path, Some(&last_id.to_string())).await;
    resumed.state = kept_state;
    let first = loop {
        if let Some(ev) = resumed.step().await {
            break ev;
        }
    };
    // The owner's and the mirror's ids are the same: the resume on n2 starts at
    // exactly the event the steady viewer on n1 got next after `last_id`.
    let next = steady
        .seen
        .iter()
        .map(|(_, id)| *id)
        .find(|&id| id > last_id)
        .unwrap();
    assert_eq!(
        first.id(),
        Some(EventId(next)),
        "resume starts right after the id, got {} of tick {}",
        first.name(),
        first.tick().0
    );
    assert!(
        !matches!(first, ArenaEvent::Keyframe(_)),
        "resumed from the history in Redis, not restarted with a keyframe"
    );
    let target = steady
        .state
        .tick
        .unwrap()
        .0
        .max(resumed.state.tick.unwrap().0)
        + 30;
    resumed.until_tick(target).await;
    steady.until_tick(resumed.state.tick.unwrap().0).await;
    resumed.until_tick(steady.state.tick.unwrap().0).await;
    assert_eq!(resumed.state, steady.state, "no gap, no duplicate");

    // n2 subscribed once for its two viewers; n1 counts its own viewer and the
    // subscription it holds for n2.
    let (_, metrics) = get_text(n1.addr, "/metrics").await;
    assert!(metrics.contains("tickcast_cluster_spectator_events_dropped_total 0\n"));

    // The owner dies: viewers on n2 get `end`.
    n1.stop().await;
    for viewer in [&mut remote, &mut resumed] {
        loop {
            if let Some(ArenaEvent::End(end)) = viewer.step().await {
                assert!(end.reason.contains("gone"), "{}", end.reason);
                break;
            }
        }
    }
}

/// Frame ids a viewer received in `from..=to`.
fn frame_ids(s: &Spectator, from: u64, to: u64) -> Vec<u64> {
    s.seen
        .iter()
        .filter(|(name, id)| (name == "delta" || name == "keyframe") && (from..=to).contains(id))
        .map(|(_, id)| *id)
        .collect()
}

#[tokio::test]
async fn a_remote_viewer_continues_exactly_across_a_redis_restart() {
    let mut redis = RedisServer::start().await;
    let TwoViewers {
        n1: _n1,
        n2: _n2,
        path: _,
        mut steady,
        mut remote,
    } = TwoViewers::start(&redis, &[], &[], 10).await;
    remote.frames(5).await;
    let before = remote.last_id().unwrap();

    // Redis goes away and comes back empty: n2's subscription drops, the mirror
    // subscribes again and re-seeds from the stream the owner writes again.
    redis.restart().await;
    let target = remote.state.tick.unwrap().0 + 180;
    remote.until_tick(target).await;
    steady.until_tick(remote.state.tick.unwrap().0).await;
    remote.until_tick(steady.state.tick.unwrap().0).await;
    assert_eq!(remote.state, steady.state, "the same world on both nodes");
    assert!(
        remote
            .seen
            .iter()
            .all(|(name, _)| name != "end" && name != "reset"),
        "the remote stream went on: {:?}",
        remote.seen.iter().rev().take(3).collect::<Vec<_>>()
    );
    // No gap and no duplicate: across the restart the remote viewer got exactly
    // the frames the viewer on the owner got.
    let after = remote.last_id().unwrap();
    let from = before.max(steady.seen.first().unwrap().1);
    assert_eq!(
        frame_ids(&remote, from, after),
        frame_ids(&steady, from, after)
    );
    assert!(frame_ids(&remote, from, after).len() >= 18);
}

/// A config file with `body` in a fresh temporary directory.
fn config(tag: &str, body: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("tickcast-{tag}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("tickcast.toml");
    std::fs::write(&path, body).unwrap();
    path
}

/// `tickcast_spectator_catchup_keyframes_total` of a node.
async fn catchups(server: &tickcast_tests::server::TestServer) -> u64 {
    let (_, metrics) = get_text(server.addr, "/metrics").await;
    metrics
        .lines()
        .find_map(|l| l.strip_prefix("tickcast_spectator_catchup_keyframes_total "))
        .and_then(|v| v.parse().ok())
        .unwrap()
}

#[tokio::test]
async fn a_lagging_viewer_on_another_node_gets_a_catchup_keyframe() {
    let mut redis = RedisServer::start().await;
    // No scheduled keyframe during the test (only a catch-up can bring a lagging
    // viewer back), and n2's channel holds 4 events.
    let owner_cfg = config("catchup-n1", "[spectators]\nkeyframe_secs = 600\n");
    let mirror_cfg = config("catchup-n2", "[spectators]\nlag_events = 4\n");
    let TwoViewers {
        n1,
        n2,
        path: _,
        mut steady,
        mut remote,
    } = TwoViewers::with_configs(&redis, &owner_cfg, &mirror_cfg, 20).await;
    remote.frames(3).await;
    assert_eq!(catchups(&n2).await, 0);
    // Redis is away for 10 frames: the owner keeps them and writes them once Redis
    // is back; n2's mirror re-seeds them from the stream all at once, more than its
    // channel holds, so its viewer falls behind and asks for a catch-up.
    redis.stop().await;
    steady.frames(10).await;
    redis.restart().await;
    let keyframes = |s: &Spectator| s.seen.iter().filter(|(n, _)| n == "keyframe").count();
    while keyframes(&remote) < 2 {
        remote.step().await;
    }
    // n2 rendered it (n1 had no lagging viewer), and it rebuilds the same room.
    assert_eq!(catchups(&n2).await, 1);
    assert_eq!(catchups(&n1).await, 0);
    remote.frames(3).await;
    steady.until_tick(remote.state.tick.unwrap().0).await;
    remote.until_tick(steady.state.tick.unwrap().0).await;
    assert_eq!(remote.state, steady.state);
}
