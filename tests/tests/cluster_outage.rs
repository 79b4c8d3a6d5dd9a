//! Spectating anywhere while Redis is away, against real binaries and a real
//! redis-server: a frozen Redis (SIGSTOP) makes a non-owner node answer a live
//! room's stream with `503` and `Retry-After` (never `404`), lobby calls fail fast
//! once a call timed out, a viewer resuming after the freeze is told the truth about
//! the frames the mirror missed, and a Redis restart does not end a remote viewer's
//! stream while the owner plays on.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod cluster_common;
mod cluster_viewers;
mod sse_common;

use cluster_common::ttl_config;
use cluster_viewers::TwoViewers;
use sse_common::{ITEM_WAIT, Spectator};
use std::time::{Duration, Instant};
use tickcast_shared::sim::spectate::ArenaEvent;
use tickcast_shared::spectate::{EventId, SseEvent};
use tickcast_tests::http::{get, get_text};
use tickcast_tests::redis::RedisServer;
use tickcast_tests::server::TestServer;
use tickcast_tests::sse::{SseClient, SseItem};

/// Short node TTL: a freeze or an outage of a few frames outlasts it many times.
const TTL_MS: u64 = 600;

/// A counter of a node's `/metrics`.
async fn counter(server: &TestServer, name: &str) -> u64 {
    let (_, metrics) = get_text(server.addr, "/metrics").await;
    metrics
        .lines()
        .find_map(|l| l.strip_prefix(&format!("{name}_total ")))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| panic!("{name}_total in /metrics"))
}

