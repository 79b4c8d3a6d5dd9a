//! Finding a replay's game: [`OpenError`] and the game a re-simulation starts from.
//!
//! A replay names its game; re-simulating (playback, seeking, [`verify`](super::verify))
//! finds it by that name in a catalog of [`GameEntry`]s and makes it from the
//! header's config and seed. Reading, listing and keyframes need no game.

use super::ReplayHeader;
use super::reader::Stop;
use crate::game::{DynGame, GameEntry};
use thiserror::Error;

/// Why a replay cannot be re-simulated here.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum OpenError {
    /// The bytes do not start as a readable replay.
    #[error(transparent)]
    Damaged(#[from] Stop),
    /// The header names a game the catalog does not have.
    #[error("unknown game {0}")]
    UnknownGame(String),
    /// The game here is another build (or schema) than the one that recorded:
    /// re-simulating could diverge for that reason alone.
    #[error("build mismatch: recorded by {game} build {recorded:?}, this is build {running:?}")]
    BuildMismatch {
        game: String,
        recorded: String,
        running: String,
    },
    /// The game refused the recorded config.
    #[error("the recorded {game} room does not start: {reason}")]
    Unplayable { game: String, reason: String },
}

/// The catalog's entry for the header's game.
pub(crate) fn find(games: &[GameEntry], header: &ReplayHeader) -> Result<GameEntry, OpenError> {
    games
        .iter()
        .find(|g| g.name() == header.game)
        .copied()
        .ok_or_else(|| OpenError::UnknownGame(header.game.clone()))
}

/// The catalog's entry for the header's game, if it is the recording build (what
/// a re-simulation needs).
pub fn game_for(games: &[GameEntry], header: &ReplayHeader) -> Result<GameEntry, OpenError> {
    let entry = find(games, header)?;
    if header.build_differs(&entry) {
        return Err(OpenError::BuildMismatch {
            game: header.game.clone(),
            recorded: header.build.clone(),
            running: entry.build().to_owned(),
        });
    }
    Ok(entry)
}

/// The recorded game at tick 0.
pub(crate) fn create(
    entry: &GameEntry,
    header: &ReplayHeader,
) -> Result<Box<dyn DynGame>, OpenError> {
    (entry.create)(&header.config_value(), header.seed).map_err(|e| OpenError::Unplayable {
        game: header.game.clone(),
        reason: e.to_string(),
    })
}
