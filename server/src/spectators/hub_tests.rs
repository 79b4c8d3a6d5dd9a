//! Hub rules: resume by `Last-Event-ID`, keyframe-first starts, limits, retention.

use super::*;

fn hub_with(config: SpectatorConfig, total: &SpectatorCounter) -> Arc<Hub> {
    Hub::new(config, 60, total.clone())
}

fn hub() -> Arc<Hub> {
    hub_with(SpectatorConfig::default(), &SpectatorCounter::default())
}

fn publish(hub: &Hub, tick: u32, kind: EntryKind) {
    hub.publish(Entry {
        tick,
        kind,
        text: Bytes::from(format!("{kind:?} {tick}")),
    });
}

fn ids(entries: &[Arc<Entry>]) -> Vec<(u32, EntryKind)> {
    entries.iter().map(|e| (e.tick, e.kind)).collect()
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
}

#[test]
fn resume_sends_the_frame_of_the_id_again_and_everything_after() {
    let sub = match_hub().subscribe(Some(12)).unwrap();
    assert_eq!(
        ids(&sub.backlog),
        [
            (12, EntryKind::Delta),
            (18, EntryKind::Keyframe),
            (24, EntryKind::Delta)
        ]
    );
    let sub = match_hub().subscribe(Some(24)).unwrap();
    assert_eq!(ids(&sub.backlog), [(24, EntryKind::Delta)]);
    let sub = match_hub().subscribe(Some(7)).unwrap();
    assert_eq!(sub.backlog.first().map(|e| e.tick), Some(12));
    assert_eq!(
        sub.backlog.len(),
        4,
        "game 12, delta 12, keyframe 18, delta 24"
    );
}

#[test]
fn an_id_outside_the_ring_starts_with_a_keyframe() {
    for id in [2, 25, u32::MAX] {
        let sub = match_hub().subscribe(Some(id)).unwrap();
        assert_eq!(
            sub.backlog.first().map(|e| (e.tick, e.kind)),
            Some((18, EntryKind::Keyframe))
        );
    }
}

#[test]
fn without_a_retained_keyframe_the_spectator_waits_for_the_next() {
    let hub = hub();
    let sub = hub.subscribe(None).unwrap();
    assert!(sub.backlog.is_empty());
    assert!(sub.await_keyframe);
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
    let sub = hub.subscribe(Some(600 - retain)).unwrap();
    assert_eq!(sub.backlog.first().map(|e| e.tick), Some(600 - retain));
    let sub = hub.subscribe(Some(600 - retain - 6)).unwrap();
    assert_eq!(
        sub.backlog.first().map(|e| (e.tick, e.kind)),
        Some((600, EntryKind::Keyframe))
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
    let sub = hub.subscribe(Some(12)).unwrap();
    assert!(sub.backlog.is_empty() && sub.await_keyframe);
}
