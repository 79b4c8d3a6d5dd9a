//! The arena in this client: what only the arena's window, its prediction and the
//! typed accessors need. Its input and events as typed values, its map from the room
//! config, its rows as [`EntityState`]s. The rest of the client knows no game: it
//! holds the `Welcome`'s schema and speaks [`InputValues`], [`EventRow`]s and rows.

use crate::error::{ClientError, Result};
use crate::games::GameInput;
use tickcast_shared::codec::{CodedEntity, Row, RowSnapshot};
use tickcast_shared::game::{EventRow, Game, InputValues};
use tickcast_shared::schema::Schema;
use tickcast_shared::sim::schema::arena_schema;
use tickcast_shared::sim::{Arena, ArenaConfig, GameEvent, Map, PlayerInput};
use tickcast_shared::sim::{EntityState, Snapshot};

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

/// An arena input as the schema's input values (`buttons`, then `aim`'s bits).
pub fn input_values(input: &PlayerInput) -> InputValues {
    Arena::input_values(input)
}

/// An arena input from the schema's input values.
pub fn input_from_values(values: &InputValues) -> PlayerInput {
    Arena::input_from_values(values)
}

/// An arena event from its row (`None`: not an arena event).
pub fn event(row: &EventRow) -> Option<GameEvent> {
    Arena::event_from_row(row)
}

/// An arena row as an [`EntityState`] (`None`: not an arena kind).
pub fn entity(row: &Row) -> Option<EntityState> {
    let mut values = [0; 9];
    for (v, r) in values.iter_mut().zip(row.values.iter()) {
        *v = *r;
    }
    EntityState::from_values(row.id, usize::from(row.kind), &values)
}

/// Arena rows as a [`Snapshot`] (rows of other kinds are left out).
pub fn snapshot(world: &RowSnapshot) -> Snapshot {
    Snapshot {
        tick: world.tick,
        entities: world.rows.iter().filter_map(entity).collect(),
    }
}

/// The room's arena config, from the `Welcome`'s `config`.
pub fn config(config: &serde_json::Value) -> Result<ArenaConfig> {
    serde_json::from_value(config.clone())
        .map_err(|e| ClientError::Welcome(format!("not an arena config: {e}")))
}

/// The map of an arena room from its config: the map's text is in it, so no file is
/// needed. Hostile data: [`Map::parse`] bounds and checks it.
pub fn map(config: &serde_json::Value) -> Result<Map> {
    let config = self::config(config)?;
    Map::parse(&config.map).map_err(|source| ClientError::MapParse {
        name: config.map_name.clone(),
        source,
    })
}

/// The map name of an arena room from its config.
pub fn map_name(config: &serde_json::Value) -> Option<&str> {
    config.get("map_name").and_then(serde_json::Value::as_str)
}

#[cfg(test)]
mod tests {
    use super::*;
    use tickcast_shared::protocol::PlayerId;
    use tickcast_shared::sim::Buttons;

    #[test]
    fn the_map_comes_from_the_room_config() {
        let config = serde_json::to_value(ArenaConfig::new(
            "duel".into(),
            tickcast_shared::sim::map::DEFAULT_MAP.into(),
            tickcast_shared::sim::WorldConfig::new(60, 0),
        ))
        .unwrap();
        assert_eq!(map_name(&config), Some("duel"));
        assert_eq!(map(&config).unwrap(), Map::default_map());
        let mut broken = config.clone();
        broken["map"] = "walls everywhere".into();
        assert!(matches!(map(&broken), Err(ClientError::MapParse { .. })));
        assert!(matches!(
            map(&serde_json::json!({"map": 1})),
            Err(ClientError::Welcome(_))
        ));
    }

    #[test]
    fn inputs_round_trip() {
        let input = PlayerInput {
            buttons: Buttons(Buttons::UP | Buttons::FIRE),
            aim: -2.5,
        };
        assert_eq!(input_from_values(&input_values(&input)), input);
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
