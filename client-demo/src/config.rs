//! [`ClientConfig`]: the limits and options of a [`crate::Client`], transport included.

use crate::baseline::DEFAULT_BASELINE_RING;
use crate::connection::{DEFAULT_MAX_FRAME_BYTES, Transport};
use crate::error::Result;
use crate::link_conditioner::LinkSpec;
use crate::lobby::{DEFAULT_HTTP_TIMEOUT, DEFAULT_MAX_ANSWER_BYTES, Lobby};
use crate::prediction::DEFAULT_PENDING_INPUTS;
use crate::reconnect::ReconnectPolicy;
use std::path::PathBuf;
use std::time::Duration;

/// Limits and options of a [`crate::Client`]; `Default` gives the documented defaults.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// WebSocket (default) or QUIC. QUIC needs a server whose join answer announces
    /// it; otherwise connecting fails with [`crate::ClientError::NoQuic`].
    pub transport: Transport,
    /// The game this client plays (default `arena`): matchmaking asks for it, and
    /// for a game this client was built for ([`crate::games::schema_of`]) the
    /// `Hello` announces its schema hash and the `Welcome`'s is checked against it.
    /// Another name sends no hash and takes whatever schema the `Welcome` carries.
    pub game: String,
    /// Largest message accepted from the server (default 1 MiB).
    pub max_frame_bytes: usize,
    /// Snapshots kept as baselines (default 32).
    pub baseline_ring: usize,
    /// Unacknowledged inputs kept for prediction (default 120).
    pub pending_inputs: usize,
    /// Time allowed for the connect (WebSocket or QUIC) plus `Welcome` (default 10 s).
    pub connect_timeout: Duration,
    /// Time allowed per lobby call (default 10 s).
    pub http_timeout: Duration,
    /// Largest lobby answer accepted (default 1 MiB).
    pub max_lobby_answer: usize,
    /// Pings awaiting their pong (default 8); older ones are forgotten.
    pub pings_in_flight: usize,
    /// Predict the own player (needs the map). Default on.
    pub predict: bool,
    /// Where `<map>.map` files live, for maps other than the built-in `arena`.
    pub maps_dir: Option<PathBuf>,
    /// Simulate a bad network on this client's connection (default none): see
    /// [`crate::link_conditioner`].
    pub link: Option<LinkSpec>,
    /// Seed of the link conditioner's randomness (default 1).
    pub link_seed: u64,
    /// A private room's invite code, sent with [`crate::Client::join`] (default
    /// none; the server answers 404 for a private room without it).
    pub invite: Option<String>,
    /// On QUIC, inputs per input datagram: the newest and the ones before it, so a
    /// lost datagram costs nothing (default 4; 1..=16). WebSocket inputs go one by one.
    pub input_redundancy: usize,
    /// Reconnect by itself after a drop, with the resume token (default on: 100 ms
    /// doubling to 5 s, jittered, 8 attempts); see [`crate::reconnect`].
    pub reconnect: ReconnectPolicy,
}

impl Default for ClientConfig {
    fn default() -> ClientConfig {
        ClientConfig {
            transport: Transport::default(),
            game: crate::games::DEFAULT_GAME.to_owned(),
            max_frame_bytes: DEFAULT_MAX_FRAME_BYTES,
            baseline_ring: DEFAULT_BASELINE_RING,
            pending_inputs: DEFAULT_PENDING_INPUTS,
            connect_timeout: Duration::from_secs(10),
            http_timeout: DEFAULT_HTTP_TIMEOUT,
            max_lobby_answer: DEFAULT_MAX_ANSWER_BYTES,
            pings_in_flight: 8,
            predict: true,
            maps_dir: None,
            link: None,
            link_seed: 1,
            invite: None,
            input_redundancy: tickcast_shared::quic::DEFAULT_INPUT_REDUNDANCY,
            reconnect: ReconnectPolicy::default(),
        }
    }
}

impl ClientConfig {
    /// A [`Lobby`] for `server` with this config's HTTP limits.
    pub fn lobby(&self, server: &str) -> Result<Lobby> {
        Ok(Lobby::new(server)?.with_limits(self.http_timeout, self.max_lobby_answer))
    }
}
