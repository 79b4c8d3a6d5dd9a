use super::input;
use crate::sim::Buttons;
use crate::sim::movement::{
    Body, PLAYER_ACCEL, PLAYER_FRICTION, PLAYER_MAX_SPEED, PLAYER_RADIUS, move_player,
};
use crate::sim::{Map, Wall};
use glam::Vec2;

const DT: f32 = 1.0 / 60.0;

fn open_map() -> Map {
    Map::parse("size 2000 2000\nspawn 1000 1000").unwrap()
}

fn at(x: f32, y: f32) -> Body {
    Body {
        pos: Vec2::new(x, y),
        vel: Vec2::ZERO,
    }
}

#[test]
fn accelerates_in_the_held_direction() {
    let map = open_map();
    let mut body = at(1000.0, 1000.0);
    move_player(&mut body, &input(Buttons::RIGHT, 0.0), &map, DT);
    // From rest friction does nothing; one step of acceleration.
    assert_eq!(body.vel, Vec2::new(PLAYER_ACCEL * DT, 0.0));
    assert!(body.pos.x > 1000.0 && body.pos.y == 1000.0);
    let mut up = at(1000.0, 1000.0);
    move_player(&mut up, &input(Buttons::UP, 0.0), &map, DT);
    assert!(up.vel.y > 0.0 && up.vel.x == 0.0, "UP is +y: {up:?}");
}

#[test]
fn speed_is_capped_also_diagonally() {
    let map = open_map();
    for buttons in [Buttons::LEFT, Buttons::UP | Buttons::RIGHT] {
        let mut body = at(1000.0, 1000.0);
        let mut top = 0.0f32;
        for _ in 0..60 {
            move_player(&mut body, &input(buttons, 0.0), &map, DT);
            top = top.max(body.vel.length());
        }
        assert!(top <= PLAYER_MAX_SPEED * 1.0001, "{top}");
        assert!(
            (body.vel.length() - PLAYER_MAX_SPEED).abs() < 0.01,
            "{body:?}"
        );
    }
}

#[test]
fn opposite_keys_cancel() {
    let map = open_map();
    let mut body = at(1000.0, 1000.0);
    move_player(
        &mut body,
        &input(Buttons::LEFT | Buttons::RIGHT, 0.0),
        &map,
        DT,
    );
    assert_eq!(body, at(1000.0, 1000.0));
}

#[test]
fn friction_brings_a_moving_body_to_rest() {
    let map = open_map();
    let mut body = Body {
        pos: Vec2::new(1000.0, 1000.0),
        vel: Vec2::new(PLAYER_MAX_SPEED, 0.0),
    };
    let ticks_to_stop = (PLAYER_MAX_SPEED / (PLAYER_FRICTION * DT)).ceil() as usize;
    for _ in 0..ticks_to_stop {
        assert!(body.vel.x > 0.0);
        move_player(&mut body, &input(0, 0.0), &map, DT);
    }
    assert_eq!(body.vel, Vec2::ZERO);
    let rest = body.pos;
    move_player(&mut body, &input(0, 0.0), &map, DT);
    assert_eq!(body.pos, rest);
}

#[test]
fn walls_block_and_players_slide_along_them() {
    let mut map = open_map();
    map.walls.push(Wall {
        min: Vec2::new(1100.0, 900.0),
        max: Vec2::new(1102.0, 1100.0), // thin: a swept test must still stop us
    });
    let mut body = at(1000.0, 1000.0);
    let mut was_blocked = false;
    for _ in 0..120 {
        let before = body.pos;
        move_player(
            &mut body,
            &input(Buttons::RIGHT | Buttons::UP, 0.0),
            &map,
            DT,
        );
        if before.y < 1100.0 + PLAYER_RADIUS {
            // Beside the wall: never into it.
            assert!(body.pos.x <= 1100.0 - PLAYER_RADIUS, "{body:?}");
            was_blocked |= body.pos.x == 1100.0 - PLAYER_RADIUS;
        }
    }
    // It stopped flush, slid up along the wall, and went on past its end.
    assert!(was_blocked);
    assert!(body.pos.y > 1100.0 + PLAYER_RADIUS, "{body:?}");
    assert!(body.pos.x > 1100.0, "{body:?}");
    // Held right with no up: x stays flush and x velocity is zeroed.
    let mut body = at(1000.0, 1000.0);
    for _ in 0..60 {
        move_player(&mut body, &input(Buttons::RIGHT, 0.0), &map, DT);
    }
    assert_eq!(body.pos.x, 1100.0 - PLAYER_RADIUS);
    assert_eq!(body.vel.x, 0.0);
    assert_eq!(body.pos.y, 1000.0);
}

#[test]
fn huge_dt_does_not_tunnel_through_a_wall() {
    let mut map = open_map();
    map.walls.push(Wall {
        min: Vec2::new(1100.0, 0.0),
        max: Vec2::new(1101.0, 2000.0),
    });
    let mut body = Body {
        pos: Vec2::new(1000.0, 1000.0),
        vel: Vec2::new(PLAYER_MAX_SPEED, 0.0),
    };
    move_player(&mut body, &input(Buttons::RIGHT, 0.0), &map, 10.0);
    assert_eq!(body.pos.x, 1100.0 - PLAYER_RADIUS);
}

#[test]
fn arena_edges_block() {
    let map = open_map();
    let mut body = at(100.0, 1900.0);
    for _ in 0..120 {
        move_player(
            &mut body,
            &input(Buttons::LEFT | Buttons::UP, 0.0),
            &map,
            DT,
        );
    }
    assert_eq!(body.pos, Vec2::new(PLAYER_RADIUS, 2000.0 - PLAYER_RADIUS));
    assert_eq!(body.vel, Vec2::ZERO);
}

#[test]
fn bad_dt_changes_nothing() {
    let map = open_map();
    for dt in [0.0, -1.0, f32::NAN, f32::INFINITY] {
        let mut body = at(1000.0, 1000.0);
        move_player(&mut body, &input(Buttons::RIGHT, 0.0), &map, dt);
        assert_eq!(body, at(1000.0, 1000.0));
    }
}
