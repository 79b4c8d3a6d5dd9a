use super::arena;
use crate::protocol::NetId;
use crate::sim::EntityKind;
use crate::sim::{Map, TickInput, World, WorldConfig};
use glam::Vec2;

#[test]
fn drones_move_at_120_units_per_second_and_stay_inside() {
    let mut world = arena(500, 42);
    assert_eq!(world.drone_count(), 500);
    let size = world.map().size;
    let step = 120.0 / 60.0;
    let mut before: Vec<(NetId, Vec2)> = world.drones().map(|(id, b)| (id, b.pos)).collect();
    let mut straight_moves = 0;
    for _ in 0..600 {
        world.step(&TickInput::default());
        let after: Vec<(NetId, Vec2)> = world.drones().map(|(id, b)| (id, b.pos)).collect();
        for ((id_a, a), (id_b, b)) in before.iter().zip(&after) {
            assert_eq!(id_a, id_b);
            assert!(
                b.x >= 0.0 && b.y >= 0.0 && b.x <= size.x && b.y <= size.y,
                "{b}"
            );
            let moved = a.distance(*b);
            assert!(moved <= step + 1e-3, "{moved}");
            // Away from the edges nothing reflects: the full step is taken.
            if b.x > step && b.y > step && b.x < size.x - step && b.y < size.y - step {
                assert!((moved - step).abs() < 1e-3, "{moved}");
                straight_moves += 1;
            }
        }
        for (_, body) in world.drones() {
            assert!((body.vel.length() - 120.0).abs() < 1e-2, "{body:?}");
        }
        before = after;
    }
    assert!(straight_moves > 250_000, "{straight_moves}");
}

#[test]
fn drone_headings_turn_by_at_most_the_turn_rate() {
    let mut world = arena(200, 3);
    let size = world.map().size;
    let inside = |p: Vec2| p.x > 2.0 && p.y > 2.0 && p.x < size.x - 2.0 && p.y < size.y - 2.0;
    let mut prev: Vec<Vec2> = world.drones().map(|(_, b)| b.vel).collect();
    let (mut turned, mut checked) = (0, 0);
    for _ in 0..100 {
        world.step(&TickInput::default());
        let now: Vec<(Vec2, Vec2)> = world.drones().map(|(_, b)| (b.pos, b.vel)).collect();
        for (a, (pos, b)) in prev.iter().zip(&now) {
            // Away from the edges there was no reflection: a pure random turn.
            if inside(*pos) {
                let angle = a.angle_to(*b).abs();
                assert!(angle <= 0.15 + 1e-4, "{angle}");
                turned += usize::from(angle > 0.01);
                checked += 1;
            }
        }
        prev = now.into_iter().map(|(_, v)| v).collect();
    }
    // The turns are random, not zero (|U(-0.15, 0.15)| > 0.01 in 93% of ticks).
    assert!(
        checked > 19_000 && turned > checked * 9 / 10,
        "{turned}/{checked}"
    );
}

#[test]
fn drones_start_spread_over_the_arena() {
    let world = arena(2_000, 9);
    let size = world.map().size;
    let (mut left, mut top) = (0, 0);
    for (_, body) in world.drones() {
        left += usize::from(body.pos.x < size.x / 2.0);
        top += usize::from(body.pos.y > size.y / 2.0);
    }
    assert!((800..1200).contains(&left), "{left}");
    assert!((800..1200).contains(&top), "{top}");
}

#[test]
fn drone_snapshot_fields_other_than_position_are_constant() {
    let mut world = arena(100, 5);
    for _ in 0..30 {
        world.step(&TickInput::default());
        for e in world
            .snapshot()
            .entities
            .iter()
            .filter(|e| e.kind == EntityKind::Drone)
        {
            assert_eq!(
                (e.vx, e.vy, e.angle, e.hp, e.score, e.flags, e.owner),
                (0, 0, 0, 0, 0, 0, 0)
            );
        }
    }
}

#[test]
fn drone_count_is_clamped() {
    let config = WorldConfig::new(60, u32::MAX);
    let world = World::new(Map::fallback(), config, 1);
    assert_eq!(world.drone_count(), WorldConfig::MAX_DRONES as usize);
}
