//! `Last-Event-ID` resume against the real binary: a spectator that drops mid-match
//! and reconnects with the header rebuilds exactly the world of one that never
//! disconnected; an unusable id starts with a keyframe.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod sse_common;

use sse_common::{Spectator, events_path, room};
use tickcast_shared::spectate::SpecEvent;
use tickcast_tests::server::TestServer;

#[tokio::test]
async fn a_dropped_spectator_resumes_without_a_gap() {
    let server = TestServer::start(&[]).await;
    let room = room(&server, 30).await;
    let path = events_path(&room);
    let mut steady = Spectator::connect(&server, &path, None).await;
    let mut dropping = Spectator::connect(&server, &path, None).await;
    dropping.frames(5).await;
    let (_, last_id) = dropping.seen.last().cloned().unwrap();
    let kept_state = dropping.state.clone();
    drop(dropping);
    // Meanwhile the match goes on for a while.
    steady.until_tick(last_id + 60).await;

    let mut resumed = Spectator::connect(&server, &path, Some(&last_id.to_string())).await;
    resumed.state = kept_state;
    let first = loop {
        if let Some(ev) = resumed.step().await {
            break ev;
        }
    };
    assert!(
        first.tick().0 == last_id && first.is_frame() || first.tick().0 > last_id,
        "resume starts at the frame of the id or after it, got {} {}",
        first.name(),
        first.tick().0
    );
    assert!(
        !matches!(first, SpecEvent::Keyframe(_)),
        "a usable id is resumed from the ring, not with a keyframe"
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
    server.stop().await;
}

#[tokio::test]
async fn an_unusable_last_event_id_starts_with_a_keyframe() {
    let server = TestServer::start(&[]).await;
    let room = room(&server, 5).await;
    let path = events_path(&room);
    let mut watcher = Spectator::connect(&server, &path, None).await;
    watcher.frames(3).await;
    for id in ["0", "4000000000", "not-a-tick", ""] {
        let mut s = Spectator::connect(&server, &path, Some(id)).await;
        let first = loop {
            if let Some(ev) = s.step().await {
                break ev;
            }
        };
        assert!(
            matches!(first, SpecEvent::Keyframe(_)),
            "id {id:?}: {first:?}"
        );
        s.frames(2).await;
        assert_eq!(s.state.entities.len(), 5);
    }
    server.stop().await;
}
