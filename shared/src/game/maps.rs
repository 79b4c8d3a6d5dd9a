//! Maps: how a game that plays on maps tells the lobby about them ([`MapFormat`]).
//!
//! A game without maps (the default of [`super::Game::maps`]) gets no map: its rooms
//! list none and a request naming one is refused. A game with maps names its
//! built-in default map (name and text) and how to read a map text; the lobby
//! reads the maps directory with it at start, offers the maps by name (`map` of
//! `POST /api/rooms` and `/api/matchmake`, default: the game's default map), hands
//! the chosen map's name and text to [`super::Game::configure`] in
//! [`super::RoomOptions::map`], and answers `GET /api/maps/{name}` with the map's
//! view. The engine never parses a map itself.

/// How a game reads its maps (see the module docs).
#[derive(Debug, Clone, Copy)]
pub struct MapFormat {
    /// The map a room gets when it asks for none, by name (`GET /api/maps/{name}`
    /// answers it; a file of that name in the maps directory replaces it).
    pub default_name: &'static str,
    /// The default map's text.
    pub default_text: &'static str,
    /// Read a map text (from a file of the maps directory: hostile enough to be
    /// checked, never trusted): its view as JSON text (a JSON value), what
    /// `GET /api/maps/{name}` answers and what clients draw, or why it is no map
    /// of this game (a message naming the line).
    pub read: fn(&str) -> Result<String, String>,
}
