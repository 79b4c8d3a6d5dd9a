//! Hub rules: exact resume after an id, keyframe-first starts, limits, retention
//! by time and bytes, catch-up keyframes.

use super::*;
use crate::spectators::test_events::{entry, publish};
use bytes::Bytes;
use tickcast_shared::protocol::Tick;

fn hub_with(config: SpectatorConfig, total: &SpectatorCounter) -> Arc<Hub> {
    Hub::new(config, 60, total.clone())
}

fn hub() -> Arc<Hub> {
    hub_with(SpectatorConfig::default(), &SpectatorCounter::default())
}

fn publish_sized(hub: &Hub, tick: u32, kind: EntryKind, pad: usize) {
    hub.publish(entry(
        tick,
        kind,
        format!("{kind:?} {tick}{}", " ".repeat(pad)),
    ));
}

fn ids(entries: &[Arc<Entry>]) -> Vec<(u32, EntryKind)> {
    entries.iter().map(|e| (e.id.tick().0, e.kind)).collect()
}

/// keyframe 6, delta 12 (after a game event at 12), keyframe 18, delta 24.
fn match_hub() -> Arc<Hub> {
    let hub = hub();
    publish(&hub, 6, EntryKind::Keyframe);
    publish(&hub, 12, EntryKind::Game);
    publish(&hub, 12, EntryKind::Delta);
    publish(&hub, 18, EntryKind::Keyframe);
    publish(&hub, 24, EntryKind::Delta);
    hub
}

#[test]
fn a_fresh_spectator_starts_at_the_newest_keyframe() {
    let sub = match_hub().subscribe(None).unwrap();
    assert_eq!(
        ids(&sub.backlog),
        [(18, EntryKind::Keyframe), (24, EntryKind::Delta)]
    );
    assert!(!sub.await_keyframe);
    assert_eq!(sub.start, Start::Keyframe(EventId::frame(Tick(18))));
}

#[test]
fn resume_sends_exactly_the_events_after_the_id() {
    let hub = match_hub();
    // After the game event of tick 12: its frame, then the rest.
    let sub = hub.subscribe(Some(EventId::game(Tick(12)))).unwrap();
    assert_eq!(
        ids(&sub.backlog),
        [
            (12, EntryKind::Delta),
            (18, EntryKind::Keyframe),
            (24, EntryKind::Delta)
        ]
    );
    assert_eq!(sub.start, Start::Resumed(EventId::game(Tick(12))));
    // After the frame of tick 12: not that frame again.
    let sub = hub.subscribe(Some(EventId::frame(Tick(12)))).unwrap();
    assert_eq!(
        ids(&sub.backlog),
        [(18, EntryKind::Keyframe), (24, EntryKind::Delta)]
    );
    // After the newest event: nothing from the ring, live from here.
    let sub = hub.subscribe(Some(EventId::frame(Tick(24)))).unwrap();
    assert!(sub.backlog.is_empty() && !sub.await_keyframe);
    // An id between two events (a tick without events) resumes after it.
    let sub = hub.subscribe(Some(EventId::frame(Tick(7)))).unwrap();
    assert_eq!(
        ids(&sub.backlog).first(),
        Some(&(12, EntryKind::Game)),
        "game 12, delta 12, keyframe 18, delta 24"
    );
    assert_eq!(sub.backlog.len(), 4);
}

#[test]
fn an_id_outside_the_ring_starts_with_a_keyframe() {
    for id in [EventId(2), EventId::frame(Tick(25)), EventId(u64::MAX)] {
        let sub = match_hub().subscribe(Some(id)).unwrap();
        assert_eq!(
            sub.backlog.first().map(|e| (e.id.tick().0, e.kind)),
            Some((18, EntryKind::Keyframe)),
            "{id}"
        );
        assert_eq!(sub.start, Start::Keyframe(EventId::frame(Tick(18))));
    }
}

#[test]
fn without_a_retained_keyframe_the_spectator_waits_for_the_next() {
    let hub = hub();
    let sub = hub.subscribe(None).unwrap();
    assert!(sub.backlog.is_empty());
    assert!(sub.await_keyframe);
    assert_eq!(sub.start, Start::NextKeyframe);
    assert!(hub.is_active());
    assert!(hub.take_keyframe_request());
    assert!(!hub.take_keyframe_request());
}

#[test]
fn limits_per_room_and_per_server() {
    let total = SpectatorCounter::default();
    let config = SpectatorConfig {
        max_per_room: 2,
        max_total: 3,
        ..SpectatorConfig::default()
    };
    let a = hub_with(config.clone(), &total);
    let b = hub_with(config, &total);
    let a1 = a.subscribe(None).unwrap();
    let _a2 = a.subscribe(None).unwrap();
    assert_eq!(a.subscribe(None).err(), Some(SubscribeError::RoomFull(2)));
    let _b1 = b.subscribe(None).unwrap();
    assert_eq!(b.subscribe(None).err(), Some(SubscribeError::ServerFull(3)));
    assert_eq!((a.spectators(), b.spectators(), total.get()), (2, 1, 3));
    drop(a1);
    assert_eq!((a.spectators(), total.get()), (1, 2));
    let _b2 = b.subscribe(None).unwrap();
    assert_eq!(total.get(), 3);
}

#[test]
fn a_finished_room_refuses_spectators_and_ignores_later_events() {
    let hub = match_hub();
    let mut sub = hub.subscribe(None).unwrap();
    publish(&hub, 30, EntryKind::End);
    publish(&hub, 36, EntryKind::Delta);
    assert_eq!(sub.live.try_recv().unwrap().kind, EntryKind::End);
    assert!(sub.live.try_recv().is_err());
    assert_eq!(hub.subscribe(None).err(), Some(SubscribeError::Finished));
    assert!(hub.is_finished());
}

