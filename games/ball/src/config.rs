//! A room's settings: made from the lobby's [`RoomOptions`] by [`BallConfig::from_options`]
//! (which refuses what it cannot play), and stored as JSON in every replay header.
//!
//! | option                 | from                       | bounds (default)      |
//! |------------------------|----------------------------|-----------------------|
//! | steps per second       | `tick_rate`                | 10..=240              |
//! | players per team       | `seats`, halved rounding up | seats 1..=20 (so 1..=10 per team) |
//! | match length           | `extra` `{"minutes": n}`   | 1..=15 (5)            |
//!
//! The match clock counts ticks in 16 bits, so `minutes * 60 * tick_rate` must stay
//! at most 65 535 (15 minutes at 60 Hz; 9 at 120 Hz). There is one pitch and no
//! computer-run entities: `map` and `npcs` are ignored. `extra` may be null or an
//! object with `minutes` only; anything else is refused.
//!
//! A config read back from a replay header did not pass through `from_options`, so
//! [`BallConfig::sanitized`] pulls every value into bounds before a game uses it.

use serde::{Deserialize, Serialize};
use tickcast_shared::game::{Refusal, RoomOptions};

pub const MIN_TICK_RATE: u32 = 10;
pub const MAX_TICK_RATE: u32 = 240;
pub const MAX_SEATS: u32 = 2 * MAX_PER_TEAM;
pub const MAX_PER_TEAM: u32 = 10;
pub const MIN_MINUTES: u32 = 1;
pub const MAX_MINUTES: u32 = 15;
pub const DEFAULT_MINUTES: u32 = 5;

/// A room's settings (see the module docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct BallConfig {
    /// Steps per second.
    pub tick_rate: u32,
    /// Most players per team.
    pub per_team: u32,
    /// Match length in minutes of play.
    pub minutes: u32,
}

impl Default for BallConfig {
    fn default() -> BallConfig {
        BallConfig {
            tick_rate: 60,
            per_team: MAX_PER_TEAM,
            minutes: DEFAULT_MINUTES,
        }
    }
}

fn refuse(reason: String) -> Refusal {
    Refusal(reason)
}

impl BallConfig {
    /// The config for a room's options, or why they cannot be played.
    pub fn from_options(options: &RoomOptions) -> Result<BallConfig, Refusal> {
        let tick_rate = options.tick_rate;
        if !(MIN_TICK_RATE..=MAX_TICK_RATE).contains(&tick_rate) {
            return Err(refuse(format!(
                "ball runs at {MIN_TICK_RATE} to {MAX_TICK_RATE} steps per second, not {tick_rate}"
            )));
        }
        if !(1..=MAX_SEATS).contains(&options.seats) {
            return Err(refuse(format!(
                "ball seats 1 to {MAX_SEATS} players ({MAX_PER_TEAM} per team), not {}",
                options.seats
            )));
        }
        let minutes = minutes_of(options)?;
        let config = BallConfig {
            tick_rate,
            per_team: options.seats.div_ceil(2),
            minutes,
        };
        if u64::from(minutes) * 60 * u64::from(tick_rate) > u64::from(u16::MAX) {
            return Err(refuse(format!(
                "a {minutes}-minute match at {tick_rate} steps per second overflows the \
                 16-bit match clock; ask for fewer minutes"
            )));
        }
        Ok(config)
    }

    /// The same config with every value pulled into bounds (see the module docs).
    pub fn sanitized(self) -> BallConfig {
        let tick_rate = self.tick_rate.clamp(MIN_TICK_RATE, MAX_TICK_RATE);
        let most_minutes = (u32::from(u16::MAX) / (60 * tick_rate)).clamp(MIN_MINUTES, MAX_MINUTES);
        BallConfig {
            tick_rate,
            per_team: self.per_team.clamp(1, MAX_PER_TEAM),
            minutes: self.minutes.clamp(MIN_MINUTES, most_minutes),
        }
    }

    /// Seconds per step.
    pub fn dt(&self) -> f32 {
        1.0 / self.tick_rate.max(1) as f32
    }

    /// Whole steps in `seconds` (at least one).
    pub fn ticks(&self, seconds: f32) -> u32 {
        ((seconds * self.tick_rate as f32) as u32).max(1)
    }

    /// Steps of play in a match (fits the 16-bit clock for a sanitized config).
    pub fn match_ticks(&self) -> u16 {
        u16::try_from(
            self.minutes
                .saturating_mul(60)
                .saturating_mul(self.tick_rate),
        )
        .unwrap_or(u16::MAX)
    }

    /// Entities a room may hold with `seats` players: the ball, the match and one
    /// per player.
    pub fn entity_budget(&self, seats: u32) -> u64 {
        2 + u64::from(seats.min(2 * self.per_team))
    }
}

/// The match length from the room's `extra` options.
fn minutes_of(options: &RoomOptions) -> Result<u32, Refusal> {
    let extra = &options.extra;
    if extra.is_null() {
        return Ok(DEFAULT_MINUTES);
    }
    let Some(object) = extra.as_object() else {
        return Err(refuse(
            "ball options must be an object like {\"minutes\": 5}".into(),
        ));
    };
    if let Some(key) = object.keys().find(|k| k.as_str() != "minutes") {
        return Err(refuse(format!(
            "unknown ball option {:?}; the only option is \"minutes\"",
            key.chars().take(32).collect::<String>()
        )));
    }
    let Some(minutes) = object.get("minutes") else {
        return Ok(DEFAULT_MINUTES);
    };
    match minutes.as_u64() {
        Some(m) if (u64::from(MIN_MINUTES)..=u64::from(MAX_MINUTES)).contains(&m) => Ok(m as u32),
        _ => Err(refuse(format!(
            "\"minutes\" must be a whole number from {MIN_MINUTES} to {MAX_MINUTES}"
        ))),
    }
}
