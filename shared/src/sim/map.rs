//! Arena maps: a line-based text format a person can edit.
//!
//! ```text
//! # comments start with '#'
//! name arena
//! size 2000 1200          # width height, the arena is [0,w] x [0,h]
//! spawn 100 100           # one or more spawn points
//! wall 400 300 40 600     # x y w h: an axis-aligned box
//! ```

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

impl Map {
    /// Parse the text format above.
    pub fn parse(text: &str) -> Result<Map, MapError> {
        todo!("{text}")
    }

    /// The built-in default map.
    pub fn default_map() -> Map {
        todo!()
    }
}
