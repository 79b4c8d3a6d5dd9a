//! The coins game on its own: determinism, the rules, hostile values, save and load,
//! and the catalog entry the engine uses.

use super::*;
use tickcast_shared::codec::DeltaLimits;
use tickcast_shared::codec::{RowCodec, RowSnapshot, apply_rows, encode_rows};
use tickcast_shared::game::GameEntry;

fn commands(joins: &[u32], inputs: &[(u32, u8)]) -> StepCommands<Keys> {
    StepCommands {
        joins: joins.iter().map(|p| PlayerId(*p)).collect(),
        inputs: inputs
            .iter()
            .map(|(p, k)| (PlayerId(*p), Keys(*k)))
            .collect(),
        ..StepCommands::default()
    }
}

fn config() -> CoinsConfig {
    Coins::configure(&RoomOptions::default()).unwrap_or_else(|e| panic!("{e}"))
}

/// Two bots play `ticks` ticks; the game and its hash after each.
fn bot_match(seed: u64, ticks: u32) -> (Coins, Vec<u64>) {
    let mut game = Coins::new(&config(), seed);
    game.step(&commands(&[1, 2], &[]));
    let mut hashes = Vec::new();
    let mut rows = Vec::new();
    for _ in 0..ticks {
        rows.clear();
        game.view(&mut rows);
        let mut inputs = Vec::new();
        for p in [1, 2] {
            let own = game.player_entity(PlayerId(p));
            let keys = Coins::bot_input(&rows, own, game.tick(), &mut 0);
            inputs.push((p, keys.0));
        }
        game.step(&commands(&[], &inputs));
        hashes.push(game.state_hash());
    }
    (game, hashes)
}

#[test]
fn the_same_commands_give_the_same_game() {
    let (a, ha) = bot_match(7, 500);
    let (b, hb) = bot_match(7, 500);
    assert_eq!(ha, hb);
    assert_eq!(a, b);
    let (_, hc) = bot_match(8, 500);
    assert_ne!(ha, hc, "another seed places other coins");
}

#[test]
fn bots_collect_coins_and_rows_stay_sorted() {
    let (game, _) = bot_match(3, 2_000);
    let score: u32 = game.players.iter().map(|w| w.score).sum();
    assert!(
        score >= 4,
        "two bots chasing coins for 2 000 ticks scored {score}"
    );
    let mut rows = Vec::new();
    game.view(&mut rows);
    assert!(rows.windows(2).all(|w| w[0].id < w[1].id));
    assert_eq!(rows.len(), 8 + 2);
}

#[test]
fn hostile_input_values_never_panic() {
    let mut game = Coins::new(&config(), 1);
    game.step(&commands(&[1], &[]));
    for v in [i32::MIN, -1, 0, 15, 16, i32::MAX] {
        let keys = Coins::input_from_values(&InputValues(vec![v, v]));
        assert!(keys.0 <= 0b1111);
        game.step(&commands(&[], &[(1, keys.0), (99, keys.0)]));
    }
    let empty = Coins::input_from_values(&InputValues(Vec::new()));
    assert_eq!(empty, Keys(0));
}

#[test]
fn a_saved_game_steps_like_the_original_and_bad_states_are_refused() {
    let (mut game, _) = bot_match(5, 300);
    let mut copy = Coins::load(&config(), game.save()).unwrap_or_else(|e| panic!("{e}"));
    for _ in 0..100 {
        let c = commands(&[], &[(1, 0b1001), (2, 0b0110)]);
        game.step(&c);
        copy.step(&c);
    }
    assert_eq!(game.state_hash(), copy.state_hash());
    let mut broken = game.save();
    broken.coins[0].1 = [BOARD, 0];
    assert!(Coins::load(&config(), broken).is_err());
    let mut broken = game.save();
    broken.players.reverse();
    assert!(Coins::load(&config(), broken).is_err());
}

#[test]
fn options_are_checked() {
    let with = |extra| RoomOptions {
        extra,
        ..RoomOptions::default()
    };
    assert_eq!(
        Coins::configure(&with(serde_json::json!({"coins": 3}))),
        Ok(CoinsConfig { coins: 3 })
    );
    for bad in [
        serde_json::json!({"coins": 0}),
        serde_json::json!({"coins": 65}),
        serde_json::json!({"coins": "x"}),
    ] {
        assert!(Coins::configure(&with(bad)).is_err());
    }
}

#[test]
fn events_and_inputs_round_trip_through_values() {
    let event = Collected {
        player: PlayerId(4),
        coin: NetId(2),
    };
    assert_eq!(
        Coins::event_from_row(&Coins::event_row(&event)),
        Some(event)
    );
    assert_eq!(
        Coins::input_from_values(&Coins::input_values(&Keys(9))),
        Keys(9)
    );
    assert!(
        Coins::event_from_row(&EventRow {
            event: 1,
            values: vec![]
        })
        .is_none()
    );
}

#[test]
fn the_catalog_entry_creates_steps_saves_and_loads() {
    let entry = GameEntry::of::<Coins>();
    assert_eq!(entry.name(), "coins");
    let options = RoomOptions {
        extra: serde_json::json!({"coins": 5}),
        ..RoomOptions::default()
    };
    let config = (entry.configure)(&options).unwrap_or_else(|e| panic!("{e}"));
    let mut game = (entry.create)(&config, 11).unwrap_or_else(|e| panic!("{e}"));
    let joins = StepCommands {
        joins: vec![PlayerId(1)],
        ..StepCommands::default()
    };
    game.step(&joins);
    let walk = StepCommands {
        inputs: vec![(PlayerId(1), InputValues(vec![8]))],
        ..StepCommands::default()
    };
    for _ in 0..50 {
        game.step(&walk);
    }
    let copy = (entry.load)(&config, &game.save()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(copy.state_hash(), game.state_hash());
    assert!((entry.load)(&config, b"not a state").is_err());
}

#[test]
fn rows_go_through_the_delta_codec() {
    let codec = RowCodec::new(coins_schema());
    let (mut game, _) = bot_match(9, 10);
    let mut before = RowSnapshot {
        tick: game.tick(),
        rows: Vec::new(),
    };
    game.view(&mut before.rows);
    game.step(&commands(&[3], &[(1, 1), (2, 4)]));
    let mut after = RowSnapshot {
        tick: game.tick(),
        rows: Vec::new(),
    };
    game.view(&mut after.rows);
    let body = encode_rows(&codec, Some(&before), &after).unwrap_or_else(|e| panic!("{e}"));
    let decoded = apply_rows(&codec, Some(&before), &body, &DeltaLimits::default())
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(decoded, after);
}
