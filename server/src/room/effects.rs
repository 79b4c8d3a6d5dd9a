//! The core's interface to the world outside it: [`Command`]s in, [`Effects`] out.
//! The tokio shell implements the effects with channels, the unit tests with vectors.

use super::players::{ConnId, RequestId, Welcomed};
use super::{Control, JoinAuth, JoinRefused, SnapshotFrame};
use std::sync::Arc;
use tickcast_shared::codec::RowSnapshot;
use tickcast_shared::game::{DynGame, EventRow, InputValues, StepCommands};
use tickcast_shared::protocol::PlayerIdentity;
use tickcast_shared::protocol::{InputCmd, PlayerId, Tick};
use tickcast_shared::spectate::PlayerName;

/// What the core asks of the world outside it.
pub trait Effects {
    /// The answer to join request `request`.
    fn answer(&mut self, request: RequestId, answer: Result<Welcomed, JoinRefused>);
    /// A control message (events, close) for connection `conn`.
    fn control(&mut self, conn: ConnId, control: Control);
    /// `conn` carries no player any more; whatever links to it can go.
    fn release(&mut self, conn: ConnId);
    /// The newest snapshot frame for `conn` (it replaces an unsent older one).
    fn snapshot(&mut self, conn: ConnId, frame: SnapshotFrame);
    /// Who the players joining in the coming step are (for the recorder's player
    /// records); called before the step, only when someone joins.
    fn seating(&mut self, _players: Vec<PlayerIdentity>) {}
    /// One step was taken: its accepted commands, the game after it, its events
    /// and who the players they name are (for the recorder and the spectators).
    fn stepped(
        &mut self,
        commands: StepCommands<InputValues>,
        game: &dyn DynGame,
        events: &[EventRow],
        players: &[PlayerIdentity],
    );
    /// Whether spectators want the snapshot of `tick`.
    fn wants_spectator_frame(&self, tick: Tick) -> bool;
    /// The snapshot of a tick for which [`Effects::wants_spectator_frame`] said yes,
    /// and who is in the room then (by id).
    fn spectator_frame(&mut self, snapshot: &Arc<RowSnapshot>, players: Vec<PlayerName>);
}

/// A command from a session (the shell has put its reply channel aside).
#[derive(Debug)]
pub enum Command {
    Join {
        request: RequestId,
        name: String,
        auth: JoinAuth,
    },
    Input {
        player: PlayerId,
        conn: ConnId,
        cmd: InputCmd,
    },
    /// The snapshot of `tick` was written to a reliable, ordered transport.
    Delivered {
        player: PlayerId,
        conn: ConnId,
        tick: Tick,
    },
    /// The connection dropped: hold the player for the grace period.
    Disconnect { player: PlayerId, conn: ConnId },
    /// The player left for good.
    Leave { player: PlayerId, conn: ConnId },
}
