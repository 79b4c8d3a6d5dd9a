//! `tests/browser/golden/deltas.json`: snapshot delta bodies, their baselines and
//! the snapshots they decode to.

use crate::{check_or_bless, hex, pretty};
use serde_json::{Value, json};
use tickcast_shared::protocol::{NetId, PlayerId, Tick};
use tickcast_shared::sim::{Buttons, PlayerInput};
use tickcast_shared::sim::{EntityKind, EntityState, Snapshot, apply_delta, encode_delta};
use tickcast_shared::sim::{Map, TickInput, World, WorldConfig};

/// Snapshots of a real match every 3 ticks (20 Hz of 60 Hz): drones wander, two
/// players join, run, fire (projectiles come and go), one leaves.
fn match_snapshots() -> Vec<Snapshot> {
    let mut world = World::new(Map::default_map(), WorldConfig::new(60, 40), 7);
    let mut out = vec![world.snapshot()];
    for t in 1..=240u32 {
        let mut input = TickInput::default();
        if t == 2 {
            input.joins = vec![PlayerId(1), PlayerId(2)];
        }
        if t == 200 {
            input.leaves = vec![PlayerId(2)];
        }
        let held = |bits| PlayerInput {
            buttons: Buttons(bits),
            aim: t as f32 * 0.05,
        };
        input.inputs = vec![
            (
                PlayerId(1),
                held(Buttons::RIGHT | Buttons::UP | Buttons::FIRE),
            ),
            (PlayerId(2), held(Buttons::LEFT | Buttons::FIRE)),
        ];
        world.step(&input);
        if t % 3 == 0 {
            out.push(world.snapshot());
        }
    }
    out
}

fn entity(id: u32, kind: EntityKind) -> EntityState {
    EntityState {
        hp: 100,
        ..EntityState::new(NetId(id), kind)
    }
}

/// Hand-made edge cases: extreme values and every wrapping rule.
fn edge_snapshots() -> (Snapshot, Snapshot) {
    let a = Snapshot {
        tick: Tick(4_294_967_290),
        entities: vec![
            EntityState {
                x: i32::MAX,
                y: i32::MIN,
                vx: -1,
                vy: 1,
                angle: 511,
                hp: 0,
                score: 65_535,
                flags: 255,
                owner: u32::MAX,
                ..entity(5, EntityKind::Player)
            },
            entity(6, EntityKind::Drone),
            entity(7, EntityKind::Projectile),
            entity(4_000_000_000, EntityKind::Drone),
        ],
    };
    let b = Snapshot {
        tick: Tick(4), // wrapped past u32::MAX
        entities: vec![
            EntityState {
                x: i32::MIN,
                y: i32::MAX,
                vx: i32::MIN,
                vy: i32::MAX,
                angle: 0,
                hp: 255,
                score: 0,
                flags: 0,
                owner: 0,
                ..entity(5, EntityKind::Player)
            },
            entity(6, EntityKind::Projectile), // kind changed: removed and created
            EntityState {
                x: -16,
                y: 17,
                ..entity(9, EntityKind::Player)
            },
            entity(4_294_967_295, EntityKind::Drone),
        ],
    };
    (a, b)
}

fn case(name: &str, baseline: Option<&Snapshot>, current: &Snapshot) -> Value {
    let body = encode_delta(baseline, current);
    assert_eq!(apply_delta(baseline, &body).as_ref(), Ok(current), "{name}");
    json!({ "name": name, "baseline": baseline, "body": hex(&body), "expected": current })
}

fn deltas_json() -> Value {
    let s = match_snapshots();
    let (edge_a, edge_b) = edge_snapshots();
    let empty = Snapshot {
        tick: Tick(1),
        entities: vec![],
    };
    let cases = vec![
        case("empty keyframe", None, &empty),
        case("first keyframe of a match", None, &s[0]),
        case("one send interval", Some(&s[0]), &s[1]),
        case("players joined", Some(&s[1]), &s[2]),
        case("keyframe with players", None, &s[20]),
        case("firing players", Some(&s[20]), &s[21]),
        case("a stale baseline (10 sends)", Some(&s[30]), &s[40]),
        case("a player left", Some(&s[66]), &s[67]),
        case("everything removed", Some(&s[50]), &empty_at(&s[51])),
        case("nothing changed", Some(&s[10]), &retick(&s[10], 12_345)),
        case("extreme values", Some(&edge_a), &edge_b),
        case("extreme keyframe", None, &edge_a),
    ];
    json!({ "cases": cases })
}

fn empty_at(s: &Snapshot) -> Snapshot {
    Snapshot {
        tick: s.tick,
        entities: vec![],
    }
}

fn retick(s: &Snapshot, tick: u32) -> Snapshot {
    Snapshot {
        tick: Tick(tick),
        entities: s.entities.clone(),
    }
}

#[test]
fn delta_vectors_match_the_codec() {
    let s = match_snapshots();
    assert!(
        s[21]
            .entities
            .iter()
            .any(|e| e.kind == EntityKind::Projectile),
        "the match must exercise projectiles"
    );
    check_or_bless("tests/browser/golden/deltas.json", &pretty(&deltas_json()));
}
