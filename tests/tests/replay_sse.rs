//! Replay playback over SSE against the real binary: the same events as the live
//! spectator feed for the same ticks, seeking to the keyframe at or before `from`,
//! and `Last-Event-ID` resume.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod replay_common;
#[path = "sse_common/mod.rs"]
mod sse_common;

use replay_common::{
    TempDir, bot_config, complete_replay_of, config_file, room, server, spawn_bots,
};
use sse_common::Spectator;
use std::time::Duration;
use tickcast_shared::sim::spectate::ArenaEvent;
use tickcast_shared::spectate::{EventId, SseEvent};
use tickcast_tests::server::TestServer;

/// Keyframes every second (60 ticks), frames every 6 ticks (10 Hz).
const SPECTATORS: &str = "[spectators]\nkeyframe_secs = 1\n";

/// Read events until `end` (not included).
async fn until_end(spectator: &mut Spectator) -> Vec<ArenaEvent> {
    let mut events = Vec::new();
    loop {
        match spectator.step().await {
            Some(ArenaEvent::End(_)) => return events,
            Some(event) => events.push(event),
            None => {}
        }
    }
}

/// A recorded match, watched live from before the first player joined: the live
/// events, and the recording's id.
async fn watched_match(server: &TestServer) -> (Vec<ArenaEvent>, String) {
    let info = room(server, 8).await;
    let mut live =
        Spectator::connect(server, &format!("/api/rooms/{}/events", info.id.0), None).await;
    let bots = spawn_bots(tickcast_client::BotConfig {
        seed: 3,
        ..bot_config(server, &info.id, 3, Duration::from_secs(4))
    });
    let events = until_end(&mut live).await;
    assert_eq!(bots.await.unwrap().unwrap().connected, 3);
    let entry = complete_replay_of(server, &info.id).await;
    (events, entry["id"].as_str().unwrap().to_owned())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn playback_equals_the_live_feed_for_the_same_ticks() {
    let dir = TempDir::new("replay-sse");
    let config = config_file(&dir, SPECTATORS);
    let server = server(&dir, &["--config", &config]).await;
    let (live, id) = watched_match(&server).await;

    // From the first live keyframe on a keyframe tick (after the one that started
    // the stream) to the last live frame.
    let start = live
        .iter()
        .skip(1)
        .position(|e| matches!(e, ArenaEvent::Keyframe(k) if k.tick.0 % 60 == 0))
        .map(|i| i + 1)
        .expect("a periodic keyframe in the live feed");
    let first = live[start].tick();
    let last = live.iter().rev().find(|e| e.is_frame()).unwrap().tick();
    assert!(
        last.0 >= first.0 + 120,
        "too short a match: {first:?}..{last:?}"
    );
    let live_part: Vec<&ArenaEvent> = live[start..].iter().filter(|e| e.tick() <= last).collect();
    assert!(live_part.iter().any(|e| matches!(e, ArenaEvent::Game(_))));

    // Ask from a tick inside the second: playback starts at the keyframe before it.
    let path = format!("/api/replays/{id}/events?speed=16&from={}", first.0 + 59);
    let mut replay = Spectator::connect(&server, &path, None).await;
    let played = until_end(&mut replay).await;
    assert_eq!(played.first().map(ArenaEvent::tick), Some(first));
    let played_part: Vec<&ArenaEvent> = played.iter().filter(|e| e.tick() <= last).collect();
    assert_eq!(played_part.len(), live_part.len());
    for (p, l) in played_part.iter().zip(&live_part) {
        assert_eq!(p, l, "playback and live differ at tick {}", l.tick().0);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn last_event_id_resumes_where_the_viewer_left() {
    let dir = TempDir::new("replay-resume");
    let config = config_file(&dir, SPECTATORS);
    let server = server(&dir, &["--config", &config]).await;
    let (_, id) = watched_match(&server).await;
    let path = format!("/api/replays/{id}/events?speed=16");

    let mut whole = Spectator::connect(&server, &path, None).await;
    let mut cut = Spectator::connect(&server, &path, None).await;
    cut.until_tick(100).await;
    let left_at = cut.last_id().unwrap();
    let kept = cut.state.clone();
    drop(cut);

    // After the frame it has, the viewer gets exactly the events after its id.
    let id_text = left_at.to_string();
    let mut resumed = Spectator::connect(&server, &path, Some(&id_text)).await;
    resumed.state = kept;
    let first = resumed.event().await;
    assert!(
        first.id().is_some_and(|i| i.0 > left_at) && !matches!(first, ArenaEvent::Keyframe(_)),
        "{first:?}"
    );
    resumed.until_tick(200).await;
    assert!(resumed.seen.iter().all(|(_, t)| *t > left_at));
    // After only the game event of a tick: the keyframe of that tick comes first.
    let game_of = EventId::game(EventId(left_at).tick());
    let mut after_game =
        Spectator::connect(&server, &format!("{path}&lastEventId={game_of}"), None).await;
    let first = after_game.event().await;
    assert!(
        matches!(&first, ArenaEvent::Keyframe(k) if k.tick == game_of.tick()),
        "{first:?}"
    );
    whole.until_tick(resumed.state.tick.unwrap().0).await;
    assert_eq!(whole.state, resumed.state);
}
