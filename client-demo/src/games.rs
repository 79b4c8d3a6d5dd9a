//! The games this client knows, and what the client does with any game's schema.
//!
//! The client holds the schema the server sent in the `Welcome`; inputs go out as
//! [`InputValues`] (anything that is a [`GameInput`]) and events come in as
//! [`EventRow`]s, named by the schema ([`event_name`]). The catalog ([`catalog`],
//! the games this client was built for, as [`GameEntry`]s) decides which schema hash
//! a `Hello` announces (a game of the catalog is checked against the server's, any
//! other game is taken from the descriptor) and gives bots their game's brain
//! ([`crate::brain`]).

use tickcast_ball::Ball;
use tickcast_shared::codec::Row;
use tickcast_shared::game::{EventRow, GameEntry, InputValues};
use tickcast_shared::protocol::{NetId, PlayerId};
use tickcast_shared::schema::{FieldCodec, RefTarget, Schema};
use tickcast_shared::sim::Arena;

/// The game asked for when none is named: the arena.
pub const DEFAULT_GAME: &str = crate::arena::NAME;

/// One tick of a player's input, as any game's input values.
pub trait GameInput {
    /// The values of the game schema's input fields.
    fn input_values(&self) -> InputValues;
}

impl GameInput for InputValues {
    fn input_values(&self) -> InputValues {
        self.clone()
    }
}

/// The games this client was built for. Registering another bundled game here
/// gives it the schema check and its bot brain.
pub fn catalog() -> Vec<GameEntry> {
    vec![GameEntry::of::<Arena>(), GameEntry::of::<Ball>()]
}

/// The catalog's game named `game`.
pub fn find(game: &str) -> Option<GameEntry> {
    catalog().into_iter().find(|g| g.name() == game)
}

/// The catalog's game whose schema is `schema`.
pub fn of_schema(schema: &Schema) -> Option<GameEntry> {
    catalog().into_iter().find(|g| g.schema() == schema)
}

/// The schema of a game this client was built for (`None`: unknown here).
pub fn schema_of(game: &str) -> Option<&'static Schema> {
    find(game).map(|g| g.schema())
}

/// The name of `row`'s event in `schema` (`None`: not one of its events).
pub fn event_name<'a>(schema: &'a Schema, row: &EventRow) -> Option<&'a str> {
    schema
        .events()
        .get(usize::from(row.event))
        .map(|e| e.name.as_str())
}

/// The entity an event gives `player`: an event whose first player reference is
/// `player` and which names an entity (the arena's `joined` and `respawn`). Any
/// game's events are read the same way.
pub fn entity_given_to(schema: &Schema, row: &EventRow, player: PlayerId) -> Option<NetId> {
    let event = schema.events().get(usize::from(row.event))?;
    let mut at = 0;
    let mut first_player = None;
    let mut entity = None;
    for field in &event.fields {
        if let FieldCodec::Ref { target } = field.codec {
            let value = row.get(at) as u32;
            match target {
                RefTarget::Player if first_player.is_none() => first_player = Some(value),
                RefTarget::Entity if entity.is_none() => entity = Some(NetId(value)),
                _ => {}
            }
        }
        at += field.codec.values();
    }
    entity.filter(|_| first_player == Some(player.0))
}

/// The value named `name` (a field, or a part of a `vec2`) of `row`, by its kind in
/// `schema` (0 when the kind has no such value).
pub fn value(schema: &Schema, row: &Row, name: &str) -> i32 {
    schema
        .kind(usize::from(row.kind))
        .and_then(|k| k.value_index(name))
        .and_then(|i| row.values.get(i))
        .copied()
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_catalog_knows_the_arena() {
        let arena = find("arena").expect("the arena");
        assert_eq!(arena.name(), DEFAULT_GAME);
        assert_eq!(
            schema_of("arena").map(Schema::hash),
            Some(tickcast_shared::sim::schema::arena_schema().hash())
        );
        assert!(of_schema(arena.schema()).is_some());
        assert!(find("chess").is_none());
    }

    #[test]
    fn joins_and_respawns_give_the_own_player_its_entity() {
        let schema = tickcast_shared::sim::schema::arena_schema();
        let joined = EventRow {
            event: 0,
            values: vec![7, 70],
        };
        let kill = EventRow {
            event: 2,
            values: vec![7, 8],
        };
        let respawn = EventRow {
            event: 3,
            values: vec![7, 71],
        };
        assert_eq!(event_name(schema, &joined), Some("joined"));
        assert_eq!(event_name(schema, &kill), Some("kill"));
        assert_eq!(
            entity_given_to(schema, &joined, PlayerId(7)),
            Some(NetId(70))
        );
        assert_eq!(entity_given_to(schema, &joined, PlayerId(8)), None);
        assert_eq!(entity_given_to(schema, &kill, PlayerId(7)), None);
        assert_eq!(
            entity_given_to(schema, &respawn, PlayerId(7)),
            Some(NetId(71))
        );
        let unknown = EventRow {
            event: 200,
            values: vec![],
        };
        assert_eq!(event_name(schema, &unknown), None);
        assert_eq!(entity_given_to(schema, &unknown, PlayerId(7)), None);
    }
}
