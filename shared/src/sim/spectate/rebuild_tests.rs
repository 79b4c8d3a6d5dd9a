//! Rebuild tests: keyframe + deltas (through their JSON text, as a viewer gets them)
//! give exactly the view of the final snapshot, for random sequences of worlds.

use super::build::game_event;
use super::state::ApplyError;
use super::*;
use crate::protocol::{NetId, PlayerId, Tick};
use crate::sim::GameEvent;
use crate::sim::{EntityKind, EntityState, Snapshot};
use crate::spectate::SseEvent;
use proptest::prelude::*;

fn map() -> MapView {
    MapView {
        name: "test".into(),
        width: 2000.0,
        height: 1200.0,
        walls: vec![WallView {
            min: [450.0, 250.0],
            max: [490.0, 550.0],
        }],
    }
}

fn entity(id: u32, kind: EntityKind, x: i32, y: i32) -> EntityState {
    EntityState {
        x,
        y,
        hp: 100,
        ..EntityState::new(NetId(id), kind)
    }
}

/// Through the wire: SSE data text and back.
fn wire(event: &ArenaEvent) -> ArenaEvent {
    ArenaEvent::parse(event.name(), &event.data_json()).unwrap()
}

fn arb_kind() -> impl Strategy<Value = EntityKind> {
    prop_oneof![
        Just(EntityKind::Player),
        Just(EntityKind::Drone),
        Just(EntityKind::Projectile),
    ]
}

/// A snapshot over ids drawn from a small range, so consecutive ones share, add and
/// drop entities; fields small so some stay equal between frames.
fn arb_snapshot(tick: u32) -> impl Strategy<Value = Snapshot> {
    proptest::collection::btree_map(
        0u32..40,
        (
            arb_kind(),
            -3i32..3,
            -3i32..3,
            -2i32..2,
            0u16..3,
            0u8..3,
            0u16..2,
        ),
        0..20,
    )
    .prop_map(move |m| Snapshot {
        tick: Tick(tick),
        entities: m
            .into_iter()
            .map(|(id, (kind, x, y, v, angle, hp, score))| EntityState {
                vx: v,
                vy: -v,
                angle: angle * 100,
                hp,
                score,
                flags: hp.min(1),
                owner: id % 3,
                ..entity(id, kind, x * 1000, y * 7)
            })
            .collect(),
    })
}

fn arb_match() -> impl Strategy<Value = Vec<Snapshot>> {
    (1usize..12).prop_flat_map(|n| {
        (0..n)
            .map(|i| arb_snapshot(6 * (i as u32 + 1)))
            .collect::<Vec<_>>()
    })
}

proptest! {
    #[test]
    fn keyframe_and_deltas_rebuild_the_final_view(snapshots in arb_match(), period in 1u32..40) {
        let mut feed = Feed::new(map(), 60, period);
        let mut state = SpecState::new();
        for s in &snapshots {
            let event = wire(&feed.frame(s.clone()));
            prop_assert_eq!(state.apply(&event), Ok(Applied::Frame));
        }
        let last = snapshots.last().unwrap();
        prop_assert_eq!(state, SpecState::from_snapshot(last, 60, &map()));
    }

    #[test]
    fn a_delta_carries_only_what_changed(a in arb_snapshot(6), b in arb_snapshot(12)) {
        let ArenaEvent::Delta(d) = delta_event(&a, &b) else { panic!("not a delta") };
        for c in &d.changed {
            let old = a.get(c.id).unwrap();
            let new = b.get(c.id).unwrap();
            prop_assert_ne!(old, new);
            prop_assert_eq!(c.x.is_some(), old.x != new.x);
            prop_assert_eq!(c.hp.is_some(), old.hp != new.hp);
            prop_assert_eq!(c.angle.is_some(), old.angle != new.angle);
        }
        for (id, x, y) in &d.moved {
            let old = a.get(*id).unwrap();
            let new = b.get(*id).unwrap();
            prop_assert!(old.x != new.x || old.y != new.y);
            prop_assert_eq!((old.vx, old.vy, old.angle, old.hp), (new.vx, new.vy, new.angle, new.hp));
            let view = SpecEntity::of(new);
            prop_assert_eq!((view.x, view.y), (*x, *y));
        }
        for e in &b.entities {
            let listed = d.created.iter().any(|c| c.id == e.id)
                || d.changed.iter().any(|c| c.id == e.id)
                || d.moved.iter().any(|m| m.0 == e.id);
            prop_assert_eq!(listed, a.get(e.id) != Some(e));
        }
    }
}

#[test]
fn feed_emits_keyframes_on_period_boundaries() {
    let mut feed = Feed::new(map(), 60, 30);
    let kinds: Vec<&str> = [6, 12, 24, 30, 36, 66, 60]
        .into_iter()
        .map(|t| {
            feed.frame(Snapshot {
                tick: Tick(t),
                entities: vec![],
            })
            .name()
        })
        .collect();
    assert_eq!(
        kinds,
        [
            "keyframe", "delta", "delta", "keyframe", "delta", "keyframe", "keyframe"
        ]
    );
}

