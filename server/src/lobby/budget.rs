//! Per-server and per-address budgets the lobby enforces (section `[lobby]` of the
//! config): the server-wide entity budget (the entities of all live rooms, as each
//! room's game counts them: its npcs plus its player seats), one address's share of it and the live rooms one address may have, all
//! checked when a room is created; and the seat tickets one address may hold and
//! the rate of its ticket checks at `/ws` (see [`super::tickets`]).

use serde::{Deserialize, Serialize};

/// Section `[lobby]` of the config.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LobbyConfig {
    /// Entities (npcs plus player seats, as the games count them) over every live
    /// room. Default 50000.
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
    /// Entities over the live rooms one address created: its share of
    /// `max_entities`. Default (unset): a quarter of `max_entities`.
    pub max_entities_per_ip: Option<u64>,
    /// Seat tickets one address may hold unredeemed, over all rooms. Default 8.
    pub max_tickets_per_ip: usize,
    /// Unredeemed seat tickets one address (without verified identities) may hold
    /// in one room; asking past it replaces its oldest there. Default (unset):
    /// half the room's seats, at least one. An identity always holds one.
    pub max_tickets_per_ip_per_room: Option<usize>,
    /// Ticket and resume-token checks at `GET /ws` per second from one address
    /// (refill of its bucket). Default 200.
    pub ticket_checks_per_sec: u32,
    /// Burst of those checks (the bucket's size). Default 400.
    pub ticket_checks_burst: u32,
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
            max_entities_per_ip: None,
            max_tickets_per_ip: 8,
            max_tickets_per_ip_per_room: None,
            ticket_checks_per_sec: 200,
            ticket_checks_burst: 400,
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
        if self.max_entities_per_ip == Some(0)
            || self.max_tickets_per_ip == 0
            || self.max_tickets_per_ip_per_room == Some(0)
        {
            return Err("lobby.max_entities_per_ip, max_tickets_per_ip and \
                 max_tickets_per_ip_per_room must be >= 1"
                .into());
        }
        if self.ticket_checks_per_sec == 0 || self.ticket_checks_burst == 0 {
            return Err(
                "lobby.ticket_checks_per_sec and lobby.ticket_checks_burst must be >= 1".into(),
            );
        }
        Ok(())
    }

    /// The unredeemed tickets one address without identities may hold in a room
    /// of `seats`: `max_tickets_per_ip_per_room`, or half the seats (at least 1).
    pub fn tickets_per_ip_in(&self, seats: u32) -> usize {
        self.max_tickets_per_ip_per_room
            .unwrap_or((seats / 2) as usize)
            .max(1)
    }

    /// One address's share of the entity budget: `max_entities_per_ip`, or a
    /// quarter of `max_entities` (at least 1) when unset.
    pub fn entities_per_ip(&self) -> u64 {
        self.max_entities_per_ip
            .unwrap_or(self.max_entities / 4)
            .max(1)
    }
}

/// What a room costs against the entity budget.
#[cfg(test)]
pub fn entities_of(npcs: u32, max_players: u32) -> u64 {
    u64::from(npcs) + u64::from(max_players)
}

/// Why a budget refused a new room.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OverBudget {
    /// The server's entity budget (its limit).
    Entities(u64),
    /// The address's live rooms (its limit).
    AddressRooms(usize),
    /// The address's share of the entity budget (its limit).
    AddressEntities(u64),
}

/// What the live rooms use now: entities over all of them, and the rooms and
/// entities of the creating address.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct InUse {
    pub entities: u64,
    pub rooms_of_address: usize,
    pub entities_of_address: u64,
}

/// Whether a room costing `cost` fits, given what live rooms use now. The
/// address's own limits come first: one address spending its share is told so
/// (429), not given the server's 503.
pub fn check(config: &LobbyConfig, in_use: InUse, cost: u64) -> Result<(), OverBudget> {
    if in_use.rooms_of_address >= config.max_rooms_per_ip {
        return Err(OverBudget::AddressRooms(config.max_rooms_per_ip));
    }
    let share = config.entities_per_ip();
    if in_use.entities_of_address.saturating_add(cost) > share {
        return Err(OverBudget::AddressEntities(share));
    }
    let entities_in_use = in_use.entities;
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
        let used = |entities, rooms_of_address| InUse {
            entities,
            rooms_of_address,
            entities_of_address: 0,
        };
        let c = LobbyConfig {
            max_entities_per_ip: Some(100),
            ..c
        };
        assert_eq!(check(&c, used(0, 0), entities_of(84, 16)), Ok(()));
        assert_eq!(
            check(&c, used(1, 0), entities_of(84, 16)),
            Err(OverBudget::Entities(100))
        );
        assert_eq!(check(&c, used(0, 2), 1), Err(OverBudget::AddressRooms(2)));
        assert_eq!(
            check(&c, used(u64::MAX, 0), 1),
            Err(OverBudget::Entities(100))
        );
        assert!(LobbyConfig::default().validate().is_ok());
    }

    #[test]
    fn one_address_spends_only_its_share() {
        let c = LobbyConfig::default();
        assert_eq!(c.entities_per_ip(), 12_500, "a quarter of 50000");
        let mine = |entities_of_address| InUse {
            entities: entities_of_address,
            rooms_of_address: 1,
            entities_of_address,
        };
        assert_eq!(check(&c, mine(10_000), 2_500), Ok(()));
        assert_eq!(
            check(&c, mine(10_000), 2_501),
            Err(OverBudget::AddressEntities(12_500))
        );
        let tiny = LobbyConfig {
            max_entities: 3,
            ..LobbyConfig::default()
        };
        assert_eq!(tiny.entities_per_ip(), 1, "never zero");
    }
}
