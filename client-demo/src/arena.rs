//! The arena in this client: what only the arena's window, its prediction and the
//! typed accessors need. Its input and events as typed values, its map from the room
//! config, its rows as [`EntityState`]s. The rest of the client knows no game: it
//! holds the `Welcome`'s schema and speaks [`InputValues`], [`EventRow`]s and rows.

use crate::error::{ClientError, Result};
use crate::games::GameInput;
use tickcast_shared::codec::{EntityState, Row, RowSnapshot, Snapshot};
use tickcast_shared::game::{EventRow, InputValues};
use tickcast_shared::protocol::{Buttons, GameEvent, NetId, PlayerId, PlayerInput};
use tickcast_shared::schema::Schema;
use tickcast_shared::sim::Map;
use tickcast_shared::sim::schema::arena_schema;

/// The arena's game name.
pub const NAME: &str = "arena";

/// Whether `schema` is the arena's (the schema this client's arena code was built for).
pub fn is_arena(schema: &Schema) -> bool {
    schema == arena_schema()
}

impl GameInput for PlayerInput {
    fn input_values(&self) -> InputValues {
        input_values(self)
    }
}

/// An arena input as the schema's input values: `buttons`, then `aim`'s bits.
pub fn input_values(input: &PlayerInput) -> InputValues {
    InputValues(vec![i32::from(input.buttons.0), input.aim.to_bits() as i32])
}

/// An arena input from the schema's input values (any values give an input: unknown
/// buttons are dropped, a non-finite aim is 0).
pub fn input_from_values(values: &InputValues) -> PlayerInput {
    let buttons = (values.get(0) & i32::from(Buttons::ALL)) as u8;
    let aim = f32::from_bits(values.get(1) as u32);
    PlayerInput {
        buttons: Buttons(buttons),
        aim: if aim.is_finite() { aim } else { 0.0 },
    }
}

/// An arena event from its row (`None`: not an arena event).
pub fn event(row: &EventRow) -> Option<GameEvent> {
    let player = |i| PlayerId(row.get(i) as u32);
    let entity = NetId(row.get(1) as u32);
    match row.event {
        0 => Some(GameEvent::Joined {
            player: player(0),
            entity,
        }),
        1 => Some(GameEvent::Left { player: player(0) }),
        2 => Some(GameEvent::Kill {
            killer: player(0),
            victim: player(1),
        }),
        3 => Some(GameEvent::Respawn {
            player: player(0),
            entity,
        }),
        _ => None,
    }
}

/// An arena row as an [`EntityState`] (`None`: not an arena kind).
pub fn entity(row: &Row) -> Option<EntityState> {
    let mut values = [0; 9];
    for (v, r) in values.iter_mut().zip(row.values.iter()) {
        *v = *r;
    }
    <EntityState as tickcast_shared::codec::CodedEntity>::from_values(
        row.id,
        usize::from(row.kind),
        &values,
    )
}

/// Arena rows as a [`Snapshot`] (rows of other kinds are left out).
pub fn snapshot(world: &RowSnapshot) -> Snapshot {
    Snapshot {
        tick: world.tick,
        entities: world.rows.iter().filter_map(entity).collect(),
    }
}

/// The map of an arena room from its config (the `Welcome`'s `config`): the map's
/// text is in it, so no file is needed. Hostile data: the text is bounded and
/// parsed by [`Map::parse`].
pub fn map(config: &serde_json::Value) -> Result<Map> {
    let name = map_name(config).unwrap_or_default();
    let text = config
        .get("map_text")
        .or_else(|| config.pointer("/map/text"))
        .and_then(serde_json::Value::as_str)
        .ok_or_else(|| ClientError::Map {
            name: name.to_owned(),
            reason: "the room config carries no map text".to_owned(),
        })?;
    Map::parse(text).map_err(|source| ClientError::MapParse {
        name: name.to_owned(),
        source,
    })
}

/// The map name of an arena room from its config.
pub fn map_name(config: &serde_json::Value) -> Option<&str> {
    config
        .get("map_name")
        .or_else(|| config.pointer("/map/name"))
        .or_else(|| config.get("map"))
        .and_then(serde_json::Value::as_str)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inputs_round_trip_and_hostile_values_are_clamped() {
        let input = PlayerInput {
            buttons: Buttons(Buttons::UP | Buttons::FIRE),
            aim: -2.5,
        };
        assert_eq!(input_from_values(&input_values(&input)), input);
        let hostile = input_from_values(&InputValues(vec![-1, f32::NAN.to_bits() as i32]));
        assert_eq!(hostile.buttons, Buttons(Buttons::ALL));
        assert_eq!(hostile.aim, 0.0);
        assert_eq!(
            input_from_values(&InputValues(vec![])),
            PlayerInput::default()
        );
    }

    #[test]
    fn events_come_from_rows() {
        let kill = EventRow {
            event: 2,
            values: vec![1, 300],
        };
        assert_eq!(
            event(&kill),
            Some(GameEvent::Kill {
                killer: PlayerId(1),
                victim: PlayerId(300)
            })
        );
        assert_eq!(
            event(&EventRow {
                event: 9,
                values: vec![]
            }),
            None
        );
    }
}
