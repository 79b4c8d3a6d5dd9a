//! Delta tests of the arena's snapshots on the schema codec: round trips over random snapshot pairs, typed errors for hostile
//! bodies, and the size goal on the drone scene.

use crate::codec::{DeltaError, DeltaLimits};
use crate::protocol::{NetId, Tick};
use crate::sim::rows::kind_from_index;
use crate::sim::snapshot::quantize_pos;
use crate::sim::{
    EntityKind, EntityState, Snapshot, apply_delta, apply_delta_with_limits, encode_delta,
};
use proptest::prelude::*;
use rand::{Rng, SeedableRng};

fn entity(id: u32, kind: EntityKind) -> EntityState {
    EntityState::new(NetId(id), kind)
}

/// The benchmark motion without the World: `n` drones at 120 units/s whose heading
/// changes by a uniform random amount in [-0.15, 0.15] rad per 60 Hz tick,
/// reflecting off the 2000 x 1200 arena edges. Returns snapshots `ticks` apart.
fn drone_scene(n: u32, ticks: u32, seed: u64) -> (Snapshot, Snapshot) {
    let mut rng = rand_pcg::Pcg32::seed_from_u64(seed);
    let (w, h, step) = (2000.0f32, 1200.0f32, 120.0f32 / 60.0);
    let mut drones: Vec<(f32, f32, f32)> = (0..n)
        .map(|_| {
            (
                rng.random_range(0.0..w),
                rng.random_range(0.0..h),
                rng.random_range(0.0..std::f32::consts::TAU),
            )
        })
        .collect();
    let snap = |drones: &[(f32, f32, f32)], tick: u32| Snapshot {
        tick: Tick(tick),
        entities: (0..n)
            .zip(drones)
            .map(|(i, &(x, y, _))| EntityState {
                x: quantize_pos(x),
                y: quantize_pos(y),
                ..entity(i + 1, EntityKind::Drone)
            })
            .collect(),
    };
    let mut advance = |drones: &mut Vec<(f32, f32, f32)>| {
        for (x, y, a) in drones.iter_mut() {
            *a += rng.random_range(-0.15f32..=0.15);
            *x += a.cos() * step;
            *y += a.sin() * step;
            if !(0.0..=w).contains(x) {
                *x = x.clamp(0.0, w);
                *a = std::f32::consts::PI - *a;
            }
            if !(0.0..=h).contains(y) {
                *y = y.clamp(0.0, h);
                *a = -*a;
            }
        }
    };
    for _ in 0..10 {
        advance(&mut drones);
    }
    let a = snap(&drones, 10);
    for _ in 0..ticks {
        advance(&mut drones);
    }
    (a, snap(&drones, 10 + ticks))
}

#[test]
fn drone_delta_meets_the_size_goal() {
    let (a, b) = drone_scene(1000, 3, 7);
    let moved = a
        .entities
        .iter()
        .zip(&b.entities)
        .filter(|(x, y)| x != y)
        .count();
    let delta = encode_delta(Some(&a), &b);
    let keyframe = encode_delta(None, &b);
    eprintln!(
        "drone scene: keyframe {} B, delta {} B, {} moved, {:.2} bits/moved drone",
        keyframe.len(),
        delta.len(),
        moved,
        delta.len() as f64 * 8.0 / moved as f64
    );
    assert_eq!(apply_delta(Some(&a), &delta), Ok(b.clone()));
    assert_eq!(apply_delta(None, &keyframe), Ok(b));
    assert!(moved > 990);
    assert!(delta.len() < 2000, "delta of {} bytes", delta.len());
}

#[test]
fn unchanged_snapshot_costs_almost_nothing() {
    let (a, _) = drone_scene(1000, 3, 1);
    let mut b = a.clone();
    b.tick = Tick(13);
    let delta = encode_delta(Some(&a), &b);
    let empty = Snapshot {
        tick: Tick(13),
        entities: Vec::new(),
    };
    let overhead = encode_delta(Some(&empty), &empty).len();
    eprintln!(
        "1000 unchanged drones: {} bytes; empty delta: {overhead} bytes",
        delta.len()
    );
    // Header and 4-byte flush, plus ~0.02 bit per unchanged entity.
    assert!(delta.len() < overhead + 8, "{} bytes", delta.len());
    assert_eq!(apply_delta(Some(&a), &delta), Ok(b));
}

