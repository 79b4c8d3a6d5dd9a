//! `tests/browser/golden/spectate.json`: a spectator event stream of a real match
//! (as `event:` name and `data:` JSON) and the entities it rebuilds, for the JS
//! spectator state (`assets/web/js/spec_state.js`).

use crate::{check_or_bless, pretty};
use serde_json::{Value, json};
use tickcast_shared::protocol::{Buttons, PlayerId, PlayerInput};
use tickcast_shared::sim::{Map, TickInput, World, WorldConfig};
use tickcast_shared::spectate::{Feed, MapView, SpecEvent, SpecState, game_event};

fn spectate_json() -> Value {
    let map = Map::default_map();
    let mut world = World::new(map.clone(), WorldConfig::new(60, 12), 11);
    let mut feed = Feed::new(MapView::of(&map), 60, 60);
    let mut events: Vec<SpecEvent> = Vec::new();
    let mut state = SpecState::new();
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
        let happened = world.step(&input);
        events.extend(game_event(world.tick(), &happened));
        if t % 6 == 0 {
            events.push(feed.frame(world.snapshot()));
        }
    }
    let stream: Vec<Value> = events
        .iter()
        .map(|e| {
            state.apply(e).unwrap();
            json!({ "event": e.name(), "id": e.id().map(|i| i.0), "data": e.data_json() })
        })
        .collect();
    // Through the wire's JSON text, so floats read back as the events carry them.
    let entities: Vec<_> = state.entities.values().collect();
    let expected: Value = serde_json::from_str(&serde_json::to_string(&entities).unwrap()).unwrap();
    assert!(
        events.iter().any(|e| e.name() == "game"),
        "the match must have game events"
    );
    json!({ "events": stream, "expected_tick": state.tick, "expected_entities": expected })
}

#[test]
fn spectate_vectors_match_the_event_model() {
    check_or_bless(
        "tests/browser/golden/spectate.json",
        &pretty(&spectate_json()),
    );
}
