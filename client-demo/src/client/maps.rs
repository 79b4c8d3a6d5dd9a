//! Maps named by the server: the built-in arena, or a file in the maps directory.

use crate::error::{ClientError, Result};
use std::path::Path;
use tickcast_shared::sim::Map;

/// Load the map a server names: `arena` is built in, others are read from
/// `<maps_dir>/<name>.map`. Names are restricted to `[A-Za-z0-9_-]` (they come from
/// the network).
pub fn load_map(name: &str, maps_dir: Option<&Path>) -> Result<Map> {
    if name == "arena" {
        return Ok(Map::default_map());
    }
    let err = |reason: String| ClientError::Map {
        name: name.to_owned(),
        reason,
    };
    let valid = !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if !valid {
        return Err(err("not a valid map name".to_owned()));
    }
    let dir = maps_dir.ok_or_else(|| err("not built in and no maps directory given".into()))?;
    let path = dir.join(format!("{name}.map"));
    let text = std::fs::read_to_string(&path)
        .map_err(|e| err(format!("reading {}: {e}", path.display())))?;
    Map::parse(&text).map_err(|source| ClientError::MapParse {
        name: name.to_owned(),
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn map_names_from_the_network_cannot_escape_the_maps_dir() {
        let dir = Path::new("/nonexistent");
        for bad in ["../etc/passwd", "a/b", "", "x.map", "é"] {
            let err = load_map(bad, Some(dir)).unwrap_err();
            assert!(
                err.to_string().contains("not a valid map name"),
                "{bad}: {err}"
            );
        }
        assert!(matches!(
            load_map("other", None),
            Err(ClientError::Map { .. })
        ));
    }
}
