//! The schema as data (frozen descriptor, row layout), the view as the codec sees
//! it (sorted, unique, exact round trip), and the game through the engine's
//! catalog entry.

mod common;

use common::{bot_commands, game, options, view};
use tickcast_ball::Ball;
use tickcast_ball::rng::Pcg32;
use tickcast_ball::schema::player_values;
use tickcast_ball::schema::{BALL, MATCH, PLAYER, ball_values, build_schema, match_values};
use tickcast_shared::codec::{DeltaLimits, RowCodec, RowSnapshot, apply_rows, encode_rows};
use tickcast_shared::game::{Game, GameEntry, InputValues, StepCommands};
use tickcast_shared::protocol::{PlayerId, Tick};
use tickcast_shared::schema::Schema;

/// The canonical descriptor (one trailing newline in the file). Changing it
/// changes every client's schema check: do it on purpose.
const DESCRIPTOR: &str = include_str!("ball_schema.json");
/// The first 8 bytes of its SHA-256, as `sha256sum` computes them.
const HASH: &str = "74f9d7fba2445c1d";

#[test]
fn descriptor_is_frozen_and_round_trips() {
    let schema = build_schema().unwrap();
    let frozen = DESCRIPTOR.trim_end();
    assert_eq!(schema.canonical_json(), frozen);
    assert_eq!(Schema::from_json(&schema.canonical_json()).unwrap(), schema);
    assert_eq!(Schema::from_json(&schema.pretty_json()).unwrap(), schema);
    assert_eq!(schema.hash().to_string(), HASH);
    assert_eq!(Ball::schema(), &schema);
    assert_eq!(schema.validate(), Ok(()));
    assert_eq!(schema.name(), "ball");
}

#[test]
fn row_constants_follow_the_schema_layout() {
    let schema = Ball::schema();
    let check = |kind: u8, name: &str, names: &[(&str, usize)], count: usize| {
        let k = schema.kind(usize::from(kind)).unwrap();
        assert_eq!(k.name, name);
        assert_eq!(k.values(), count);
        for (value, at) in names {
            assert_eq!(k.value_index(value), Some(*at), "{name}.{value}");
        }
    };
    use ball_values as b;
    use match_values as m;
    use player_values as p;
    let ball = [
        ("x", b::X),
        ("y", b::Y),
        ("vx", b::VX),
        ("vy", b::VY),
        ("spin", b::SPIN),
        ("radius", b::RADIUS),
        ("touch", b::TOUCH),
    ];
    check(BALL, "ball", &ball, 7);
    let player = [
        ("x", p::X),
        ("y", p::Y),
        ("vx", p::VX),
        ("vy", p::VY),
        ("heading", p::HEADING),
        ("team", p::TEAM),
        ("stamina", p::STAMINA),
        ("flags", p::FLAGS),
        ("owner", p::OWNER),
        ("radius", p::RADIUS),
    ];
    check(PLAYER, "player", &player, 10);
    let game = [
        ("score_red", m::SCORE_RED),
        ("score_blue", m::SCORE_BLUE),
        ("clock", m::CLOCK),
        ("phase", m::PHASE),
    ];
    check(MATCH, "match", &game, 4);
    let input: usize = schema.input().iter().map(|f| f.codec.values()).sum();
    assert_eq!(Ball::input_values(&Default::default()).0.len(), input);
}

#[test]
fn rows_are_sorted_and_round_trip_the_codec_exactly() {
    let codec = RowCodec::new(Ball::schema());
    let mut g = game(1, 21);
    let mut rng = Pcg32::new(3);
    let mut present: Vec<PlayerId> = Vec::new();
    let mut rngs = Vec::new();
    let mut previous: Option<RowSnapshot> = None;
    for _ in 0..3_000 {
        let mut commands = bot_commands(&g, &present, &mut rngs);
        match rng.next_u32() % 40 {
            0 if present.len() < 20 => {
                let player = PlayerId(1 + rng.next_u32() % 30);
                if !present.contains(&player) {
                    present.push(player);
                }
                commands.joins.push(player);
            }
            1 if !present.is_empty() => {
                commands
                    .leaves
                    .push(present.remove(rng.next_u32() as usize % present.len()));
            }
            _ => {}
        }
        g.step(&commands);
        let rows = view(&g);
        assert!(rows.windows(2).all(|w| w[0].id < w[1].id), "sorted, unique");
        assert_eq!(rows.len(), 2 + g.state().players.len());
        let current = RowSnapshot {
            tick: g.tick(),
            rows,
        };
        let bytes = encode_rows(&codec, previous.as_ref(), &current).unwrap();
        let decoded = apply_rows(&codec, previous.as_ref(), &bytes, &DeltaLimits::default());
        assert_eq!(
            decoded.as_ref(),
            Ok(&current),
            "every value in its field's domain"
        );
        previous = Some(current);
    }
}

#[test]
fn the_catalog_entry_creates_steps_saves_and_loads() {
    let entry = GameEntry::of::<Ball>();
    assert_eq!(entry.name(), "ball");
    let config = (entry.configure)(&options(30, 8, serde_json::json!({"minutes": 2}))).unwrap();
    assert_eq!(config["minutes"], 2);
    assert_eq!((entry.entity_budget)(&config, 8).unwrap(), 10);
    let mut a = (entry.create)(&config, 77).unwrap();
    assert_eq!(a.config_json(), config);
    let players: Vec<PlayerId> = (1..=8).map(PlayerId).collect();
    let mut bot_rng = vec![1u64; players.len()];
    let mut step = |game: &mut Box<dyn tickcast_shared::game::DynGame>, join: bool| {
        let mut rows = Vec::new();
        game.view(&mut rows);
        let mut commands = StepCommands::<InputValues>::default();
        if join {
            commands.joins = players.clone();
        }
        for (player, rng) in players.iter().zip(bot_rng.iter_mut()) {
            let own = game.player_entity(*player);
            commands
                .inputs
                .push((*player, (entry.bot_input)(&rows, own, game.tick(), rng)));
        }
        (game.step(&commands), commands)
    };
    let mut events = 0;
    for tick in 0..900 {
        events += step(&mut a, tick == 0).0.len();
    }
    assert!(events > 0, "a kickoff at least");
    assert_eq!(a.tick(), Tick(900));
    let mut b = (entry.load)(&config, &a.save()).unwrap();
    assert_eq!(b.state_hash(), a.state_hash());
    for _ in 0..600 {
        let (events, commands) = step(&mut a, false);
        assert_eq!(b.step(&commands), events);
        assert_eq!(b.state_hash(), a.state_hash());
    }
    let (mut ra, mut rb) = (Vec::new(), Vec::new());
    a.view(&mut ra);
    b.view(&mut rb);
    assert_eq!(ra, rb);
    let own = a.player_entity(PlayerId(3)).unwrap();
    let mut row = *ra.iter().find(|r| r.id == own).unwrap();
    (entry.predictor)(&config)
        .unwrap()
        .predict(&mut row, &InputValues(vec![64, 1]), 1.0 / 30.0);
    assert_ne!(row, *ra.iter().find(|r| r.id == own).unwrap());
}
