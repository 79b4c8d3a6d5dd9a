//! Envelope: protocol messages <-> bytes (bincode 2, pinned `=2.0.1`).
//!
//! This is the only file in the workspace that names bincode (RUSTSEC-2025-0141:
//! the crate is unmaintained upstream; swapping the format happens here and nowhere
//! else). Messages go through bincode's serde support with one fixed configuration,
//! [`bincode::config::standard`]: little-endian, variable-length integers (a value
//! below 251 is one byte), enum variants as a varint index in declaration order.
//!
//! Decoding treats its input as hostile:
//! 1. `bytes.len() > max` is [`DecodeError::TooLarge`] before anything is read;
//! 2. the leading variant index is checked against the message enum
//!    ([`DecodeError::UnknownVariant`]);
//! 3. the message is decoded with a byte limit ([`CLIENT_DECODE_LIMIT`],
//!    [`SERVER_DECODE_LIMIT`]): bincode counts every length prefix against it before
//!    allocating, so no length prefix can make the decoder allocate more than the
//!    limit (and serde caps the preallocation of a sequence at 1 MiB);
//! 4. running out of input is [`DecodeError::Truncated`], bytes left over after the
//!    message are [`DecodeError::TrailingBytes`], anything else (bad UTF-8, an invalid
//!    nested variant, an oversized length prefix) is [`DecodeError::Malformed`].
//!
//! No input makes decoding panic (property-tested below over random and mutated
//! bytes).

use crate::protocol::{ClientMsg, InputSeq, ServerMsg, Tick};
use bincode::config::{Configuration, Limit};
use bincode::error::DecodeError as BincodeError;
use serde::Serialize;
use serde::de::DeserializeOwned;
use thiserror::Error;

/// Decode limit for client messages (the server decodes these from the network):
/// no length prefix in a client message can make the decoder allocate more than this.
pub const CLIENT_DECODE_LIMIT: usize = 64 * 1024;
/// Decode limit for server messages (snapshot bodies can be large keyframes).
pub const SERVER_DECODE_LIMIT: usize = 16 * 1024 * 1024;

/// Number of `ClientMsg` variants (the largest valid leading variant index + 1).
const CLIENT_VARIANTS: u32 = 5;
/// Number of `ServerMsg` variants.
const SERVER_VARIANTS: u32 = 5;

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

fn config<const L: usize>()
-> Configuration<bincode::config::LittleEndian, bincode::config::Varint, Limit<L>> {
    bincode::config::standard().with_limit::<L>()
}

fn encode<T: Serialize>(msg: &T) -> Vec<u8> {
    match bincode::serde::encode_to_vec(msg, bincode::config::standard()) {
        Ok(bytes) => bytes,
        // Writing into a Vec cannot fail and every protocol type is plain serde data
        // (no `deserialize_any`-only shapes, no maps with unknown length).
        Err(e) => unreachable!("protocol messages always encode: {e}"),
    }
}

fn map_error(e: BincodeError) -> DecodeError {
    match e {
        BincodeError::UnexpectedEnd { .. } => DecodeError::Truncated,
        BincodeError::LimitExceeded => {
            DecodeError::Malformed("a length prefix exceeds the decode limit".into())
        }
        other => DecodeError::Malformed(other.to_string()),
    }
}

fn decode<T: DeserializeOwned, const L: usize>(
    bytes: &[u8],
    max: usize,
    variants: Option<u32>,
) -> Result<T, DecodeError> {
    if bytes.len() > max {
        return Err(DecodeError::TooLarge {
            len: bytes.len(),
            max,
        });
    }
    // The variant index is a u32 varint at the start; read it the way serde's enum
    // support in bincode does, so an unknown top-level variant gets its own error.
    if let Some(variants) = variants {
        let (variant, _) =
            bincode::decode_from_slice::<u32, _>(bytes, config::<L>()).map_err(map_error)?;
        if variant >= variants {
            return Err(DecodeError::UnknownVariant(variant));
        }
    }
    let (msg, used) =
        bincode::serde::decode_from_slice::<T, _>(bytes, config::<L>()).map_err(map_error)?;
    match bytes.len().checked_sub(used) {
        Some(0) => Ok(msg),
        Some(rest) => Err(DecodeError::TrailingBytes(rest)),
        None => Err(DecodeError::Malformed("decoder read past the input".into())),
    }
}

/// Encode a client message.
pub fn encode_client(msg: &ClientMsg) -> Vec<u8> {
    encode(msg)
}

/// Decode a client message of at most `max` bytes.
pub fn decode_client(bytes: &[u8], max: usize) -> Result<ClientMsg, DecodeError> {
    decode::<ClientMsg, CLIENT_DECODE_LIMIT>(bytes, max, Some(CLIENT_VARIANTS))
}

/// Encode a server message.
pub fn encode_server(msg: &ServerMsg) -> Vec<u8> {
    encode(msg)
}

/// The per-player fields of a [`ServerMsg::Snapshot`]: everything but the body.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SnapshotHead {
    pub tick: Tick,
    pub baseline: Option<Tick>,
    pub last_input: InputSeq,
    pub input_lead: i32,
}

/// The bytes that come before a body of `body_len` bytes in the encoded
/// [`ServerMsg::Snapshot`] of `head`: `head` then the body's length prefix.
///
/// `snapshot_head(h, body.len()) || body` is byte for byte
/// `encode_server(&ServerMsg::Snapshot { .., body })` (the body is the message's last
/// field), so a body encoded once can be shared by every player of a baseline group
/// and only these few bytes are encoded per player. Clients decode the message as
/// usual with [`decode_server`].
pub fn snapshot_head(head: &SnapshotHead, body_len: usize) -> Vec<u8> {
    let empty = ServerMsg::Snapshot {
        tick: head.tick,
        baseline: head.baseline,
        last_input: head.last_input,
        input_lead: head.input_lead,
        body: Vec::new(),
    };
    let mut bytes = encode(&empty);
    // An empty body is its length prefix alone: the single byte 0.
    bytes.pop();
    bytes.extend_from_slice(&encode(&(body_len as u64)));
    bytes
}

/// Decode a server message of at most `max` bytes.
pub fn decode_server(bytes: &[u8], max: usize) -> Result<ServerMsg, DecodeError> {
    decode::<ServerMsg, SERVER_DECODE_LIMIT>(bytes, max, Some(SERVER_VARIANTS))
}

/// Encode any plain serde value that is not a protocol message (the replay header,
/// say) with the same configuration as the messages.
pub fn encode_value<T: Serialize>(value: &T) -> Vec<u8> {
    encode(value)
}

/// Decode a value [`encode_value`] produced, from at most `max` bytes, with the same
/// hostile-input rules as the messages (decode limit [`SERVER_DECODE_LIMIT`]).
pub fn decode_value<T: DeserializeOwned>(bytes: &[u8], max: usize) -> Result<T, DecodeError> {
    decode::<T, SERVER_DECODE_LIMIT>(bytes, max, None)
}

#[cfg(test)]
#[path = "envelope_tests.rs"]
mod tests;
