//! Helpers for tickcast's integration tests: start the real server binary on port 0
//! and talk to it over real loopback sockets.

pub mod sse;
pub mod server;
