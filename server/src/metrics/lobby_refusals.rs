//! Lobby API calls refused, by reason: every error the lobby answers with (404,
//! 409, 422, 400, 503, 429, 401), counted once where it becomes the HTTP answer.
//! Registered as one block by [`super::Metrics::new`].

use super::reasons::{Reason, ReasonCounter};
use prometheus_client::registry::Registry;

/// Why the lobby refused a call (the `reason` label of
/// `tickcast_lobby_refused_total`): one per lobby error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LobbyRefusal {
    /// No such room (or a private one without its invite code): 404.
    NotFound,
    /// The room is full: 409.
    Full,
    /// The room has finished: 409.
    Finished,
    /// A map the game does not have: 422.
    UnknownMap,
    /// A map asked of a game that plays on no maps: 422.
    NoMaps,
    /// A game the catalog does not have: 400.
    UnknownGame,
    /// An invalid value (name, seats, npcs, the game's options): 422.
    Invalid,
    /// The server's room limit: 503.
    TooManyRooms,
    /// The server-wide entity budget: 503.
    EntityBudget,
    /// The address's live room limit: 429.
    AddressRooms,
    /// The address's share of the entity budget: 429.
    AddressEntities,
    /// The address's unredeemed seat tickets: 429.
    AddressTickets,
    /// `[lobby] create` lets the caller create no room: 401.
    CreateRefused,
}

impl Reason for LobbyRefusal {
    const ALL: &'static [LobbyRefusal] = &[
        LobbyRefusal::NotFound,
        LobbyRefusal::Full,
        LobbyRefusal::Finished,
        LobbyRefusal::UnknownMap,
        LobbyRefusal::NoMaps,
        LobbyRefusal::UnknownGame,
        LobbyRefusal::Invalid,
        LobbyRefusal::TooManyRooms,
        LobbyRefusal::EntityBudget,
        LobbyRefusal::AddressRooms,
        LobbyRefusal::AddressEntities,
        LobbyRefusal::AddressTickets,
        LobbyRefusal::CreateRefused,
    ];

    fn as_str(self) -> &'static str {
        match self {
            LobbyRefusal::NotFound => "not_found",
            LobbyRefusal::Full => "full",
            LobbyRefusal::Finished => "finished",
            LobbyRefusal::UnknownMap => "unknown_map",
            LobbyRefusal::NoMaps => "no_maps",
            LobbyRefusal::UnknownGame => "unknown_game",
            LobbyRefusal::Invalid => "invalid",
            LobbyRefusal::TooManyRooms => "too_many_rooms",
            LobbyRefusal::EntityBudget => "entity_budget",
            LobbyRefusal::AddressRooms => "address_rooms",
            LobbyRefusal::AddressEntities => "address_entities",
            LobbyRefusal::AddressTickets => "address_tickets",
            LobbyRefusal::CreateRefused => "create_refused",
        }
    }
}

/// Lobby calls refused, by reason (`tickcast_lobby_refused_total{reason}`).
pub type LobbyRefusals = ReasonCounter<LobbyRefusal>;

/// Register `tickcast_lobby_refused_total`.
pub(super) fn register(r: &mut Registry) -> LobbyRefusals {
    ReasonCounter::register(
        r,
        "tickcast_lobby_refused",
        "Lobby API calls refused (404, 409, 422, 400, 503, 429, 401), by reason",
    )
}