#[test]
fn baseline_errors_are_typed() {
    let (a, b) = drone_scene(20, 3, 2);
    let delta = encode_delta(Some(&a), &b);
    assert_eq!(apply_delta(None, &delta), Err(DeltaError::MissingBaseline));
    let mut other = a.clone();
    other.tick = Tick(11);
    assert_eq!(
        apply_delta(Some(&other), &delta),
        Err(DeltaError::BaselineMismatch {
            body: Tick(10),
            given: Tick(11)
        })
    );
    // A keyframe applies whatever baseline is at hand.
    let keyframe = encode_delta(None, &b);
    assert_eq!(apply_delta(Some(&other), &keyframe), Ok(b));
}

#[test]
fn created_id_colliding_with_a_kept_entity_is_malformed() {
    let a = Snapshot {
        tick: Tick(1),
        entities: vec![entity(5, EntityKind::Drone), entity(10, EntityKind::Drone)],
    };
    let mut b = a.clone();
    b.tick = Tick(2);
    b.entities.insert(1, entity(7, EntityKind::Player));
    let delta = encode_delta(Some(&a), &b);
    // Created ids are relative to the last baseline id (7 = 10 + 1 - 4); against
    // this baseline of the same tick the created id comes out as 12 - 4 = 8, an id
    // the baseline keeps.
    let wrong = Snapshot {
        tick: Tick(1),
        entities: vec![entity(8, EntityKind::Drone), entity(11, EntityKind::Drone)],
    };
    assert_eq!(
        apply_delta(Some(&wrong), &delta),
        Err(DeltaError::Malformed(
            "created id collides with a kept entity"
        ))
    );
}

#[test]
fn entity_limit_is_enforced() {
    let (_, b) = drone_scene(100, 0, 3);
    let keyframe = encode_delta(None, &b);
    let limits = DeltaLimits { max_entities: 99 };
    assert_eq!(
        apply_delta_with_limits(None, &keyframe, &limits),
        Err(DeltaError::TooManyEntities { limit: 99 })
    );
    let limits = DeltaLimits { max_entities: 100 };
    assert_eq!(apply_delta_with_limits(None, &keyframe, &limits), Ok(b));
}

#[test]
fn unsorted_input_is_normalized_and_kind_changes_recreate() {
    let a = Snapshot {
        tick: Tick(1),
        entities: vec![entity(1, EntityKind::Player), entity(2, EntityKind::Drone)],
    };
    let mut moved = entity(2, EntityKind::Projectile);
    moved.x = 40;
    let b = Snapshot {
        tick: Tick(2),
        entities: vec![moved, entity(1, EntityKind::Player), moved],
    };
    let sorted = Snapshot {
        tick: Tick(2),
        entities: vec![entity(1, EntityKind::Player), moved],
    };
    assert_eq!(
        apply_delta(Some(&a), &encode_delta(Some(&a), &b)),
        Ok(sorted)
    );
}

fn arb_i32() -> impl Strategy<Value = i32> {
    prop_oneof![-300..300i32, any::<i32>()]
}

fn arb_entity() -> impl Strategy<Value = EntityState> {
    (
        (0..3u32, arb_i32(), arb_i32(), arb_i32(), arb_i32()),
        (
            0..512u16,
            any::<u8>(),
            any::<u16>(),
            any::<u8>(),
            prop_oneof![0..4u32, any::<u32>()],
        ),
    )
        .prop_map(
            |((k, x, y, vx, vy), (angle, hp, score, flags, owner))| EntityState {
                id: NetId(0),
                kind: kind_from_index(k as usize).unwrap_or(EntityKind::Drone),
                x,
                y,
                vx,
                vy,
                angle,
                hp,
                score,
                flags,
                owner,
            },
        )
}

