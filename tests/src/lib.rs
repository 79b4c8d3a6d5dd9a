//! Helpers for tickcast's integration tests: start the real server binary on port 0
//! and talk to it over real loopback sockets.
//!
//! - [`server`]: the server binary as a child process.
//! - [`http`]: one-shot JSON requests to the lobby API.
//! - [`player`]: a raw WebSocket player speaking the protocol with the shared codec.
//! - [`quic_player`]: a raw QUIC peer (quinn and the shared framing), for hostile
//!   cases the client library would never produce.
//! - [`wt_player`]: a WebTransport peer (a browser's session: control stream,
//!   datagrams, the close capsule).
//! - [`sse`]: a raw-socket Server-Sent Events client.
//! - [`redis`]: a real redis-server on a free loopback port (cluster tests).
//! - [`jwt`]: HS256 tokens and config files for JWT-required joins.
//! - [`replay_match`]: a scripted match written straight into replay bytes.
//! - [`tickets`]: seat ticket checks shared by the single-node and cluster tests.

#![allow(clippy::unwrap_used, clippy::expect_used)]

pub mod http;
pub mod jwt;
pub mod player;
pub mod quic_player;
pub mod redis;
pub mod replay_match;
pub mod server;
pub mod sse;
pub mod tickets;
pub mod wt_player;
