//! [`LobbyError`]: every reason the lobby refuses a request. The HTTP layer turns
//! each into its status and counts it by reason (`tickcast_lobby_refused_total`).

use thiserror::Error;

/// A lobby request that cannot be served.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum LobbyError {
    #[error("no such room")]
    NotFound,
    #[error("room is full")]
    Full,
    #[error("room has finished")]
    Finished,
    #[error("unknown map '{0}'")]
    UnknownMap(String),
    /// A `"map"` asked of a game that plays on no maps.
    #[error("the game {0} plays on no maps: leave out \"map\"")]
    NoMaps(String),
    /// A `"game"` the server's catalog does not have.
    #[error(transparent)]
    UnknownGame(#[from] crate::games::UnknownGame),
    #[error("{0}")]
    Invalid(String),
    #[error("too many rooms (limit {0})")]
    TooManyRooms(usize),
    #[error("server entity budget spent (npcs + seats over live rooms, limit {0})")]
    EntityBudget(u64),
    #[error("too many live rooms from your address (limit {0})")]
    AddressRooms(usize),
    #[error(
        "your address's share of the entity budget is spent (npcs + seats over the live rooms it created, limit {0})"
    )]
    AddressEntities(u64),
    #[error("too many unredeemed seat tickets from your address (limit {0})")]
    AddressTickets(usize),
    /// Matchmaking found no open room and the caller may not create one
    /// (`[lobby] create`).
    #[error("no open room on this map, and [lobby] create does not let you create one")]
    CreateRefused,
}
