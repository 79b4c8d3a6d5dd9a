//! The games this server runs: a catalog from name to each game's [`GameEntry`]
//! (schema, and how to configure, create and load it).
//!
//! The catalog is built once at start-up by whoever assembles the server (the stock
//! binary registers its bundled games in one place, [`crate::Server::bind`]); the
//! engine modules never name a game. The first game registered is the default:
//! `POST /api/rooms` and `/api/matchmake` without `"game"` get it, and recordings
//! whose header names no game (format 4 and older) are listed as its.
//!
//! `GET /api/games` lists [`GameSummary`]s, `GET /api/games/{name}` answers a
//! [`GameDetail`] with the schema's JSON descriptor.

use serde::Serialize;
use std::sync::Arc;
use thiserror::Error;
use tickcast_shared::game::GameEntry;
use tickcast_shared::schema::{Schema, SchemaHash};

/// A game name that is not in the catalog.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("unknown game {0:?}")]
pub struct UnknownGame(pub String);

/// One registered game.
#[derive(Debug, Clone)]
pub struct Game {
    entry: GameEntry,
    hash: SchemaHash,
}

impl Game {
    /// The game of `entry` (its name and description are its schema's).
    pub fn of(entry: GameEntry) -> Game {
        let hash = entry.schema().hash();
        Game { entry, hash }
    }

    pub fn name(&self) -> &'static str {
        self.entry.name()
    }

    pub fn schema(&self) -> &'static Schema {
        self.entry.schema()
    }

    /// How to configure, create and load the game.
    pub fn entry(&self) -> GameEntry {
        self.entry
    }

    pub fn hash(&self) -> SchemaHash {
        self.hash
    }
}

/// A game as `GET /api/games` lists it.
#[derive(Debug, Clone, Serialize)]
pub struct GameSummary {
    pub name: String,
    /// The schema hash as 16 hex digits.
    pub schema_hash: String,
    pub description: String,
}

/// A game as `GET /api/games/{name}` shows it: the summary and the descriptor.
#[derive(Debug, Clone, Serialize)]
pub struct GameDetail {
    #[serde(flatten)]
    pub summary: GameSummary,
    /// The schema's JSON descriptor (see [`Schema::from_json`]).
    pub schema: serde_json::Value,
}

/// The registered games, the first being the default. Never empty.
#[derive(Debug, Clone)]
pub struct GameCatalog {
    /// The default game.
    first: Arc<Game>,
    /// The rest, in registration order.
    more: Arc<Vec<Game>>,
}

impl GameCatalog {
    /// A catalog whose first (default) game is `first`.
    pub fn new(first: Game) -> GameCatalog {
        GameCatalog {
            first: Arc::new(first),
            more: Arc::new(Vec::new()),
        }
    }

    /// Register one more game; a name already registered keeps its first game.
    #[must_use]
    pub fn with(self, game: Game) -> GameCatalog {
        if self.get(game.name()).is_some() {
            return self;
        }
        let mut more = Vec::clone(&self.more);
        more.push(game);
        GameCatalog {
            first: self.first,
            more: Arc::new(more),
        }
    }

    /// The default game: the first registered.
    pub fn default_game(&self) -> &Game {
        &self.first
    }

    /// All games, the default first.
    pub fn games(&self) -> impl Iterator<Item = &Game> {
        std::iter::once(&*self.first).chain(self.more.iter())
    }

    pub fn get(&self, name: &str) -> Option<&Game> {
        self.games().find(|g| g.name() == name)
    }

    /// The game a request asks for (`None`: the default), by its registered name.
    pub fn resolve(&self, asked: Option<&str>) -> Result<&Game, UnknownGame> {
        match asked {
            None => Ok(self.default_game()),
            Some(name) => self.get(name).ok_or_else(|| UnknownGame(printable(name))),
        }
    }

    /// All games, in registration order.
    pub fn list(&self) -> Vec<GameSummary> {
        self.games().map(summary).collect()
    }

    /// One game with its descriptor.
    pub fn detail(&self, name: &str) -> Option<GameDetail> {
        let game = self.get(name)?;
        let schema = serde_json::to_value(game.schema()).unwrap_or(serde_json::Value::Null);
        Some(GameDetail {
            summary: summary(game),
            schema,
        })
    }
}

fn summary(game: &Game) -> GameSummary {
    GameSummary {
        name: game.name().to_owned(),
        schema_hash: game.hash.to_string(),
        description: game.schema().description().to_owned(),
    }
}

/// A caller's game name, bounded and stripped of control characters, for an error
/// message.
fn printable(name: &str) -> String {
    name.chars()
        .filter(|c| !c.is_control())
        .take(tickcast_shared::schema::MAX_NAME_LEN + 1)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use tickcast_shared::sim::Arena;
    use tickcast_shared::sim::schema::arena_schema;

    #[test]
    fn the_first_game_is_the_default_and_unknown_names_are_refused() {
        let catalog = GameCatalog::new(Game::of(GameEntry::of::<Arena>()));
        let first = catalog.default_game().name().to_owned();
        assert_eq!(catalog.resolve(None).map(Game::name), Ok(first.as_str()));
        assert_eq!(
            catalog.resolve(Some(&first)).map(Game::name),
            Ok(first.as_str())
        );
        assert!(catalog.resolve(Some("nope\n")).is_err());
        let listed = catalog.list();
        assert_eq!(listed.len(), 1);
        assert_eq!(listed[0].schema_hash, arena_schema().hash().to_string());
        let detail = catalog.detail(&first).map(|d| d.schema.to_string());
        let again = detail.and_then(|d| Schema::from_json(&d).ok());
        assert_eq!(again.map(|s| s.hash()), Some(arena_schema().hash()));
    }
}
