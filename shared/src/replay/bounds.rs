//! Sane bounds on what a recording may say, checked before anything is built from it.
//!
//! A replay file is hostile input: anyone who can place a file (shared storage, a
//! restored backup, a recording passed on) chooses every byte, and a valid checksum
//! proves nothing. So before a header or a record is turned into anything that
//! allocates (a World's position history sized by the tick rate, a map's walls, a
//! decoded name), its numbers are checked against the bounds here; a file outside
//! them is refused with a [`BoundsError`] that says which bound and why (as
//! [`StopReason::OutOfBounds`](super::StopReason::OutOfBounds)).
//!
//! The bounds are those a server can record with (its config allows tick rates
//! `1..=1000`, maps are small text files), with room to spare.

use super::ReplayHeader;
use super::frame::Kind;
use crate::sim::map::{MAX_MAP_TEXT_LEN, MapError};
use crate::sim::{Map, Rules, WorldConfig};
use thiserror::Error;

/// Highest tick rate a recording may have (the server's own limit).
pub const MAX_TICK_RATE: u32 = 1000;
/// Most drones a recording may ask for (the World's own clamp).
pub const MAX_DRONES: u32 = WorldConfig::MAX_DRONES;
/// Largest header record (kind + payload): the header with its map text.
pub const MAX_HEADER_RECORD_LEN: u32 = 1024 * 1024;
/// Largest player record (kind + payload): a tick, a name and an identity.
pub const MAX_PLAYER_RECORD_LEN: u32 = 4096;
/// Longest room name, room id, map name or invite code in a header, bytes.
pub const MAX_HEADER_TEXT_LEN: usize = 256;
/// Largest speed, distance or radius in a recording's rules (world units).
pub const MAX_RULE_MAGNITUDE: f32 = 1.0e6;
/// Largest tick count in a recording's rules (cooldowns, lifetimes, delays).
pub const MAX_RULE_TICKS: u32 = 1 << 24;

/// Why a recording is outside the bounds.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum BoundsError {
    #[error("tick rate {found} is outside 1..={max}")]
    TickRate { found: u32, max: u32 },
    #[error("{found} drones, more than {max}")]
    Drones { found: u32, max: u32 },
    #[error("{what} is {len} bytes, more than {max}")]
    TooLong {
        what: &'static str,
        len: usize,
        max: usize,
    },
    #[error("rule {name} = {value} is outside its bounds")]
    Rule { name: &'static str, value: String },
    #[error("header map: {0}")]
    Map(MapError),
    #[error("{kind} record of {len} bytes, more than {max}")]
    Record {
        kind: &'static str,
        len: u32,
        max: u32,
    },
}

/// Largest record (kind + payload) of `kind`.
pub(crate) fn max_record_len(kind: Kind) -> u32 {
    match kind {
        Kind::Header => MAX_HEADER_RECORD_LEN,
        Kind::Player => MAX_PLAYER_RECORD_LEN,
        // kind, tick, hash.
        Kind::Hash => 1 + 4 + 8,
        // kind, tick.
        Kind::End => 1 + 4,
        Kind::Ticks | Kind::Keyframe | Kind::Checkpoint => super::MAX_RECORD_LEN,
    }
}

/// A record of `kind` and length `len` (kind + payload) is within its bound.
pub(crate) fn check_record_len(kind: Kind, len: u32) -> Result<(), BoundsError> {
    let max = max_record_len(kind);
    if len > max {
        return Err(BoundsError::Record {
            kind: kind.name(),
            len,
            max,
        });
    }
    Ok(())
}

fn text(what: &'static str, value: &str, max: usize) -> Result<(), BoundsError> {
    if value.len() > max {
        return Err(BoundsError::TooLong {
            what,
            len: value.len(),
            max,
        });
    }
    Ok(())
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

/// Check a decoded header: its World settings, texts and map (parsed with the
/// map's own bounds on walls and spawns). Returns the parsed map.
pub fn check_header(header: &ReplayHeader) -> Result<Map, BoundsError> {
    let config = &header.config;
    if !(1..=MAX_TICK_RATE).contains(&config.tick_rate) {
        return Err(BoundsError::TickRate {
            found: config.tick_rate,
            max: MAX_TICK_RATE,
        });
    }
    if config.drones > MAX_DRONES {
        return Err(BoundsError::Drones {
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
    Map::parse(&header.map_text).map_err(BoundsError::Map)
}
