//! # tickcast-shared
//!
//! The common crate of tickcast: everything the server and every client (native, and
//! the browser through golden vectors) must agree on, and nothing that does IO.
//!
//! - [`protocol`]: the messages (`ClientMsg`, `ServerMsg`), ids and the `Tick` newtype,
//!   and [`protocol::PROTOCOL_VERSION`].
//! - [`codec`]: the only place that turns messages into bytes: the bincode envelope
//!   (pinned `=2.0.1`, RUSTSEC-2025-0141: swap it here and nowhere else) and the
//!   bit-packed, quantized snapshot deltas.
//! - [`game`]: the Game API: the [`game::Game`] trait a game implements, one step's
//!   commands, and the object-safe [`game::DynGame`] the engine drives.
//! - [`schema`]: a game's schema as data (entity kinds and fields with codecs and
//!   client hints, input, events), its JSON descriptor and hash; it drives the codec.
//! - [`sim`]: the arena game: a deterministic fixed-step `World` (slotmap + glam)
//!   with a seeded RNG, the shared player movement (clients predict with it), maps.
//! - [`quic`]: how the same messages are framed over QUIC (ALPN, control stream,
//!   snapshot datagrams, close codes).
//!
//! This crate has no tokio and no IO; it builds for `wasm32-unknown-unknown`.

pub mod codec;
pub mod game;
pub mod protocol;
pub mod quic;
pub mod replay;
pub mod schema;
pub mod sim;
pub mod spectate;
