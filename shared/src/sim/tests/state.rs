//! [`WorldState`]: a restored World steps exactly like the one it was saved from.

use super::determinism::{PIT, script};
use crate::codec::{decode_value, encode_value};
use crate::protocol::{NetId, PlayerId};
use crate::sim::GameEvent;
use crate::sim::{Map, RestoreError, World, WorldConfig, WorldState};

fn pit(drones: u32) -> World {
    World::new(Map::parse(PIT).unwrap(), WorldConfig::new(60, drones), 77)
}

fn restored(state: &WorldState, drones: u32) -> Result<World, RestoreError> {
    World::restore(
        Map::parse(PIT).unwrap(),
        WorldConfig::new(60, drones),
        state,
    )
}

#[test]
fn a_restored_world_continues_exactly_like_the_original() {
    let mut original = pit(40);
    let mut events: Vec<Vec<GameEvent>> = Vec::new();
    let mut saves = Vec::new();
    for t in 0..600 {
        if [0, 5, 150, 299, 301, 450, 599].contains(&t) {
            saves.push((t, original.save_state()));
        }
        events.push(original.step(&script(t)));
    }
    let kills = events
        .iter()
        .flatten()
        .filter(|e| matches!(e, GameEvent::Kill { .. }));
    assert!(kills.count() >= 3, "the script must be eventful");
    for (at, state) in saves {
        // Through the bytes a replay stores, too.
        let state: WorldState = decode_value(&encode_value(&state), 1 << 24).unwrap();
        let mut world = restored(&state, 40).unwrap();
        assert_eq!(world.tick().0, at);
        assert_eq!(world.save_state(), state, "save(restore(s)) == s at {at}");
        let rest: Vec<Vec<GameEvent>> = (at..600).map(|t| world.step(&script(t))).collect();
        assert_eq!(world.state_hash(), original.state_hash(), "from tick {at}");
        assert_eq!(
            rest.as_slice(),
            &events[at as usize..],
            "events from tick {at}"
        );
    }
}

#[test]
fn the_state_hash_survives_a_restore() {
    let mut world = pit(10);
    for t in 0..200 {
        world.step(&script(t));
    }
    let again = restored(&world.save_state(), 10).unwrap();
    assert_eq!(again.state_hash(), world.state_hash());
    assert_eq!(again.snapshot(), world.snapshot());
}

#[test]
fn malformed_states_are_refused() {
    let mut world = pit(5);
    for t in 0..100 {
        world.step(&script(t));
    }
    let good = world.save_state();
    assert!(!good.players.is_empty() && good.drones.len() == 5);

    let mut dup = good.clone();
    dup.drones[1].id = dup.drones[0].id;
    assert!(matches!(
        restored(&dup, 5),
        Err(RestoreError::BadEntityId(_))
    ));

    let mut beyond = good.clone();
    beyond.drones[4].id = NetId(good.next_id);
    assert!(matches!(
        restored(&beyond, 5),
        Err(RestoreError::BadEntityId(_))
    ));

    let mut players = good.clone();
    players.players[1].player = PlayerId(0);
    assert!(matches!(
        restored(&players, 5),
        Err(RestoreError::BadPlayerId(_))
    ));

    let mut nan = good.clone();
    nan.drones[2].body.pos[0] = f32::NAN;
    assert!(matches!(restored(&nan, 5), Err(RestoreError::NotFinite(_))));

    let mut heading = good;
    heading.drones[3].heading = f32::INFINITY;
    assert!(matches!(
        restored(&heading, 5),
        Err(RestoreError::NotFinite(_))
    ));
}
