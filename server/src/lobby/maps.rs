//! The maps rooms can be created on: the built-in `arena` plus every `*.map` file of
//! the maps directory (a bad file is logged and skipped, naming its line).

use std::collections::BTreeMap;
use std::path::Path;
use tickcast_shared::sim::Map;

/// Maps by name.
#[derive(Debug, Clone)]
pub struct Maps {
    maps: BTreeMap<String, Map>,
}

impl Maps {
    /// The built-in map, then the files of `dir` (if it exists).
    pub fn load(dir: &Path) -> Maps {
        let mut maps = BTreeMap::new();
        let builtin = Map::default_map();
        maps.insert(builtin.name.clone(), builtin);
        let Ok(entries) = std::fs::read_dir(dir) else {
            return Maps { maps };
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.extension().is_none_or(|e| e != "map") {
                continue;
            }
            let Some(stem) = path.file_stem().and_then(|s| s.to_str()) else {
                continue;
            };
            match std::fs::read_to_string(&path)
                .map_err(|e| e.to_string())
                .and_then(|t| Map::parse(&t).map_err(|e| e.to_string()))
            {
                Ok(map) => {
                    maps.insert(stem.to_owned(), map);
                }
                Err(e) => tracing::warn!(file = %path.display(), error = %e, "map skipped"),
            }
        }
        Maps { maps }
    }

    pub fn get(&self, name: &str) -> Option<&Map> {
        self.maps.get(name)
    }

    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.maps.keys().map(String::as_str)
    }
}
