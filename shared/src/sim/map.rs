//! Arena maps: a line-based text format a person can edit.
//!
//! ```text
//! # comments start with '#'
//! name arena
//! size 2000 1200          # width height, the arena is [0,w] x [0,h]
//! spawn 100 100           # one or more spawn points
//! wall 400 300 40 600     # x y w h: an axis-aligned box
//! ```
//!
//! Directives may come in any order; `size` and at least one `spawn` are required,
//! `name` is optional (default `arena`) and must be a plain token (letters, digits,
//! `-`, `_`) because clients load `assets/maps/<name>.map`. Numbers are decimal and
//! finite. Every problem is reported as a [`MapError`] naming the 1-based line (a
//! missing directive names the line after the last one, i.e. the end of the file).

use glam::Vec2;
use thiserror::Error;

/// An axis-aligned wall box.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Wall {
    pub min: Vec2,
    pub max: Vec2,
}

/// A parsed map.
#[derive(Debug, Clone, PartialEq)]
pub struct Map {
    pub name: String,
    pub size: Vec2,
    pub spawns: Vec<Vec2>,
    pub walls: Vec<Wall>,
}

/// A map file error, naming the 1-based line.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("map line {line}: {message}")]
pub struct MapError {
    pub line: usize,
    pub message: String,
}

/// The built-in default map (`assets/maps/arena.map`).
pub const DEFAULT_MAP: &str = include_str!("../../../assets/maps/arena.map");

/// Largest accepted arena side, in world units (keeps quantized positions far from
/// `i32` limits).
pub const MAX_MAP_SIDE: f32 = 65_536.0;
/// Longest accepted map name.
pub const MAX_NAME_LEN: usize = 64;
/// Longest accepted map text, bytes (maps also come from replay files).
pub const MAX_MAP_TEXT_LEN: usize = 256 * 1024;
/// Most walls a map may have.
pub const MAX_WALLS: usize = 4096;
/// Most spawn points a map may have.
pub const MAX_SPAWNS: usize = 1024;

fn err(line: usize, message: impl Into<String>) -> MapError {
    MapError {
        line,
        message: message.into(),
    }
}

/// Parse the arguments of `directive` as exactly `N` finite numbers.
fn numbers<const N: usize>(
    line: usize,
    directive: &str,
    args: &[&str],
) -> Result<[f32; N], MapError> {
    if args.len() != N {
        return Err(err(
            line,
            format!("`{directive}` takes {N} arguments, found {}", args.len()),
        ));
    }
    let mut out = [0.0; N];
    for (slot, arg) in out.iter_mut().zip(args) {
        *slot = match arg.parse::<f32>() {
            Ok(v) if v.is_finite() => v,
            _ => return Err(err(line, format!("bad number `{arg}`"))),
        };
    }
    Ok(out)
}

fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= MAX_NAME_LEN
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

