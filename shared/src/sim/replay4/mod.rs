//! Replay formats 2 to 4, the arena's own: its recordings, read as the engine's
//! generic form ([`crate::replay`]).
//!
//! Before format 5 a replay held one game, the arena, in the arena's own forms: the
//! header was an [`ArenaHeader`] (map name and text, the World's config), a ticks
//! record coded the arena's buttons and aim ([`change`]), keyframes were the
//! arena's snapshot bodies and checkpoints its `WorldState`. The last two are
//! byte for byte what the arena gives through the Game API (its schema reproduces
//! the old snapshot codec, its saved state is the same `WorldState` value), so
//! only the header and the input coding differ: the reader converts the header
//! ([`ArenaHeader::generic`]: game `arena`, no build id, the arena's descriptor, an
//! `ArenaConfig` as the config) and decodes inputs with the old model, as input
//! values. Old recordings so list, play, seek and verify like new ones.
//!
//! A format-4 header is checked against the arena's bounds here ([`check_header`])
//! before anything is built from it.

pub mod change;
#[cfg(test)]
pub(crate) mod tests;

use crate::codec::encode_value;
use crate::game::Game;
use crate::replay::ReplayHeader;
use crate::replay::bounds::{BoundsError, MAX_HEADER_TEXT_LEN, MAX_TICK_RATE, text};
use crate::replay::{OLDEST_FORMAT_VERSION, ReplayWriter};
use crate::sim::map::MAX_MAP_TEXT_LEN;
use crate::sim::{Arena, ArenaConfig, Map, Rules, WorldConfig};
use serde::{Deserialize, Serialize};

/// Most drones a format-4 recording may ask for (the World's own clamp).
pub const MAX_DRONES: u32 = WorldConfig::MAX_DRONES;
/// Largest speed, distance or radius in a recording's rules (world units).
pub const MAX_RULE_MAGNITUDE: f32 = 1.0e6;
/// Largest tick count in a recording's rules (cooldowns, lifetimes, delays).
pub const MAX_RULE_TICKS: u32 = 1 << 24;

/// The header of formats 2 to 4: what rebuilt the arena's World.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ArenaHeader {
    /// [`crate::protocol::PROTOCOL_VERSION`] of the recording build.
    pub protocol_version: u16,
    pub map_name: String,
    /// The map file's text (replays are self-contained: maps may change later).
    pub map_text: String,
    pub config: WorldConfig,
    pub seed: u64,
    /// When the match started, Unix milliseconds.
    pub start_unix_ms: u64,
    pub room_name: String,
    /// The recorded room's id.
    pub room_id: String,
    /// A private room's invite code.
    pub invite: Option<String>,
}

impl ArenaHeader {
    /// The same recording's header in the generic form: the arena's game, schema
    /// and config, no build id (a format-4 recording is verified by any arena).
    pub fn generic(&self) -> ReplayHeader {
        let schema = Arena::schema();
        let config = ArenaConfig::new(
            self.map_name.clone(),
            self.map_text.clone(),
            self.config.clone(),
        );
        ReplayHeader {
            protocol_version: self.protocol_version,
            game: schema.name().to_owned(),
            build: String::new(),
            descriptor: schema.canonical_json(),
            schema_hash: schema.hash(),
            config: serde_json::to_string(&config).unwrap_or_default(),
            seed: self.seed,
            tick_rate: self.config.tick_rate,
            map_name: self.map_name.clone(),
            start_unix_ms: self.start_unix_ms,
            room_name: self.room_name.clone(),
            room_id: self.room_id.clone(),
            invite: self.invite.clone(),
        }
    }
}

/// A writer of the arena's format `version` (2 to 4), as servers wrote before
/// format 5: for tests and tools that make old files. Its inputs are coded as the
/// arena's, so the commands must be the arena's input values.
pub fn writer(header: &ArenaHeader, version: u16) -> ReplayWriter {
    let version = version.clamp(OLDEST_FORMAT_VERSION, 4);
    ReplayWriter::start(version, &encode_value(header), Arena::schema())
}

fn magnitude(name: &'static str, value: f32) -> Result<(), BoundsError> {
    if value.is_finite() && (0.0..=MAX_RULE_MAGNITUDE).contains(&value) {
        return Ok(());
    }
    Err(BoundsError::Rule {
        name,
        value: value.to_string(),
    })
}

fn ticks(name: &'static str, value: u32) -> Result<(), BoundsError> {
    if value <= MAX_RULE_TICKS {
        return Ok(());
    }
    Err(BoundsError::Rule {
        name,
        value: value.to_string(),
    })
}

fn check_rules(rules: &Rules) -> Result<(), BoundsError> {
    magnitude("projectile_speed", rules.projectile_speed)?;
    magnitude("drone_speed", rules.drone_speed)?;
    magnitude("drone_turn", rules.drone_turn)?;
    magnitude("projectile_radius", rules.projectile_radius)?;
    ticks("projectile_lifetime_ticks", rules.projectile_lifetime_ticks)?;
    ticks("fire_cooldown_ticks", rules.fire_cooldown_ticks)?;
    ticks("respawn_delay_ticks", rules.respawn_delay_ticks)
}

/// Check a decoded format-4 header: its World settings, texts and map (parsed with
/// the map's own bounds on walls and spawns).
pub fn check_header(header: &ArenaHeader) -> Result<(), BoundsError> {
    let config = &header.config;
    if !(1..=MAX_TICK_RATE).contains(&config.tick_rate) {
        return Err(BoundsError::TickRate {
            found: config.tick_rate,
            max: MAX_TICK_RATE,
        });
    }
    if config.drones > MAX_DRONES {
        return Err(BoundsError::TooMany {
            what: "drones",
            found: config.drones,
            max: MAX_DRONES,
        });
    }
    check_rules(&config.rules)?;
    text("the room name", &header.room_name, MAX_HEADER_TEXT_LEN)?;
    text("the room id", &header.room_id, MAX_HEADER_TEXT_LEN)?;
    text("the map name", &header.map_name, MAX_HEADER_TEXT_LEN)?;
    if let Some(invite) = &header.invite {
        text("the invite", invite, MAX_HEADER_TEXT_LEN)?;
    }
    text("the map text", &header.map_text, MAX_MAP_TEXT_LEN)?;
    Map::parse(&header.map_text)
        .map(|_| ())
        .map_err(|e| BoundsError::Map(e.to_string()))
}
