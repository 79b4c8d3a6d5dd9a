//! `tests/browser/golden/spectate.json`: a spectator event stream of a real arena
//! match as a live room sends it (the generic [`RowFeed`] on the arena's rows; as
//! `event:` name, `id:` and `data:`), in the JSON format (`events`) and in the
//! binary format (`binary_events`: range-coded bodies in base64), and the entities
//! both rebuild, for the JS spectator states (`assets/web/js/spec_state.js`,
//! `assets/web/js/spec_binary.js`).

use crate::{check_or_bless, pretty};
use serde_json::{Value, json};
use std::sync::Arc;
use tickcast_shared::game::Game;
use tickcast_shared::protocol::PlayerId;
use tickcast_shared::sim::spectate::{ArenaEvent, BinaryState, SpecEntity, SpecState};
use tickcast_shared::sim::{Arena, Buttons, PlayerInput, legacy};
use tickcast_shared::sim::{Map, TickInput, World, WorldConfig};
use tickcast_shared::spectate::{PlayerName, RowFeed, SseEvent};

/// One rendered SSE event read back with the reference model.
fn parse(sse: &str) -> ArenaEvent {
    let p = parts(sse);
    ArenaEvent::parse(p["event"].as_str().unwrap(), p["data"].as_str().unwrap()).unwrap()
}

/// `(event, id, data)` of one rendered SSE event.
fn parts(sse: &str) -> Value {
    let field = |name: &str| {
        sse.lines()
            .find_map(|l| l.strip_prefix(name))
            .map(str::to_owned)
    };
    json!({
        "event": field("event: "),
        "id": field("id: ").map(|i| i.parse::<u64>().unwrap()),
        "data": field("data: "),
    })
}

fn spectate_json() -> Value {
    let map = Map::default_map();
    let mut world = World::new(map.clone(), WorldConfig::new(60, 12), 11);
    let mut feed = RowFeed::new(Arena::schema(), &map.name, 60, 60);
    let mut events: Vec<ArenaEvent> = Vec::new();
    let mut binary: Vec<String> = Vec::new();
    let mut texts: Vec<String> = Vec::new();
    let mut state = SpecState::new();
    // Player 1 has a display name, player 2 none the server knows.
    let names = [PlayerName {
        player: PlayerId(1),
        name: "ann".into(),
    }];
    feed.set_players(names.to_vec());
    for t in 1..=150u32 {
        let mut input = TickInput::default();
        if t == 3 {
            input.joins = vec![PlayerId(1), PlayerId(2)];
        }
        if t == 140 {
            input.leaves = vec![PlayerId(1)];
        }
        let fire = PlayerInput {
            buttons: Buttons(Buttons::FIRE | Buttons::DOWN),
            aim: 3.0,
        };
        input.inputs = vec![(PlayerId(1), fire), (PlayerId(2), fire)];
        let happened: Vec<_> = world.step(&input).iter().map(Arena::event_row).collect();
        if let Some(game) = feed.game(world.tick(), &happened, &names) {
            binary.push(game.clone());
            events.push(parse(&game));
            texts.push(game);
        }
        if t % 6 == 0 {
            let frame = feed
                .frame(Arc::new(legacy::rows(&world.snapshot())))
                .unwrap();
            binary.push(frame.binary);
            events.push(parse(&frame.json));
            texts.push(frame.json);
        }
    }
    for e in &events {
        state.apply(e).unwrap();
    }
    let stream: Vec<Value> = texts.iter().map(|t| parts(t)).collect();
    // Through the wire's JSON text, so floats read back as the events carry them.
    let entities: Vec<_> = state.entities.values().collect();
    // Through the wire's JSON text, so floats read back as the events carry them;
    // then every field, zeros too (the JS states fill in what the JSON leaves out).
    let mut expected: Value =
        serde_json::from_str(&serde_json::to_string(&entities).unwrap()).unwrap();
    for (e, entity) in expected.as_array_mut().unwrap().iter_mut().zip(&entities) {
        for f in ["vx", "vy", "angle", "hp", "score", "flags", "owner"] {
            e.as_object_mut().unwrap().entry(f).or_insert(json!(0));
        }
        // The angle's exact value (the JS state snaps to the same f32 step).
        e["angle"] = json!(f64::from(entity.angle));
    }
    assert!(
        events.iter().any(|e| e.name() == "game"),
        "the match must have game events"
    );
    // The binary stream rebuilds the same entities.
    let mut bin = BinaryState::default();
    for text in &binary {
        let p = parts(text);
        bin.apply(p["event"].as_str().unwrap(), p["data"].as_str().unwrap())
            .unwrap();
    }
    let rebuilt: Vec<SpecEntity> = bin
        .snapshot
        .as_ref()
        .unwrap()
        .entities
        .iter()
        .map(SpecEntity::of)
        .collect();
    assert_eq!(
        rebuilt,
        state.entities.values().copied().collect::<Vec<_>>()
    );
    let binary_events: Vec<Value> = binary.iter().map(|t| parts(t)).collect();
    json!({
        "events": stream,
        "binary_events": binary_events,
        "expected_tick": state.tick,
        "expected_entities": expected,
    })
}

#[test]
fn spectate_vectors_match_the_event_model() {
    check_or_bless(
        "tests/browser/golden/spectate.json",
        &pretty(&spectate_json()),
    );
}