/// A config file of `body` in a fresh temporary directory.
fn config_file(tag: &str, body: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("tickcast-{tag}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("tickcast.toml");
    std::fs::write(&path, body).unwrap();
    path
}

/// Connect to `path` on `server` with `last_id` until the answer is `200`
/// (a `503` is retried: Redis is catching up; a `404` too when `retry_404`, else
/// it is a test failure).
async fn connect_when_available(
    server: &TestServer,
    path: &str,
    last_id: &str,
    retry_404: bool,
) -> SseClient {
    let give_up = Instant::now() + Duration::from_secs(15);
    loop {
        let mut client = SseClient::connect(server.addr, path, Some(last_id))
            .await
            .unwrap();
        match client.status {
            200 => return client,
            503 => {
                assert!(
                    client.header("retry-after").is_some(),
                    "503 without Retry-After"
                );
                let body = client.body_text().await.unwrap_or_default();
                assert!(body.contains("unavailable"), "{body}");
            }
            404 if retry_404 => {}
            status => panic!(
                "a live room's stream answered {status}: {:?}",
                client.body_text().await
            ),
        }
        assert!(Instant::now() < give_up, "the stream never came back");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn a_frozen_redis_gets_remote_viewers_503_and_lobby_calls_fail_fast() {
    let redis = RedisServer::start().await;
    let config = ttl_config("freeze503", TTL_MS);
    let config = config.to_str().unwrap();
    let TwoViewers {
        n1: _n1,
        n2,
        path,
        mut steady,
        mut remote,
    } = TwoViewers::start(&redis, &["--config", config], &["--config", config], 10).await;
    remote.frames(3).await;
    let last = remote.last_id().unwrap().to_string();
    drop(remote);

    redis.freeze();
    // Once a call of n2's timed out (its mirror checks the owner every TTL/4)...
    let give_up = Instant::now() + Duration::from_secs(15);
    while counter(&n2, "tickcast_cluster_redis_errors").await == 0 {
        assert!(Instant::now() < give_up, "no redis call of n2 failed");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // ... the mirror's node cannot ask the directory: 503 with a reason and a
    // Retry-After, for a resuming viewer and a new one alike; never 404.
    for last_id in [Some(last.as_str()), None] {
        let mut client = SseClient::connect(n2.addr, &path, last_id).await.unwrap();
        let status = client.status;
        let retry_after = client.header("retry-after").map(str::to_owned);
        let body = client.body_text().await.unwrap_or_default();
        assert_eq!(status, 503, "{body}");
        assert!(retry_after.is_some(), "503 without Retry-After");
        assert!(body.contains("unavailable"), "{body}");
    }
    // Lobby calls: one call times out, the next ones are refused at once.
    for _ in 0..3 {
        let (status, body) = get(n2.addr, "/api/rooms").await;
        assert_eq!(status, 503, "{body}");
        assert!(
            body["error"].as_str().unwrap().contains("unavailable"),
            "{body}"
        );
    }
    assert!(counter(&n2, "tickcast_cluster_redis_fast_fails").await >= 2);
    assert!(counter(&n2, "tickcast_cluster_spectator_unavailable").await >= 2);
    steady.frames(5).await;
    redis.thaw();

    // Redis is back: the stream resumes (503 until the mirror's node knows).
    let mut back = connect_when_available(&n2, &path, &last, false).await;
    assert!(matches!(
        back.next_within(ITEM_WAIT).await,
        Some(SseItem::Retry(_))
    ));
    // The lobby answers again once the probe (or a heartbeat) got through.
    let give_up = Instant::now() + Duration::from_secs(15);
    while get(n2.addr, "/api/rooms").await.0 != 200 {
        assert!(Instant::now() < give_up, "the lobby never came back");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The id of the first frame `viewer` got after `last`.
fn next_frame_after(viewer: &Spectator, last: u64) -> Option<u64> {
    viewer
        .seen
        .iter()
        .find(|(name, id)| (name == "delta" || name == "keyframe") && *id > last)
        .map(|(_, id)| *id)
}

#[tokio::test]
async fn a_viewer_resuming_after_a_freeze_is_not_told_it_resumes_exactly_over_a_gap() {
    let redis = RedisServer::start().await;
    // The owner tries each event for `retain_secs` (here 1 s): during a long
    // freeze it gives some up, so n2's mirror misses frames.
    let owner = config_file(
        "freezegap-n1",
        &format!("[cluster]\nnode_ttl_ms = {TTL_MS}\n[spectators]\nretain_secs = 1\n"),
    );
    // n2's viewers' channels hold 8 events: the owner's catch-up after the freeze
    // (many frames at once) is more than that. Its viewers are written by their
    // responses (no fan-out writers).
    let mirror = config_file(
        "freezegap-n2",
        &format!(
            "[cluster]\nnode_ttl_ms = {TTL_MS}\n[spectators]\nlag_events = 8\nviewers_per_writer = 0\n"
        ),
    );
    let TwoViewers {
        n1: _n1,
        n2,
        path,
        mut steady,
        mut remote,
    } = TwoViewers::with_configs(&redis, &owner, &mirror, 10).await;
    remote.frames(3).await;
    let last = remote.last_id().unwrap();
    let kept = remote.state.clone();
    drop(remote);

    redis.freeze();
    // Frozen for 80 frames (8 s at 10 Hz).
    steady.frames(80).await;
    redis.thaw();

    // (That the stream answers 503, not 404, meanwhile is the test above.)
    let client = connect_when_available(&n2, &path, &last.to_string(), true).await;
    let claimed = client.header("last-event-id").map(str::to_owned);
    let mut resumed = Spectator {
        client,
        state: kept,
        seen: Vec::new(),
        comments: 0,
    };
    let retry = resumed.client.next_within(ITEM_WAIT).await;
    assert!(matches!(retry, Some(SseItem::Retry(_))), "{retry:?}");
    let first = resumed.event().await;
    if let ArenaEvent::Reset(reset) = &first {
        // Honest: the viewer restarts from a keyframe, and the header says where.
        assert_eq!(reset.requested, Some(last), "{reset:?}");
        assert_ne!(
            claimed,
            Some(last.to_string()),
            "a reset after an exact claim"
        );
        let next = resumed.event().await;
        assert!(matches!(next, ArenaEvent::Keyframe(_)), "{}", next.name());
    } else {
        // Resumed exactly: the next frame is the very one the owner's viewer got
        // after `last`, nothing skipped.
        assert_eq!(claimed, Some(last.to_string()), "neither exact nor reset");
        resumed.frames(1).await;
        let want = next_frame_after(&steady, last).unwrap();
        let got = next_frame_after(&resumed, last).unwrap();
        assert_eq!(
            got,
            want,
            "claimed an exact resume after {last} but skipped to {}",
            EventId(got).tick().0
        );
    }
    // Either way the viewer goes on with the room.
    resumed.frames(10).await;
    assert!(resumed.seen.iter().all(|(name, _)| name != "end"));
}

#[tokio::test]
async fn a_redis_restart_does_not_end_remote_viewers_while_the_owner_plays() {
    let mut redis = RedisServer::start().await;
    // The default node TTL (3 s): the owner's heartbeat backs off up to it.
    let TwoViewers {
        n1: _n1,
        n2: _n2,
        path: _,
        mut steady,
        mut remote,
    } = TwoViewers::start(&redis, &[], &[], 10).await;
    remote.frames(3).await;

    // Redis is gone for 40 frames (4 s, more than a node TTL) and comes back empty.
    redis.stop().await;
    steady.frames(40).await;
    redis.restart().await;

    // The owner plays on: the remote viewer keeps up with it (a `reset` is
    // allowed, an `end` is not).
    let target = steady.state.tick.unwrap().0 + 40;
    remote.until_tick(target).await;
    steady.until_tick(remote.state.tick.unwrap().0).await;
    remote.until_tick(steady.state.tick.unwrap().0).await;
    assert_eq!(remote.state, steady.state);
    assert!(
        remote.seen.iter().all(|(name, _)| name != "end"),
        "the remote stream was ended: {:?}",
        remote.seen.iter().rev().take(3).collect::<Vec<_>>()
    );
}
