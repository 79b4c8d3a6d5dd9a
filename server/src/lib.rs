//! # tickcast-server
//!
//! The authoritative game server. One HTTP listener (axum) carries the lobby API,
//! the player WebSocket, the spectator SSE feed, metrics and the browser client; one
//! QUIC endpoint (quinn, UDP) carries native players.
//! Each room is one tokio task that owns its `World` and ticks it at a fixed rate;
//! transports talk to rooms only through bounded channels.
//!
//! - [`config`]: every limit, with defaults, file, environment and flags.
//! - [`auth`]: optional JWT identity for seat-taking calls, the admin token.
//! - [`lobby`]: room directory, matchmaking, seat tickets.
//! - [`room`]: the sans-IO room core (players, inputs, snapshot fan-out) and its task.
//! - [`net`]: the player session over WebSocket and QUIC, and SSE spectators.
//! - [`spectators`]: the per-room spectator hub.
//! - [`replay`]: recording every room a player joined, listing, serving and playing recordings back.
//! - [`ctx`]: the shared context (config, lobby, metrics, ...) below http, net and replay.
//! - [`http`]: routes and handlers; [`metrics`]: typed metric handles, OpenMetrics text.

pub mod auth;
pub mod config;
pub mod ctx;
pub mod http;
pub mod lobby;
pub mod metrics;
pub mod net;
pub mod replay;
pub mod room;
pub mod spectators;

use axum::serve::ListenerExt;
use config::Config;
use http::AppState;
use lobby::Lobby;
use metrics::Metrics;
use net::quic::QuicEndpoint;
use room::RoomCtx;
use spectators::SpectatorCounter;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

/// A bound, not yet serving, server.
pub struct Server {
    listener: TcpListener,
    quic: Option<QuicEndpoint>,
    state: AppState,
}

impl Server {
    /// Bind the listeners (HTTP, and QUIC unless disabled) and set up the lobby.
    pub async fn bind(config: Config) -> std::io::Result<Server> {
        let listener = TcpListener::bind(config.http).await?;
        let quic = if config.quic.enabled {
            let endpoint = QuicEndpoint::bind(&config, listener.local_addr()?)
                .map_err(std::io::Error::other)?;
            Some(endpoint)
        } else {
            None
        };
        let config = Arc::new(config);
        let metrics = Arc::new(Metrics::default());
        let spectators = SpectatorCounter::default();
        let shutdown = CancellationToken::new();
        let replays = replay::ReplayStore::new(config.replays.clone());
        let ctx = RoomCtx {
            config: Arc::clone(&config),
            metrics: Arc::clone(&metrics),
            spectators: spectators.clone(),
            shutdown: shutdown.clone(),
            replays: config.replays.enabled.then(|| Arc::clone(&replays)),
        };
        let auth = auth::Auth::from_config(&config.auth).map_err(std::io::Error::other)?;
        let state = AppState {
            auth: Arc::new(auth),
            replays,
            lobby: Arc::new(Lobby::new(ctx, quic.as_ref().map(|q| q.info().clone()))),
            config,
            metrics,
            spectators,
            shutdown,
        };
        Ok(Server {
            listener,
            quic,
            state,
        })
    }

    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// The QUIC endpoint's UDP address, when QUIC is on.
    pub fn quic_addr(&self) -> Option<SocketAddr> {
        self.quic.as_ref().and_then(|q| q.local_addr().ok())
    }

    /// Serve until `stop` completes; then rooms close their players with 1001 and
    /// the server waits (bounded) for connections to say goodbye.
    pub async fn run(self, stop: impl Future<Output = ()> + Send + 'static) -> std::io::Result<()> {
        let state = self.state.clone();
        let lobby = Arc::clone(&state.lobby);
        let sweeper_stop = state.shutdown.clone();
        tokio::spawn(async move {
            let mut every = tokio::time::interval(Duration::from_millis(500));
            loop {
                tokio::select! {
                    _ = sweeper_stop.cancelled() => break,
                    _ = every.tick() => lobby.sweep(),
                }
            }
        });
        let quic = self.quic.map(|q| tokio::spawn(q.serve(state.clone())));
        let shutdown = state.shutdown.clone();
        let app = http::router(state.clone());
        // Game traffic is small messages that must not wait for Nagle's algorithm.
        let listener = self.listener.tap_io(|tcp| {
            if let Err(e) = tcp.set_nodelay(true) {
                tracing::debug!("TCP_NODELAY: {e}");
            }
        });
        // The lobby budgets rooms per peer address (`ConnectInfo<SocketAddr>`).
        let app = app.into_make_service_with_connect_info::<SocketAddr>();
        let serve = axum::serve(listener, app).with_graceful_shutdown(async move {
            stop.await;
            tracing::info!("shutting down");
            shutdown.cancel();
        });
        serve.await?;
        // Let sessions deliver their close frames (bounded wait).
        for _ in 0..40 {
            if state.metrics.open_sessions() == 0 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        if let Some(quic) = quic {
            let _ = quic.await;
        }
        // Let recorders write their end records (bounded wait).
        for _ in 0..40 {
            if state.replays.recording() == 0 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Ok(())
    }
}
