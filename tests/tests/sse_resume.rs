//! Exactly-once resume against the real binary: a spectator that drops mid-match
//! and reconnects with `Last-Event-ID` (or `?lastEventId=`) gets exactly the events
//! after its id, no gap, no duplicate, and rebuilds the world of one that never
//! disconnected; an id older than the retained window, or not one of ours, gets
//! `event: reset`, a `Last-Event-ID` response header naming the keyframe it
//! restarts with, and that keyframe.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod sse_common;

use sse_common::{Spectator, events_path, room, server_with};
use tickcast_shared::sim::spectate::ArenaEvent;
use tickcast_shared::spectate::{EventId, SseEvent};
use tickcast_tests::server::TestServer;

/// Drop a spectator after a few frames, let the match go on, resume it with its
/// last id (`by_query`: as `?lastEventId=`), and check it against one that stayed.
async fn drop_and_resume(server: &TestServer, by_query: bool) {
    let room = room(server, 30).await;
    let path = events_path(&room);
    let mut steady = Spectator::connect(server, &path, None).await;
    let mut dropping = Spectator::connect(server, &path, None).await;
    dropping.frames(5).await;
    let last_id = dropping.last_id().unwrap();
    let kept_state = dropping.state.clone();
    let before: Vec<u64> = dropping.seen.iter().map(|(_, id)| *id).collect();
    drop(dropping);
    // Meanwhile the match goes on for a while (a second of ticks).
    steady.until_tick(EventId(last_id).tick().0 + 60).await;

    let id = last_id.to_string();
    let mut resumed = if by_query {
        Spectator::connect(server, &format!("{path}?lastEventId={id}"), None).await
    } else {
        Spectator::connect(server, &path, Some(&id)).await
    };
    assert_eq!(
        resumed.client.header("last-event-id"),
        Some(id.as_str()),
        "the response names the id it resumes after"
    );
    resumed.state = kept_state;
    let first = resumed.event().await;
    assert!(
        first.id().is_some_and(|i| i.0 > last_id),
        "resume starts after the id, got {} {:?}",
        first.name(),
        first.id()
    );
    assert!(
        !matches!(first, ArenaEvent::Keyframe(_) | ArenaEvent::Reset(_)),
        "a usable id is resumed from the ring: {first:?}"
    );
    // Both reach a common tick; the worlds must be identical.
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
    assert_eq!(resumed.state.tick, steady.state.tick);
    assert_eq!(resumed.state, steady.state);
    assert_eq!(resumed.state.entities.len(), 30);
    // Exactly once: what the dropped viewer saw, then what the resumed one saw, is
    // what the steady one saw over the same ids, event for event.
    let mut joined = before;
    joined.extend(resumed.seen.iter().map(|(_, id)| *id));
    let (lo, hi) = (joined[0].max(steady.seen[0].1), *joined.last().unwrap());
    let steady_ids: Vec<u64> = steady
        .seen
        .iter()
        .map(|(_, id)| *id)
        .filter(|id| (lo..=hi).contains(id))
        .collect();
    let joined: Vec<u64> = joined
        .into_iter()
        .filter(|id| (lo..=hi).contains(id))
        .collect();
    assert_eq!(joined, steady_ids, "no gap, no duplicate");
}

#[tokio::test]
async fn a_dropped_spectator_resumes_exactly_after_its_id() {
    let server = TestServer::start(&[]).await;
    drop_and_resume(&server, false).await;
    server.stop().await;
}

#[tokio::test]
async fn the_last_event_id_query_parameter_resumes_too() {
    let server = TestServer::start(&[]).await;
    drop_and_resume(&server, true).await;
    server.stop().await;
}

/// Connect with `id` and expect a reset naming it, then the restart keyframe.
async fn expect_restart(server: &TestServer, path: &str, id: &str, requested: Option<u64>) {
    let mut s = Spectator::connect(server, path, Some(id)).await;
    let header = s.client.header("last-event-id").map(str::to_owned);
    let ArenaEvent::Reset(reset) = s.event().await else {
        panic!("id {id:?}: no reset first");
    };
    assert_eq!(reset.requested, requested, "id {id:?}");
    let key = s.event().await;
    let ArenaEvent::Keyframe(k) = &key else {
        panic!("id {id:?}: {key:?}");
    };
    assert_eq!(reset.restart, Some(k.tick));
    assert_eq!(header, key.id().map(|i| i.to_string()), "id {id:?}");
    s.frames(2).await;
    assert_eq!(s.state.entities.len(), 5);
}

#[tokio::test]
async fn an_unusable_id_restarts_with_a_reset_and_a_keyframe() {
    // Two seconds retained (two keyframe periods of one second).
    let (server, _dir) =
        server_with("sse-restart", "retain_secs = 1\nkeyframe_secs = 1", &[]).await;
    let room = room(&server, 5).await;
    let path = events_path(&room);
    let mut watcher = Spectator::connect(&server, &path, None).await;
    watcher.frames(2).await;
    let old = watcher.last_id().unwrap();
    // Four seconds later the id is out of the window.
    watcher.until_tick(EventId(old).tick().0 + 240).await;
    expect_restart(&server, &path, &old.to_string(), Some(old)).await;
    for (id, requested) in [("0", Some(0)), ("4000000000000", Some(4_000_000_000_000))] {
        expect_restart(&server, &path, id, requested).await;
    }
    expect_restart(&server, &path, "not-an-id", None).await;
    // An empty id is a fresh start: a keyframe, no reset.
    let mut fresh = Spectator::connect(&server, &path, Some("")).await;
    assert!(matches!(fresh.event().await, ArenaEvent::Keyframe(_)));
    server.stop().await;
}
