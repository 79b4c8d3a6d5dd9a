//! The maps rooms can be created on, per game that plays on maps
//! ([`tickcast_shared::game::MapFormat`]): the game's built-in default map, then
//! every `*.map` file of the maps directory, then every `*.map` file of the
//! directory's subfolder named after the game (a file replaces a map of the same
//! name before it). Each file is read by the game's own reader; one that does not
//! read is logged and skipped for that game, naming its line. Games without maps
//! have none here.

use crate::games::GameCatalog;
use std::collections::BTreeMap;
use std::path::Path;
use tickcast_shared::game::MapFormat;

/// One map of one game.
#[derive(Debug, Clone)]
pub struct GameMap {
    /// The map's text, as the game's `configure` gets it.
    pub text: String,
    /// Its view as JSON text (what `GET /api/maps/{name}` answers).
    pub view: String,
}

/// Maps by game, then by name.
#[derive(Debug, Clone, Default)]
pub struct Maps {
    /// Games in catalog order (the first game with a map of a name answers
    /// `GET /api/maps/{name}`).
    games: Vec<(&'static str, BTreeMap<String, GameMap>)>,
}

impl Maps {
    /// The maps of every game of `games` that plays on maps, from `dir` (if it
    /// exists) as described in the module docs.
    pub fn load(dir: &Path, games: &GameCatalog) -> Maps {
        let games = games
            .games()
            .filter_map(|game| {
                let format = game.entry().maps()?;
                Some((game.name(), load_game(dir, game.name(), &format)))
            })
            .collect();
        Maps { games }
    }

    /// Map `name` of `game`.
    pub fn get(&self, game: &str, name: &str) -> Option<&GameMap> {
        self.games
            .iter()
            .find(|(g, _)| *g == game)
            .and_then(|(_, maps)| maps.get(name))
    }

    /// The view of the map `name` of the first game (in catalog order) that has one.
    pub fn view(&self, name: &str) -> Option<&str> {
        self.games
            .iter()
            .find_map(|(_, maps)| maps.get(name))
            .map(|m| m.view.as_str())
    }

    /// Every map name of every game, sorted, each once.
    pub fn names(&self) -> Vec<String> {
        let mut names: Vec<String> = self
            .games
            .iter()
            .flat_map(|(_, maps)| maps.keys().cloned())
            .collect();
        names.sort();
        names.dedup();
        names
    }
}

fn load_game(dir: &Path, game: &str, format: &MapFormat) -> BTreeMap<String, GameMap> {
    let mut maps = BTreeMap::new();
    match (format.read)(format.default_text) {
        Ok(view) => {
            let text = format.default_text.to_owned();
            maps.insert(format.default_name.to_owned(), GameMap { text, view });
        }
        Err(e) => tracing::error!(game, error = %e, "the game's default map does not read"),
    }
    read_dir(dir, game, format, &mut maps);
    read_dir(&dir.join(game), game, format, &mut maps);
    maps
}

/// Add the `*.map` files of `dir` (if it exists) that `format` reads.
fn read_dir(dir: &Path, game: &str, format: &MapFormat, maps: &mut BTreeMap<String, GameMap>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.extension().is_none_or(|e| e != "map") || !path.is_file() {
            continue;
        }
        let Some(stem) = path.file_stem().and_then(|s| s.to_str()) else {
            continue;
        };
        let read = std::fs::read_to_string(&path)
            .map_err(|e| e.to_string())
            .and_then(|text| (format.read)(&text).map(|view| GameMap { text, view }));
        match read {
            Ok(map) => {
                maps.insert(stem.to_owned(), map);
            }
            Err(e) => {
                tracing::warn!(game, file = %path.display(), error = %e, "map skipped");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::games::Game;
    use tickcast_shared::game::GameEntry;
    use tickcast_shared::sim::Arena;

    fn catalog() -> GameCatalog {
        GameCatalog::new(Game::of(GameEntry::of::<Arena>()))
            .with(Game::of(GameEntry::of::<crate::test_game::Dots>()))
    }

    #[test]
    fn files_add_and_replace_maps_and_bad_ones_are_skipped() {
        let dir = std::env::temp_dir().join(format!("tickcast-maps-{}", std::process::id()));
        let arena_dir = dir.join("arena");
        std::fs::create_dir_all(&arena_dir).unwrap();
        std::fs::write(dir.join("open.map"), "name open\nsize 100 50\nspawn 5 5\n").unwrap();
        std::fs::write(dir.join("bad.map"), "name bad\nsize x\n").unwrap();
        std::fs::write(
            arena_dir.join("own.map"),
            "name own\nsize 80 40\nspawn 1 1\n",
        )
        .unwrap();
        let maps = Maps::load(&dir, &catalog());
        std::fs::remove_dir_all(&dir).unwrap();
        assert_eq!(maps.names(), ["arena", "open", "own"]);
        let open = maps.get("arena", "open").unwrap();
        assert!(open.text.starts_with("name open"));
        let view: serde_json::Value = serde_json::from_str(maps.view("open").unwrap()).unwrap();
        assert_eq!(view["width"], 100.0);
        assert!(maps.get("arena", "bad").is_none());
        // The dots game plays on no maps: it has none.
        assert!(maps.get("dots", "arena").is_none());
    }
}
