//! Everything from outside is hostile: input values of any count and size, event
//! rows of any shape, client rows of any values, saved states and configs from a
//! file. Each gives a value, `None` or a `Refusal`, never a panic.

mod common;

use common::{bot_step, game, join, options, view};
use tickcast_ball::client::predict;
use tickcast_ball::rng::Pcg32;
use tickcast_ball::schema::{BALL, MATCH, PLAYER};
use tickcast_ball::vector::V2;
use tickcast_ball::{Ball, BallEvent, BallInput, State};
use tickcast_shared::codec::{Row, encode_value};
use tickcast_shared::game::{EventRow, Game, GameEntry, InputValues, LoadError, StepCommands};
use tickcast_shared::protocol::{NetId, PlayerId, Tick};

const EDGES: [i32; 7] = [i32::MIN, -257, -1, 0, 255, 256, i32::MAX];

#[test]
fn any_input_values_give_an_input_in_the_domain() {
    let mut rng = Pcg32::new(1);
    for len in 0..40 {
        let values = InputValues((0..len).map(|i| EDGES[(i + len) % 7]).collect());
        let input = Ball::input_from_values(&values);
        assert_eq!(Ball::input_from_values(&Ball::input_values(&input)), input);
        let random = InputValues((0..len).map(|_| rng.next_u32() as i32).collect());
        Ball::input_from_values(&random);
    }
    let input = Ball::input_from_values(&InputValues(vec![-1, -1]));
    assert_eq!(input.dir, 255);
    assert!(input.run && input.sprint && input.kick);
}

#[test]
fn the_engine_adapter_steps_any_input_rows() {
    let entry = GameEntry::of::<Ball>();
    let config = (entry.configure)(&options(30, 6, serde_json::Value::Null)).unwrap();
    let mut running = (entry.create)(&config, 3).unwrap();
    let mut rng = Pcg32::new(2);
    for tick in 0..600u32 {
        let mut commands = StepCommands::default();
        if tick == 0 {
            commands.joins = (1..=8).map(PlayerId).collect();
        }
        for player in 0..10 {
            let len = (rng.next_u32() % 5) as usize;
            let values = (0..len).map(|_| EDGES[(rng.next_u32() % 7) as usize]);
            commands
                .inputs
                .push((PlayerId(player), InputValues(values.collect())));
        }
        running.step(&commands);
    }
    assert_eq!(running.tick(), Tick(600));
}

#[test]
fn event_rows_of_any_shape() {
    let events = [
        BallEvent::Goal {
            team: tickcast_ball::Team::Blue,
            scorer: PlayerId(u32::MAX),
        },
        BallEvent::Kickoff {
            team: tickcast_ball::Team::Red,
        },
        BallEvent::MatchOver { winner: None },
        BallEvent::MatchOver {
            winner: Some(tickcast_ball::Team::Blue),
        },
    ];
    for event in events {
        assert_eq!(Ball::event_from_row(&Ball::event_row(&event)), Some(event));
    }
    for event in 0..=255u8 {
        for len in 0..4 {
            for v in EDGES {
                let row = EventRow {
                    event,
                    values: vec![v; len],
                };
                if let Some(e) = Ball::event_from_row(&row) {
                    assert_eq!(Ball::event_row(&e), row);
                }
            }
        }
    }
}

#[test]
fn bots_and_prediction_take_any_rows() {
    let mut rng = Pcg32::new(4);
    for _ in 0..2_000 {
        let mut rows = Vec::new();
        for id in 0..(rng.next_u32() % 6) {
            let kind = [BALL, PLAYER, MATCH, 7][(rng.next_u32() % 4) as usize];
            let mut row = Row::new(NetId(id), kind);
            for v in row.values.iter_mut() {
                *v = if rng.next_u32() % 2 == 0 {
                    EDGES[(rng.next_u32() % 7) as usize]
                } else {
                    rng.next_u32() as i32
                };
            }
            rows.push(row);
        }
        let own = Some(NetId(rng.next_u32() % 6));
        let mut state = u64::from(rng.next_u32());
        let input = Ball::bot_input(&rows, own, Tick(0), &mut state);
        for row in &mut rows {
            for dt in [f32::NAN, f32::INFINITY, -1.0, 0.0, 1.0 / 60.0, 5.0] {
                predict(row, &input, dt);
            }
        }
    }
}

#[test]
fn prediction_matches_the_server_for_the_own_player() {
    let mut g = game(5, 6);
    join(&mut g, &[PlayerId(1)]);
    while g.state().game.phase != tickcast_ball::Phase::Playing {
        g.step(&StepCommands::default());
    }
    let input = BallInput {
        dir: 40,
        run: true,
        sprint: true,
        kick: false,
    };
    let own = g.player_entity(PlayerId(1)).unwrap();
    let mut predicted = view(&g).into_iter().find(|r| r.id == own).unwrap();
    g.step(&StepCommands {
        inputs: vec![(PlayerId(1), input)],
        ..StepCommands::default()
    });
    predict(&mut predicted, &input, 1.0 / 60.0);
    let served = view(&g).into_iter().find(|r| r.id == own).unwrap();
    for (p, s) in predicted.values.iter().zip(served.values.iter()) {
        assert!(
            (p - s).abs() <= 1,
            "{:?} vs {:?}",
            predicted.values,
            served.values
        );
    }
}

/// A state from a real match to spoil.
fn saved() -> (Ball, State) {
    let mut g = game(5, 12);
    let players: Vec<PlayerId> = (1..=6).map(PlayerId).collect();
    join(&mut g, &players);
    let mut rngs = Vec::new();
    for _ in 0..300 {
        bot_step(&mut g, &players, &mut rngs);
    }
    let state = g.save();
    (g, state)
}

