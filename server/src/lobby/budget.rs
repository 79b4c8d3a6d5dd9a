//! Per-server and per-address budgets the lobby enforces when a room is created
//! (section `[lobby]` of the config): the server-wide entity budget (drones plus
//! player seats over all live rooms) and the live rooms one address may have.

use serde::{Deserialize, Serialize};

/// Section `[lobby]` of the config.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LobbyConfig {
    /// Drones plus player seats (`max_players`) over every live room. Default 50000.
    pub max_entities: u64,
    /// Live rooms created from one IP address (matchmaking included). Default 20.
    pub max_rooms_per_ip: usize,
    /// Who may create rooms with `POST /api/rooms`. Default `anyone`.
    pub create: CreatePolicy,
    /// `GET /api/rooms/events` publishes the room list's changes this often, in
    /// milliseconds (a room changes at most once per interval), 10 to 60000.
    /// Default 250.
    pub events_interval_ms: u64,
    /// Viewers of `GET /api/rooms/events` at once; more are answered 503.
    /// Default 5000.
    pub events_viewers: usize,
    /// Room list changes kept for `Last-Event-ID` resume. Default 1024.
    pub events_retain: usize,
}

/// Who may create rooms (`[lobby] create`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CreatePolicy {
    #[default]
    Anyone,
    /// A valid JWT (see [`crate::auth`]).
    Authenticated,
    /// The `[auth] admin_token`.
    Admin,
}

impl Default for LobbyConfig {
    fn default() -> Self {
        LobbyConfig {
            max_entities: 50_000,
            max_rooms_per_ip: 20,
            create: CreatePolicy::Anyone,
            events_interval_ms: 250,
            events_viewers: 5000,
            events_retain: 1024,
        }
    }
}

impl LobbyConfig {
    pub fn validate(&self) -> Result<(), String> {
        if self.max_entities == 0 || self.max_rooms_per_ip == 0 {
            return Err("lobby.max_entities and lobby.max_rooms_per_ip must be >= 1".into());
        }
        if !(10..=60_000).contains(&self.events_interval_ms) {
            return Err("lobby.events_interval_ms must be 10..=60000".into());
        }
        if self.events_viewers == 0 || self.events_retain == 0 {
            return Err("lobby.events_viewers and lobby.events_retain must be >= 1".into());
        }
        Ok(())
    }
}

/// What a room costs against the entity budget.
pub fn entities_of(drones: u32, max_players: u32) -> u64 {
    u64::from(drones) + u64::from(max_players)
}

/// Why a budget refused a new room.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OverBudget {
    /// The server's entity budget (its limit).
    Entities(u64),
    /// The address's live rooms (its limit).
    AddressRooms(usize),
}

/// Whether a room costing `cost` fits, given what live rooms use now.
pub fn check(
    config: &LobbyConfig,
    entities_in_use: u64,
    cost: u64,
    rooms_of_address: usize,
) -> Result<(), OverBudget> {
    if rooms_of_address >= config.max_rooms_per_ip {
        return Err(OverBudget::AddressRooms(config.max_rooms_per_ip));
    }
    if entities_in_use.saturating_add(cost) > config.max_entities {
        return Err(OverBudget::Entities(config.max_entities));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rooms_fit_until_a_budget_is_spent() {
        let c = LobbyConfig {
            max_entities: 100,
            max_rooms_per_ip: 2,
            create: CreatePolicy::Anyone,
            ..LobbyConfig::default()
        };
        assert_eq!(check(&c, 0, entities_of(84, 16), 0), Ok(()));
        assert_eq!(
            check(&c, 1, entities_of(84, 16), 0),
            Err(OverBudget::Entities(100))
        );
        assert_eq!(check(&c, 0, 1, 2), Err(OverBudget::AddressRooms(2)));
        assert_eq!(check(&c, u64::MAX, 1, 0), Err(OverBudget::Entities(100)));
        assert!(LobbyConfig::default().validate().is_ok());
    }
}
