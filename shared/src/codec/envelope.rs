//! Envelope: protocol messages <-> bytes (bincode 2, pinned `=2.0.1`).

use crate::protocol::{ClientMsg, ServerMsg};
use thiserror::Error;

/// Why bytes could not be decoded into a message.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DecodeError {
    #[error("message of {len} bytes exceeds the limit of {max} bytes")]
    TooLarge { len: usize, max: usize },
    #[error("message is truncated")]
    Truncated,
    #[error("unknown message variant {0}")]
    UnknownVariant(u32),
    #[error("{0} trailing bytes after the message")]
    TrailingBytes(usize),
    #[error("malformed message: {0}")]
    Malformed(String),
}

/// Encode a client message.
pub fn encode_client(msg: &ClientMsg) -> Vec<u8> {
    todo!("{msg:?}")
}

/// Decode a client message of at most `max` bytes.
pub fn decode_client(bytes: &[u8], max: usize) -> Result<ClientMsg, DecodeError> {
    todo!("{bytes:?} {max}")
}

/// Encode a server message.
pub fn encode_server(msg: &ServerMsg) -> Vec<u8> {
    todo!("{msg:?}")
}

/// Decode a server message of at most `max` bytes.
pub fn decode_server(bytes: &[u8], max: usize) -> Result<ServerMsg, DecodeError> {
    todo!("{bytes:?} {max}")
}
