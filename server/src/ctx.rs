//! The server's shared context: what HTTP handlers, transports (WebSocket, QUIC) and
//! replay routes reach. It sits below all of them, so no transport or route imports
//! another module's state; `http` builds its router on it.

use crate::config::Config;
use crate::lobby::Lobby;
use crate::metrics::Metrics;
use crate::replay::ReplayStore;
use crate::spectators::SpectatorCounter;
use std::sync::Arc;
use tokio_util::sync::CancellationToken;

/// Shared, cheaply cloned handles to the server's parts.
#[derive(Clone)]
pub struct ServerCtx {
    pub config: Arc<Config>,
    pub lobby: Arc<Lobby>,
    /// The room directory handlers use: this lobby alone, or the cluster's.
    pub directory: crate::cluster::Directory,
    pub metrics: Arc<Metrics>,
    pub spectators: SpectatorCounter,
    pub shutdown: CancellationToken,
    pub replays: Arc<ReplayStore>,
    /// JWT verification and the admin token.
    pub auth: Arc<crate::auth::Auth>,
    /// The live room list (`GET /api/rooms/events`).
    pub lobby_feed: Arc<crate::lobby::feed::LobbyFeed>,
}