#[test]
fn hostile_saved_states_are_refused() {
    let (g, good) = saved();
    assert!(Ball::load(g.config(), good.clone()).is_ok());
    type Spoil = fn(&mut State);
    let spoilers: Vec<(&str, Spoil)> = vec![
        ("nan ball", |s| s.ball.pos.x = f32::NAN),
        ("ball far away", |s| s.ball.pos = V2::new(1e9, 0.0)),
        ("infinite speed", |s| s.ball.vel.y = f32::INFINITY),
        ("wild spin", |s| s.ball.spin = 1e6),
        ("next id 0", |s| s.next_id = 0),
        ("id past next", |s| s.players[0].id = s.next_id),
        ("unsorted", |s| s.players.swap(0, 1)),
        ("twice", |s| s.players[1].player = s.players[0].player),
        ("player off pitch", |s| s.players[2].body.pos.y = -400.0),
        ("nan heading", |s| s.players[2].body.heading = f32::NAN),
        ("stamina", |s| s.players[3].body.stamina = 1e30),
        ("negative stamina", |s| s.players[3].body.stamina = -1.0),
        ("cooldown", |s| s.players[3].kick_cooldown = u32::MAX),
        ("clock", |s| s.game.clock = u16::MAX),
        ("pause", |s| s.game.pause = u32::MAX),
        ("crowd", |s| {
            let p = s.players[0];
            s.players = (0..30)
                .map(|i| tickcast_ball::state::PlayerState {
                    id: 3 + i,
                    player: PlayerId(100 + i),
                    ..p
                })
                .collect();
            s.next_id = 40;
        }),
    ];
    for (name, spoil) in spoilers {
        let mut state = good.clone();
        spoil(&mut state);
        let refusal = Ball::load(g.config(), state).expect_err(name);
        assert!(
            refusal.0.starts_with("saved ball state"),
            "{name}: {refusal}"
        );
    }
}

#[test]
fn hostile_saved_bytes_and_configs_never_panic() {
    let (g, good) = saved();
    let entry = GameEntry::of::<Ball>();
    let config = serde_json::to_value(g.config()).unwrap();
    let bytes = encode_value(&good);
    assert!((entry.load)(&config, &bytes).is_ok());
    let mut rng = Pcg32::new(5);
    let mut loaded = 0;
    for round in 0..3_000 {
        let mut spoiled = bytes.clone();
        match round % 3 {
            0 => spoiled.truncate((rng.next_u32() as usize) % bytes.len()),
            1 => {
                for _ in 0..1 + rng.next_u32() % 4 {
                    let at = rng.next_u32() as usize % spoiled.len();
                    spoiled[at] ^= 1 << (rng.next_u32() % 8);
                }
            }
            _ => {
                spoiled = (0..rng.next_u32() % 64)
                    .map(|_| rng.next_u32() as u8)
                    .collect()
            }
        }
        if let Ok(mut game) = (entry.load)(&config, &spoiled) {
            loaded += 1;
            for _ in 0..20 {
                game.step(&StepCommands::default());
            }
        }
    }
    eprintln!("{loaded} of 3 000 spoiled saves passed the check and stepped");
    // Configs from a replay header: any numbers are pulled into bounds, other
    // shapes are a typed error.
    for hostile in [
        serde_json::json!({"tick_rate": 0, "per_team": 0, "minutes": 0}),
        serde_json::json!({"tick_rate": u32::MAX, "per_team": u32::MAX, "minutes": u32::MAX}),
    ] {
        let mut game = (entry.create)(&hostile, 1).unwrap();
        game.step(&StepCommands {
            joins: (0..50).map(PlayerId).collect(),
            ..StepCommands::default()
        });
        assert!((entry.entity_budget)(&hostile, u32::MAX).unwrap() <= 22);
    }
    for shape in [
        serde_json::json!(null),
        serde_json::json!({"tick_rate": "x"}),
    ] {
        assert!(matches!(
            (entry.create)(&shape, 1),
            Err(LoadError::Config { .. })
        ));
    }
}

#[test]
fn room_options_out_of_bounds_are_refused() {
    use serde_json::json;
    let refused = [
        options(60, 0, json!(null)),
        options(60, 21, json!(null)),
        options(0, 10, json!(null)),
        options(9, 10, json!(null)),
        options(241, 10, json!(null)),
        options(60, 10, json!({"minutes": 0})),
        options(60, 10, json!({"minutes": 16})),
        options(60, 10, json!({"minutes": -3})),
        options(60, 10, json!({"minutes": 2.5})),
        options(60, 10, json!({"minutes": "5"})),
        options(60, 10, json!({"minutes": 5, "gravity": 1})),
        options(60, 10, json!([5])),
        options(60, 10, json!("five")),
        // 15 minutes at 120 Hz overflow the 16-bit clock.
        options(120, 10, json!({"minutes": 15})),
    ];
    for o in refused {
        assert!(Ball::configure(&o).is_err(), "{o:?}");
    }
    let config = Ball::configure(&options(60, 7, json!({}))).unwrap();
    assert_eq!((config.per_team, config.minutes), (4, 5));
    let config = Ball::configure(&options(120, 20, json!({"minutes": 9}))).unwrap();
    assert_eq!(config.match_ticks(), 64_800);
    assert_eq!(Ball::entity_budget(&config, 20), 22);
    assert_eq!(Ball::entity_budget(&config, 1_000), 22);
}
