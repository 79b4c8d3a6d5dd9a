//! How protocol messages travel over QUIC (native players; the server uses quinn).
//!
//! The messages are the same bincode envelopes as on the WebSocket (see
//! [`crate::codec`]); this module only fixes how they are framed, so the server and
//! the native client share one definition and nothing is written twice.
//!
//! - ALPN [`ALPN`]. The server's certificate is self-signed unless the host gives one;
//!   the lobby's join answer carries its SHA-256 so a client can pin it.
//! - **Control stream**: the client opens one bidirectional stream and sends `Hello`
//!   (with a seat ticket or a resume token) on it, then inputs, pings and `Leave`. The
//!   server answers `Welcome`, pongs, game events and errors on the same stream. Each
//!   message is a [`LEN_PREFIX`]-byte little-endian length followed by the envelope;
//!   [`frame_len`] checks the length against the reader's limit before a byte of the
//!   body is read.
//! - **Inputs** go as datagrams, each one envelope `ClientMsg::Inputs` holding the
//!   newest few inputs (the client's redundancy, default [`DEFAULT_INPUT_REDUNDANCY`]),
//!   so a lost datagram's inputs arrive with the next one; the server applies each
//!   sequence once. A datagram holding anything else closes the connection. When
//!   datagrams are unavailable, inputs go on the control stream.
//! - **Snapshots** are unreliable and unordered, as game state should be: a snapshot
//!   that fits in one datagram is sent as a QUIC datagram holding exactly one
//!   envelope; a larger one (a keyframe of a big room) is split into datagram
//!   fragments ([`fragments`]) that the client reassembles, and a lost fragment loses
//!   that snapshot. Only when datagrams are unavailable (or a snapshot needs more
//!   fragments than the server allows) does it go on its own unidirectional stream
//!   holding exactly one envelope, then the stream ends. A client applies a snapshot only if it
//!   holds its baseline and it is newer than what it has, and acknowledges with the
//!   `last_snapshot` of its inputs: the server deltas against the newest
//!   acknowledged tick.
//! - **Closing**: the QUIC application close code is the WebSocket close code the
//!   same event would have had ([`close`]), and the reason is the UTF-8 close reason.

use sha2::{Digest, Sha256};
use thiserror::Error;

pub mod fragments;

/// The ALPN protocol id of tickcast over QUIC.
pub const ALPN: &[u8] = b"tickcast/1";

/// Inputs per input datagram by default: the newest and the three before it.
pub const DEFAULT_INPUT_REDUNDANCY: usize = 4;

/// Bytes of the length prefix in front of each control-stream message.
pub const LEN_PREFIX: usize = 4;

/// QUIC application close codes (the numbers are the WebSocket close codes).
pub mod close {
    /// Left the room, or the room finished.
    pub const NORMAL: u16 = 1000;
    /// Idle timeout, or the server is shutting down.
    pub const GOING_AWAY: u16 = 1001;
    /// Protocol version mismatch (after an `Error` message naming both versions).
    pub const PROTOCOL: u16 = 1002;
    /// Undecodable or unexpected message.
    pub const POLICY: u16 = 1008;
    /// A message over the size limit.
    pub const TOO_BIG: u16 = 1009;
    /// The server failed (nothing the client did).
    pub const INTERNAL: u16 = 1011;
    /// Replaced by a resumed connection of the same player.
    pub const REPLACED: u16 = 4001;
    /// The operator kicked the player (`POST /api/admin/rooms/{id}/kick`); its seat
    /// is gone, so resuming is refused.
    pub const KICKED: u16 = 4403;
    /// The ticket or resume token in `Hello` was refused (HTTP 401 on the WebSocket).
    pub const UNAUTHORIZED: u16 = 4401;
    /// The server has no room for another QUIC connection (HTTP 503 elsewhere).
    pub const BUSY: u16 = 4503;
}

/// A control-stream frame that may not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum FrameError {
    #[error("frame of {len} bytes exceeds the limit of {max} bytes")]
    TooLarge { len: usize, max: usize },
    #[error("empty frame")]
    Empty,
}

/// The length prefix for a message of `len` bytes.
///
/// # Panics
/// Never for protocol messages: an envelope over 4 GiB cannot be built.
pub fn len_prefix(len: usize) -> [u8; LEN_PREFIX] {
    let len = u32::try_from(len).unwrap_or(u32::MAX);
    len.to_le_bytes()
}

/// `envelope` with its length prefix in front, ready for the control stream.
pub fn frame(envelope: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(LEN_PREFIX + envelope.len());
    out.extend_from_slice(&len_prefix(envelope.len()));
    out.extend_from_slice(envelope);
    out
}

/// The body length a prefix announces, if the reader accepts it (`1..=max` bytes).
pub fn frame_len(prefix: [u8; LEN_PREFIX], max: usize) -> Result<usize, FrameError> {
    let len = u32::from_le_bytes(prefix) as usize;
    if len == 0 {
        Err(FrameError::Empty)
    } else if len > max {
        Err(FrameError::TooLarge { len, max })
    } else {
        Ok(len)
    }
}

/// The SHA-256 of a DER certificate as lowercase hex: what the lobby announces as
/// `cert_sha256` and what a client pins.
pub fn cert_sha256(der: &[u8]) -> String {
    Sha256::digest(der)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn certificate_fingerprints_are_lowercase_hex_sha256() {
        // SHA-256 of the empty input, a published test vector.
        assert_eq!(
            cert_sha256(b""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }

    #[test]
    fn a_frame_announces_its_body() {
        let framed = frame(b"hello");
        assert_eq!(framed.len(), LEN_PREFIX + 5);
        let prefix: [u8; LEN_PREFIX] = framed[..LEN_PREFIX].try_into().unwrap();
        assert_eq!(frame_len(prefix, 5), Ok(5));
        assert_eq!(&framed[LEN_PREFIX..], b"hello");
    }

    #[test]
    fn oversized_and_empty_frames_are_refused_before_reading() {
        assert_eq!(
            frame_len(len_prefix(4097), 4096),
            Err(FrameError::TooLarge {
                len: 4097,
                max: 4096
            })
        );
        assert_eq!(
            frame_len([0xff; LEN_PREFIX], 4096),
            Err(FrameError::TooLarge {
                len: u32::MAX as usize,
                max: 4096
            })
        );
        assert_eq!(frame_len([0; LEN_PREFIX], 4096), Err(FrameError::Empty));
    }
}
