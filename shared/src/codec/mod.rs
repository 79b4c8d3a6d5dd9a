//! The only place that turns protocol values into bytes and back.
//!
//! - [`envelope`]: `ClientMsg`/`ServerMsg` <-> bytes with bincode 2 (pinned `=2.0.1`,
//!   RUSTSEC-2025-0141). Nothing else in the workspace names bincode, so swapping the
//!   envelope format touches this module only. Decoding checks the size first and
//!   returns a typed [`DecodeError`]; it never panics on any input.
//! - [`snapshot`]: the quantized [`Snapshot`] (what a client sees at a tick).
//! - [`delta`]: bit-packed deltas between two snapshots ([`encode_delta`],
//!   [`apply_delta`]).

pub mod delta;
pub mod envelope;
pub mod snapshot;

pub use delta::{DeltaError, apply_delta, encode_delta};
pub use envelope::{
    DecodeError, decode_client, decode_server, encode_client, encode_server,
};
pub use snapshot::{EntityKind, EntityState, Snapshot};