#[test]
fn repeated_frames_are_skipped_and_gaps_refused() {
    let s = |tick, x| Snapshot {
        tick: Tick(tick),
        entities: vec![entity(1, EntityKind::Drone, x, 0)],
    };
    let key = keyframe_event(&s(6, 0), 60, &map(), &[]);
    let d12 = delta_event(&s(6, 0), &s(12, 16));
    let d18 = delta_event(&s(12, 16), &s(18, 32));
    let mut state = SpecState::new();
    assert_eq!(
        state.apply(&d12),
        Err(ApplyError::NoKeyframe { tick: Tick(12) })
    );
    assert_eq!(state.apply(&key), Ok(Applied::Frame));
    assert_eq!(
        state.apply(&d18),
        Err(ApplyError::Gap {
            base: Tick(12),
            have: Tick(6)
        })
    );
    assert_eq!(state.apply(&d12), Ok(Applied::Frame));
    assert_eq!(state.apply(&d12), Ok(Applied::Stale));
    assert_eq!(state.apply(&key), Ok(Applied::Stale));
    assert_eq!(state.apply(&d18), Ok(Applied::Frame));
    assert_eq!(state, SpecState::from_snapshot(&s(18, 32), 60, &map()));
    assert_eq!(state.entities[&NetId(1)].x, 2.0);
}

#[test]
fn a_bad_delta_leaves_the_state_unchanged() {
    let base = Snapshot {
        tick: Tick(6),
        entities: vec![entity(1, EntityKind::Player, 0, 0)],
    };
    let mut state = SpecState::from_snapshot(&base, 60, &map());
    let before = state.clone();
    let bad = ArenaEvent::Delta(Delta {
        tick: Tick(12),
        base: Tick(6),
        removed: vec![NetId(1)],
        changed: vec![EntityChange {
            id: NetId(1),
            hp: Some(3),
            ..EntityChange::default()
        }],
        ..Delta::default()
    });
    assert_eq!(state.apply(&bad), Err(ApplyError::UnknownEntity(NetId(1))));
    assert_eq!(state, before);
}

#[test]
fn a_kind_change_is_a_removal_and_a_creation() {
    let a = Snapshot {
        tick: Tick(6),
        entities: vec![entity(4, EntityKind::Drone, 0, 0)],
    };
    let b = Snapshot {
        tick: Tick(12),
        entities: vec![entity(4, EntityKind::Projectile, 0, 0)],
    };
    let mut state = SpecState::from_snapshot(&a, 60, &map());
    let d = delta_event(&a, &b);
    assert_eq!(state.apply(&d), Ok(Applied::Frame));
    assert_eq!(state, SpecState::from_snapshot(&b, 60, &map()));
}

#[test]
fn game_events_group_one_tick_and_empty_ticks_send_nothing() {
    assert_eq!(game_event(Tick(5), &[], &[]), None);
    let name = |p: u32, n: &str| PlayerName {
        player: PlayerId(p),
        name: n.into(),
    };
    let known = [name(1, "ann"), name(2, "bo"), name(3, "cy")];
    let ev = game_event(
        Tick(5),
        &[
            GameEvent::Joined {
                player: PlayerId(1),
                entity: NetId(9),
            },
            GameEvent::Kill {
                killer: PlayerId(7),
                victim: PlayerId(1),
            },
        ],
        &known,
    )
    .unwrap();
    // Only the named players the events mention, each once; an unknown one unnamed.
    let ArenaEvent::Game(batch) = &ev else {
        panic!("not a game event: {ev:?}");
    };
    assert_eq!(batch.players, vec![name(1, "ann")]);
    assert_eq!(ev.name(), "game");
    assert_eq!(ev.tick(), Tick(5));
    let mut state = SpecState::new();
    assert_eq!(state.apply(&ev), Ok(Applied::Game));
    assert_eq!(state, SpecState::new());
}

#[test]
fn map_view_carries_the_parsed_walls_exactly() {
    let map = crate::sim::Map::default_map();
    let view = MapView::of(&map);
    assert_eq!(view.name, map.name);
    assert_eq!((view.width, view.height), (map.size.x, map.size.y));
    assert_eq!(view.walls.len(), map.walls.len());
    for (v, w) in view.walls.iter().zip(&map.walls) {
        assert_eq!(v.min, w.min.to_array());
        assert_eq!(v.max, w.max.to_array());
    }
    let json = serde_json::to_string(&view.walls[0]).unwrap();
    assert_eq!(json, r#"{"min":[450.0,250.0],"max":[490.0,550.0]}"#);
}
