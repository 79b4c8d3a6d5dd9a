//! `tests/browser/golden/movement.json`: `move_player` trajectories on the default
//! map, which the JS port must reproduce bit for bit.

use crate::{check_or_bless, pretty};
use glam::Vec2;
use serde_json::{Value, json};
use tickcast_shared::sim::spectate::MapView;
use tickcast_shared::sim::{Body, Map, move_player};
use tickcast_shared::sim::{Buttons, PlayerInput};

const U: u8 = Buttons::UP;
const D: u8 = Buttons::DOWN;
const L: u8 = Buttons::LEFT;
const R: u8 = Buttons::RIGHT;

/// `(name, start [x, y, vx, vy], tick rate, held buttons per step)`.
fn cases() -> Vec<(&'static str, [f32; 4], u32, Vec<u8>)> {
    let hold = |bits: u8, n: usize| vec![bits; n];
    let mut zigzag = Vec::new();
    for i in 0..60 {
        zigzag.push([U | R, D | R, U | L, R, 0, L | R, U | D][i % 7]);
    }
    vec![
        (
            "accelerate right then coast",
            [150.0, 150.0, 0.0, 0.0],
            60,
            {
                let mut v = hold(R, 40);
                v.extend(hold(0, 40));
                v
            },
        ),
        (
            "diagonal into the arena corner",
            [60.0, 60.0, 0.0, 0.0],
            60,
            hold(D | L, 50),
        ),
        (
            "run into a wall and slide along it",
            [400.0, 400.0, 0.0, 0.0],
            60,
            hold(R | U, 90),
        ),
        (
            "hit the centre block from above",
            [1000.0, 700.0, 0.0, -120.0],
            60,
            hold(D, 60),
        ),
        (
            "fast start is capped",
            [1000.0, 300.0, 500.0, -500.0],
            60,
            hold(L, 20),
        ),
        ("zigzag", [700.0, 600.0, 37.25, -12.5], 60, zigzag.clone()),
        (
            "30 Hz steps",
            [1800.0, 1000.0, 0.0, 0.0],
            30,
            hold(U | L, 45),
        ),
        ("odd tick rate", [300.0, 900.0, 3.0, 3.0], 64, zigzag),
    ]
}

fn movement_json() -> Value {
    let map = Map::default_map();
    let cases: Vec<Value> = cases()
        .into_iter()
        .map(|(name, [x, y, vx, vy], tick_rate, inputs)| {
            let dt = 1.0 / tick_rate as f32;
            let mut body = Body {
                pos: Vec2::new(x, y),
                vel: Vec2::new(vx, vy),
            };
            let steps: Vec<[f32; 4]> = inputs
                .iter()
                .map(|&bits| {
                    let input = PlayerInput {
                        buttons: Buttons(bits),
                        aim: 0.0,
                    };
                    move_player(&mut body, &input, &map, dt);
                    [body.pos.x, body.pos.y, body.vel.x, body.vel.y]
                })
                .collect();
            json!({
                "name": name,
                "tick_rate": tick_rate,
                "start": [x, y, vx, vy],
                "buttons": inputs,
                "steps": steps,
            })
        })
        .collect();
    json!({ "map": MapView::of(&map), "cases": cases })
}

#[test]
fn movement_vectors_match_the_sim() {
    check_or_bless(
        "tests/browser/golden/movement.json",
        &pretty(&movement_json()),
    );
}
