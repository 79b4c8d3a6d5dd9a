use super::*;
use crate::codec::CodedEntity;
use crate::game::GameEntry;

const PIT: &str = "size 600 400\nspawn 100 100\nspawn 500 100\nspawn 100 300\nspawn 500 300\nwall 280 180 40 40\n";

fn config(drones: u32) -> ArenaConfig {
    ArenaConfig::new("pit".into(), PIT.into(), WorldConfig::new(60, drones))
}

/// An eventful match: six players join over time, move, aim and fire (some with
/// lag compensation), one leaves and one joins again.
fn script(tick: u32) -> StepCommands<PlayerInput> {
    let mut c = StepCommands::default();
    if tick < 6 {
        c.joins.push(PlayerId(tick));
    }
    if tick == 200 {
        c.leaves.push(PlayerId(2));
    }
    if tick == 260 {
        c.joins.push(PlayerId(2));
    }
    for p in 0..6u32 {
        let dirs = [Buttons::UP, Buttons::RIGHT, Buttons::DOWN, Buttons::LEFT];
        let dir = dirs[((tick / 40 + p) % 4) as usize];
        let aim = (tick as f32 * 0.05 + p as f32) % 6.0;
        let buttons = Buttons(dir | Buttons::FIRE);
        c.inputs.push((PlayerId(p), PlayerInput { buttons, aim }));
        if p % 2 == 1 {
            c.rewinds.push((PlayerId(p), p * 2));
        }
    }
    c
}

#[test]
fn arena_through_dyn_game_steps_bit_identically_to_the_world() {
    let entry = GameEntry::of::<Arena>();
    let json = serde_json::to_value(config(40)).unwrap();
    let mut game = (entry.create)(&json, 99).unwrap();
    let mut world = World::new(Map::parse(PIT).unwrap(), WorldConfig::new(60, 40), 99);
    let mut kills = 0;
    for t in 0..400 {
        let typed = script(t);
        let events = world.step(&tick_input(&typed));
        let rows = game.step(&typed.map_inputs(Arena::input_values));
        let expected: Vec<EventRow> = events.iter().map(Arena::event_row).collect();
        assert_eq!(rows, expected, "events of tick {t}");
        kills += events
            .iter()
            .filter(|e| matches!(e, GameEvent::Kill { .. }))
            .count();
        assert_eq!(game.state_hash(), world.state_hash(), "tick {t}");
        assert_eq!(game.tick(), world.tick());
    }
    assert!(kills > 0, "the script is eventful");
    let mut rows = Vec::new();
    game.view(&mut rows);
    let snapshot = world.snapshot();
    assert_eq!(rows.len(), snapshot.entities.len());
    for (row, e) in rows.iter().zip(&snapshot.entities) {
        assert_eq!((row.id, usize::from(row.kind)), (e.id, e.kind_index()));
        assert_eq!(row.values[..9], e.values()[..]);
        assert!(row.values[9..].iter().all(|&v| v == 0));
    }
    assert_eq!(
        game.player_entity(PlayerId(1)),
        world.player_entity(PlayerId(1))
    );
}

#[test]
fn save_and_load_step_like_the_original() {
    let entry = GameEntry::of::<Arena>();
    let json = serde_json::to_value(config(25)).unwrap();
    let mut game = (entry.create)(&json, 5).unwrap();
    for t in 0..150 {
        game.step(&script(t).map_inputs(Arena::input_values));
    }
    let mut loaded = (entry.load)(&json, &game.save()).unwrap();
    assert_eq!(loaded.state_hash(), game.state_hash());
    for t in 150..300 {
        let c = script(t).map_inputs(Arena::input_values);
        assert_eq!(loaded.step(&c), game.step(&c));
        assert_eq!(loaded.state_hash(), game.state_hash(), "tick {t}");
    }
    assert!((entry.load)(&json, &[1, 2, 3]).is_err(), "garbage state");
    let bad = serde_json::json!({"map_name": 3});
    assert!((entry.create)(&bad, 1).is_err(), "bad config");
}

#[test]
fn hostile_input_values_clamp_and_wrong_counts_are_dropped() {
    let hostile = InputValues(vec![i32::MIN | 0x1F0, f32::NAN.to_bits() as i32]);
    let input = Arena::input_from_values(&hostile);
    assert_eq!(input.buttons.0, 0xF0);
    assert!(
        input.aim.is_nan(),
        "kept bit for bit; the World sanitizes it"
    );
    let short = Arena::input_from_values(&InputValues(vec![]));
    assert_eq!(short, PlayerInput::default());

    let entry = GameEntry::of::<Arena>();
    let json = serde_json::to_value(config(0)).unwrap();
    let mut game = (entry.create)(&json, 1).unwrap();
    assert_eq!(game.input_len(), 2);
    let mut join = StepCommands::default();
    join.joins.push(PlayerId(1));
    game.step(&join);
    for values in [
        hostile.0.clone(),
        vec![i32::MAX, i32::MIN],
        vec![-1, f32::INFINITY.to_bits() as i32],
        vec![1, 2, 3],
        vec![],
    ] {
        let mut c = StepCommands::default();
        c.inputs.push((PlayerId(1), InputValues(values)));
        c.rewinds.push((PlayerId(1), u32::MAX));
        game.step(&c);
    }
    let mut rows = Vec::new();
    game.view(&mut rows);
    assert!(rows.iter().all(|r| r.values[0] >= 0 && r.values[1] >= 0));
}