#[test]
fn the_ring_keeps_the_retention_window_and_a_keyframe() {
    let config = SpectatorConfig {
        retain_secs: 1,
        keyframe_secs: 1,
        ..SpectatorConfig::default()
    };
    let hub = hub_with(config.clone(), &SpectatorCounter::default());
    let retain = config.retain_ticks(60);
    assert_eq!(retain, 120, "two keyframe periods at least");
    for t in (0..=600).step_by(6) {
        let kind = if t % 60 == 0 {
            EntryKind::Keyframe
        } else {
            EntryKind::Delta
        };
        publish(&hub, t, kind);
    }
    // The oldest retained frame's predecessor is the floor: still exact.
    let oldest = 600 - retain;
    let sub = hub
        .subscribe(Some(EventId::frame(Tick(oldest - 6))))
        .unwrap();
    assert_eq!(sub.start, Start::Resumed(EventId::frame(Tick(oldest - 6))));
    assert_eq!(sub.backlog.first().map(|e| e.id.tick().0), Some(oldest));
    // One frame older: some event after it is gone, so the stream restarts.
    let sub = hub
        .subscribe(Some(EventId::frame(Tick(oldest - 12))))
        .unwrap();
    assert_eq!(
        sub.backlog.first().map(|e| (e.id.tick().0, e.kind)),
        Some((600, EntryKind::Keyframe))
    );
}

#[test]
fn the_ring_is_bounded_in_bytes_but_keeps_its_newest_keyframe() {
    let config = SpectatorConfig {
        retain_bytes: 1000,
        ..SpectatorConfig::default()
    };
    let hub = hub_with(config, &SpectatorCounter::default());
    publish_sized(&hub, 6, EntryKind::Keyframe, 600);
    publish_sized(&hub, 12, EntryKind::Delta, 300);
    // 600 + 300 bytes fit; a big keyframe pushes the older ones out.
    assert_eq!(hub.subscribe(None).unwrap().backlog.len(), 2);
    publish_sized(&hub, 18, EntryKind::Keyframe, 2000);
    let sub = hub.subscribe(Some(EventId::frame(Tick(6)))).unwrap();
    assert_eq!(sub.start, Start::Keyframe(EventId::frame(Tick(18))));
    assert_eq!(ids(&sub.backlog), [(18, EntryKind::Keyframe)]);
    // The keyframe alone is over the bound, and stays with the deltas after it.
    publish_sized(&hub, 24, EntryKind::Delta, 10);
    let sub = hub.subscribe(Some(EventId::frame(Tick(18)))).unwrap();
    assert_eq!(ids(&sub.backlog), [(24, EntryKind::Delta)]);
    assert_eq!(sub.start, Start::Resumed(EventId::frame(Tick(18))));
}

#[test]
fn a_catchup_keyframe_stands_in_for_its_delta_only() {
    let hub = match_hub();
    assert!(!hub.take_catchup_request());
    hub.request_catchup();
    assert!(hub.take_catchup_request());
    let id = EventId::frame(Tick(30));
    hub.publish_with_catchup(
        Entry::same(id, EntryKind::Delta, Bytes::from_static(b"delta")),
        Some(Entry::same(
            id,
            EntryKind::Keyframe,
            Bytes::from_static(b"key"),
        )),
    );
    assert_eq!(
        hub.catchup_for(id).map(|e| e.text.clone()),
        Some(Bytes::from_static(b"key"))
    );
    assert!(hub.catchup_for(EventId::frame(Tick(24))).is_none());
    // The catch-up keyframe is not in the ring: fresh viewers start at keyframe 18.
    assert_eq!(
        hub.subscribe(None).unwrap().start,
        Start::Keyframe(EventId::frame(Tick(18)))
    );
}

#[test]
fn going_idle_forgets_events_only_without_spectators() {
    let hub = match_hub();
    let sub = hub.subscribe(None).unwrap();
    hub.go_idle();
    assert!(hub.is_active());
    drop(sub);
    hub.go_idle();
    assert!(!hub.is_active());
    let sub = hub.subscribe(Some(EventId::frame(Tick(12)))).unwrap();
    assert!(sub.backlog.is_empty() && sub.await_keyframe);
    assert_eq!(sub.start, Start::NextKeyframe);
}

#[test]
fn an_interrupted_feed_resumes_nobody_exactly_and_a_break_forgets_the_ring() {
    let hub = match_hub();
    let last = Some(EventId::frame(Tick(12)));
    hub.set_feed_interrupted(true);
    let sub = hub.subscribe(last).unwrap();
    assert!(sub.feed_interrupted);
    assert_eq!(sub.start, Start::Keyframe(EventId::frame(Tick(18))));
    drop(sub);
    hub.set_feed_interrupted(false);
    let sub = hub.subscribe(last).unwrap();
    assert_eq!(sub.start, Start::Resumed(EventId::frame(Tick(12))));
    drop(sub);
    // Frames lost between 24 and 60: nothing before the break resumes exactly.
    hub.break_feed();
    publish(&hub, 60, EntryKind::Delta);
    let sub = hub.subscribe(Some(EventId::frame(Tick(24)))).unwrap();
    assert_eq!(sub.start, Start::NextKeyframe);
    assert!(sub.backlog.is_empty());
    drop(sub);
    publish(&hub, 66, EntryKind::Keyframe);
    let sub = hub.subscribe(Some(EventId::frame(Tick(24)))).unwrap();
    assert_eq!(sub.start, Start::Keyframe(EventId::frame(Tick(66))));
}
