//! A player's socket the room writes snapshots to itself, at its send tick, with no
//! wake-up of the player's session ([`super::outbox::Outbox::snapshot`] tries it
//! first).
//!
//! A transport that can (a WebSocket on a plain HTTP/1 connection the edge took
//! over, see `net::ws_direct`) gives its session a [`DirectSocket`]; the session
//! arms its outbox with it once the `Welcome` is written and disarms it before
//! its close. What the room writes this way is one whole frame per snapshot, in one
//! non-blocking write of the frame's header, the player's head and the body it
//! shares with the other players of its baseline. Whatever the socket does not take
//! at once falls back to the session's path ([`DirectWrite`]), which keeps the
//! latest-wins rule and the order of control messages.
//!
//! Such a socket may also let the room read the player's inputs at its tick
//! ([`DirectSocket::read_inputs`]), so that an input costs no wake of the session
//! either.

use super::SnapshotFrame;
use tickcast_shared::protocol::InputCmd;

/// What one direct write of a snapshot came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DirectWrite {
    /// The whole frame is in the socket.
    Written,
    /// The socket took the frame's beginning; the transport keeps the rest and
    /// writes it before anything else once its session flushes.
    Partial,
    /// Nothing was written: the socket is full, or the rest of an earlier frame
    /// is still waiting. The session writes it (latest wins).
    Refused,
    /// The socket is broken or closing: the session finds out and ends.
    Closed,
}

/// A player's socket the room may write snapshots to directly.
pub trait DirectSocket: Send + Sync + std::fmt::Debug {
    /// Write `frame` now, without blocking, as one whole transport frame.
    fn try_snapshot(&self, frame: &SnapshotFrame) -> DirectWrite;

    /// Read what the player sent since the last call, without blocking, when the
    /// transport lets the room read: its admitted inputs go to `inputs`; anything
    /// else is the session's, which the transport wakes. By default the room reads
    /// nothing (the session reads everything).
    fn read_inputs(&self, inputs: &mut Vec<InputCmd>) {
        let _ = inputs;
    }
}