/// Two snapshots over shared id slots: per slot, `a` may hold an entity; `b` drops
/// it, keeps it, changes some of its fields, or holds an unrelated entity.
fn arb_pair() -> impl Strategy<Value = (Snapshot, Snapshot)> {
    let slot = (
        1..2000u32,
        any::<bool>(),
        0..4u8,
        arb_entity(),
        arb_entity(),
        any::<u8>(),
    );
    (
        prop_oneof![0..10u32, (u32::MAX - 200_000)..(u32::MAX - 100_000)],
        any::<u32>(),
        any::<u32>(),
        proptest::collection::vec(slot, 0..40),
    )
        .prop_map(|(start, ta, tb, slots)| {
            let (mut a, mut b) = (Vec::new(), Vec::new());
            let mut id = start;
            for (gap, in_a, op, ea, eb, fields) in slots {
                id += gap;
                let ea = EntityState {
                    id: NetId(id),
                    ..ea
                };
                let eb = EntityState {
                    id: NetId(id),
                    ..eb
                };
                if in_a {
                    a.push(ea);
                }
                let mut changed = ea;
                let pick = |bit: u8| fields & bit != 0;
                if pick(1) {
                    (changed.x, changed.y) = (eb.x, eb.y);
                }
                if pick(2) {
                    (changed.vx, changed.vy) = (eb.vx, eb.vy);
                }
                if pick(4) {
                    changed.angle = eb.angle;
                }
                if pick(8) {
                    changed.hp = eb.hp;
                }
                if pick(16) {
                    changed.score = eb.score;
                }
                if pick(32) {
                    changed.flags = eb.flags;
                }
                if pick(64) {
                    changed.owner = eb.owner;
                }
                match op {
                    0 => {}
                    1 => b.push(ea),
                    2 => b.push(changed),
                    _ => b.push(eb),
                }
            }
            (
                Snapshot {
                    tick: Tick(ta),
                    entities: a,
                },
                Snapshot {
                    tick: Tick(tb),
                    entities: b,
                },
            )
        })
}

proptest! {
    #[test]
    fn delta_round_trips((a, b) in arb_pair()) {
        let delta = encode_delta(Some(&a), &b);
        prop_assert_eq!(apply_delta(Some(&a), &delta), Ok(b.clone()));
        prop_assert_eq!(encode_delta(Some(&a), &b), delta, "encoding is deterministic");
        let keyframe = encode_delta(None, &b);
        prop_assert_eq!(apply_delta(None, &keyframe), Ok(b.clone()));
        prop_assert_eq!(apply_delta(Some(&a), &keyframe), Ok(b));
    }

    #[test]
    fn damaged_bodies_fail_cleanly((a, b) in arb_pair(),
                                   cut in any::<prop::sample::Index>(),
                                   extra in proptest::collection::vec(any::<u8>(), 1..6),
                                   flips in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..6)) {
        let delta = encode_delta(Some(&a), &b);
        let at = cut.index(delta.len());
        prop_assert_eq!(apply_delta(Some(&a), &delta[..at]), Err(DeltaError::Truncated));
        let mut long = delta.clone();
        long.extend_from_slice(&extra);
        prop_assert_eq!(apply_delta(Some(&a), &long),
            Err(DeltaError::Malformed("trailing bytes after the delta body")));
        let mut mutated = delta;
        for (i, v) in flips {
            let i = i.index(mutated.len());
            mutated[i] = v;
        }
        let small = DeltaLimits { max_entities: 1000 };
        if let Ok(s) = apply_delta_with_limits(Some(&a), &mutated, &small) {
            prop_assert!(s.entities.len() <= 1000);
            prop_assert!(s.entities.windows(2).all(|w| w[0].id < w[1].id));
        }
    }

    #[test]
    fn random_bodies_never_panic((a, _) in arb_pair(),
                                 bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        let small = DeltaLimits { max_entities: 5000 };
        for base in [None, Some(&a)] {
            if let Ok(s) = apply_delta_with_limits(base, &bytes, &small) {
                prop_assert!(s.entities.len() <= 5000);
            }
        }
    }
}