impl Map {
    /// Parse the text format above.
    pub fn parse(text: &str) -> Result<Map, MapError> {
        if text.len() > MAX_MAP_TEXT_LEN {
            return Err(err(
                1,
                format!(
                    "the map is {} bytes, more than {MAX_MAP_TEXT_LEN}",
                    text.len()
                ),
            ));
        }
        let mut name: Option<String> = None;
        let mut size: Option<(usize, Vec2)> = None;
        let mut spawns: Vec<(usize, Vec2)> = Vec::new();
        let mut walls: Vec<(usize, Wall)> = Vec::new();
        let mut last_line = 0;

        for (index, raw) in text.lines().enumerate() {
            let line = index + 1;
            last_line = line;
            let content = raw.split('#').next().unwrap_or("");
            let mut tokens = content.split_whitespace();
            let Some(directive) = tokens.next() else {
                continue;
            };
            let args: Vec<&str> = tokens.collect();
            match directive {
                "name" => {
                    let [arg] = args.as_slice() else {
                        return Err(err(
                            line,
                            format!("`name` takes 1 argument, found {}", args.len()),
                        ));
                    };
                    if !valid_name(arg) {
                        return Err(err(
                            line,
                            format!(
                                "bad name `{arg}`: use up to {MAX_NAME_LEN} letters, digits, '-' or '_'"
                            ),
                        ));
                    }
                    name = Some((*arg).to_string());
                }
                "size" => {
                    let [w, h] = numbers::<2>(line, directive, &args)?;
                    if w <= 0.0 || h <= 0.0 {
                        return Err(err(line, format!("size must be positive, found {w} x {h}")));
                    }
                    if w > MAX_MAP_SIDE || h > MAX_MAP_SIDE {
                        return Err(err(
                            line,
                            format!("size may be at most {MAX_MAP_SIDE} per side"),
                        ));
                    }
                    if let Some((first, _)) = size {
                        return Err(err(
                            line,
                            format!("size given twice (first on line {first})"),
                        ));
                    }
                    size = Some((line, Vec2::new(w, h)));
                }
                "spawn" => {
                    let [x, y] = numbers::<2>(line, directive, &args)?;
                    if spawns.len() >= MAX_SPAWNS {
                        return Err(err(line, format!("more than {MAX_SPAWNS} spawns")));
                    }
                    spawns.push((line, Vec2::new(x, y)));
                }
                "wall" => {
                    let [x, y, w, h] = numbers::<4>(line, directive, &args)?;
                    if w <= 0.0 || h <= 0.0 {
                        return Err(err(
                            line,
                            format!("wall size must be positive, found {w} x {h}"),
                        ));
                    }
                    if walls.len() >= MAX_WALLS {
                        return Err(err(line, format!("more than {MAX_WALLS} walls")));
                    }
                    let min = Vec2::new(x, y);
                    walls.push((
                        line,
                        Wall {
                            min,
                            max: min + Vec2::new(w, h),
                        },
                    ));
                }
                other => return Err(err(line, format!("unknown directive `{other}`"))),
            }
        }

        let end = last_line + 1;
        let Some((_, size)) = size else {
            return Err(err(end, "missing `size` (end of file)"));
        };
        if spawns.is_empty() {
            return Err(err(
                end,
                "missing `spawn`: at least one is needed (end of file)",
            ));
        }
        let inside = |p: Vec2| p.x >= 0.0 && p.y >= 0.0 && p.x <= size.x && p.y <= size.y;
        for &(line, p) in &spawns {
            if !inside(p) {
                return Err(err(
                    line,
                    format!("spawn ({}, {}) is outside the arena", p.x, p.y),
                ));
            }
        }
        for &(line, w) in &walls {
            if !inside(w.min) || !inside(w.max) {
                return Err(err(line, "wall is (partly) outside the arena"));
            }
        }
        Ok(Map {
            name: name.unwrap_or_else(|| "arena".to_string()),
            size,
            spawns: spawns.into_iter().map(|(_, p)| p).collect(),
            walls: walls.into_iter().map(|(_, w)| w).collect(),
        })
    }

    /// The built-in default map. It is a compile-time asset that a test proves
    /// parses; should it ever not, this returns [`Map::fallback`] instead of panicking.
    pub fn default_map() -> Map {
        Map::parse(DEFAULT_MAP).unwrap_or_else(|_| Map::fallback())
    }

    /// The map as map-file text. Maps come parsed; the text is rebuilt from the parsed
    /// values, which parse back to the same map for any map whose wall corners and sizes
    /// are exact in `f32` (every map written with integers or halves, quarters...).
    pub fn to_text(&self) -> String {
        let mut text = format!("name {}\nsize {} {}\n", self.name, self.size.x, self.size.y);
        for s in &self.spawns {
            text.push_str(&format!("spawn {} {}\n", s.x, s.y));
        }
        for w in &self.walls {
            let size = w.max - w.min;
            text.push_str(&format!(
                "wall {} {} {} {}\n",
                w.min.x, w.min.y, size.x, size.y
            ));
        }
        text
    }

    /// An open 2000 x 1200 arena without walls and one spawn in the middle.
    pub fn fallback() -> Map {
        Map {
            name: "arena".to_string(),
            size: Vec2::new(2000.0, 1200.0),
            spawns: vec![Vec2::new(1000.0, 600.0)],
            walls: Vec::new(),
        }
    }
}