#[test]
fn a_repeated_input_releases_fire_and_events_round_trip() {
    let fire = PlayerInput {
        buttons: Buttons(Buttons::UP | Buttons::FIRE),
        aim: 1.5,
    };
    let repeated = Arena::repeat_input(&fire);
    assert_eq!(repeated.buttons, Buttons(Buttons::UP));
    assert_eq!(repeated.aim, 1.5);
    for e in [
        GameEvent::Joined {
            player: PlayerId(3),
            entity: NetId(9),
        },
        GameEvent::Left {
            player: PlayerId(u32::MAX),
        },
        GameEvent::Kill {
            killer: PlayerId(1),
            victim: PlayerId(2),
        },
        GameEvent::Respawn {
            player: PlayerId(4),
            entity: NetId(12),
        },
    ] {
        assert_eq!(Arena::event_from_row(&Arena::event_row(&e)), Some(e));
    }
    let unknown = EventRow {
        event: 9,
        values: vec![],
    };
    assert_eq!(Arena::event_from_row(&unknown), None);
}

#[test]
fn configure_checks_the_map_and_the_drones() {
    let mut options = RoomOptions {
        tick_rate: 30,
        seats: 8,
        npcs: 12,
        ..RoomOptions::default()
    };
    let config = Arena::configure(&options).unwrap();
    assert_eq!((config.world.tick_rate, config.world.drones), (30, 12));
    assert_eq!(config.map_name, DEFAULT_MAP_NAME);
    assert_eq!(Arena::entity_budget(&config, 8), 20);
    options.map = Some(("bad".into(), "size nope".into()));
    assert!(Arena::configure(&options).is_err());
    options.map = None;
    options.npcs = WorldConfig::MAX_DRONES + 1;
    assert!(Arena::configure(&options).is_err());
}

#[test]
fn the_arena_offers_its_default_map_and_configs_hold_the_parsed_maps_text() {
    let format = Arena::maps().unwrap();
    assert_eq!(format.default_name, DEFAULT_MAP_NAME);
    let view = (format.read)(format.default_text).unwrap();
    let want =
        serde_json::to_string(&crate::sim::spectate::MapView::of(&Map::default_map())).unwrap();
    assert_eq!(view, want, "GET /api/maps/arena answers as before");
    let error = (format.read)("name x\nsize nope\n").unwrap_err();
    assert!(error.contains("line 2"), "{error}");
    // The lobby hands over the file's text; the config holds the parsed map's text
    // (as when the lobby rebuilt it), so Welcomes and replay headers are unchanged.
    let options = RoomOptions {
        tick_rate: 60,
        seats: 4,
        map: Some((DEFAULT_MAP_NAME.into(), format.default_text.into())),
        ..RoomOptions::default()
    };
    let config = Arena::configure(&options).unwrap();
    assert_eq!(config.map, Map::default_map().to_text());
    assert_ne!(config.map, format.default_text, "comments are dropped");
    assert_eq!(config.map_name, DEFAULT_MAP_NAME);
}

#[test]
fn bots_move_and_prediction_follows_move_player() {
    let config = config(0);
    let mut game = Arena::new(&config, 3);
    let mut c = StepCommands::default();
    c.joins.push(PlayerId(1));
    game.step(&c);
    let own = game.player_entity(PlayerId(1));
    let mut rows = Vec::new();
    game.view(&mut rows);
    let mut seed = 42;
    let inputs: Vec<PlayerInput> = (0..200)
        .map(|t| Arena::bot_input(&rows, own, Tick(t), &mut seed))
        .collect();
    assert!(inputs.iter().any(|i| i.buttons.has(Buttons::FIRE)));
    assert!(inputs.iter().any(|i| i.buttons.0 & 0b1111 != 0));
    let mut row = *rows.iter().find(|r| Some(r.id) == own).unwrap();
    let before = row;
    let right = PlayerInput {
        buttons: Buttons(Buttons::RIGHT),
        aim: 0.0,
    };
    Arena::predict(&config, &mut row, &right, 1.0 / 60.0);
    assert!(row.values[2] > 0, "velocity to the right");
    assert_eq!(row.values[5..], before.values[5..]);
}

#[test]
fn event_rows_name_their_players_from_the_schema() {
    let kill = Arena::event_row(&GameEvent::Kill {
        killer: PlayerId(4),
        victim: PlayerId(9),
    });
    assert_eq!(kill.players(arena_schema()), vec![PlayerId(4), PlayerId(9)]);
    let joined = Arena::event_row(&GameEvent::Joined {
        player: PlayerId(2),
        entity: NetId(77),
    });
    assert_eq!(joined.players(arena_schema()), vec![PlayerId(2)]);
    let unknown = EventRow {
        event: 200,
        values: vec![1],
    };
    assert!(unknown.players(arena_schema()).is_empty());
}
