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
//! - [`edge`]: the listener we serve ourselves (HTTP/1.1 + HTTP/2, optional TLS),
//!   per-address connection and request limits, graceful shutdown with a deadline.

pub mod auth;
pub mod config;
pub mod ctx;
pub mod edge;
pub mod http;
pub mod lobby;
pub mod metrics;
pub mod net;
pub mod replay;
pub mod room;
pub mod spectators;

use config::Config;
use edge::limiter::ConnLimiter;
use edge::listener::Listener;
use edge::rate::RateGuard;
use edge::tls::CertStore;
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
    limiter: Arc<ConnLimiter>,
    certs: Option<Arc<CertStore>>,
}

impl Server {
    /// Bind the listeners (HTTP, and QUIC unless disabled) and set up the lobby.
    pub async fn bind(config: Config) -> std::io::Result<Server> {
        let listener = TcpListener::bind(config.http).await?;
        let certs = match (&config.tls.cert, &config.tls.key) {
            (Some(cert), Some(key)) => {
                Some(CertStore::open(cert, key).map_err(std::io::Error::other)?)
            }
            _ => None,
        };
        let limiter = ConnLimiter::new(config.limits.max_connections_per_ip);
        let quic = if config.quic.enabled {
            let edge = net::quic::QuicEdge {
                certs: certs.clone(),
                limiter: Arc::clone(&limiter),
            };
            let endpoint = QuicEndpoint::bind(&config, listener.local_addr()?, edge)
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
            limiter,
            certs,
        })
    }

    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Whether the listener serves HTTPS.
    pub fn is_tls(&self) -> bool {
        self.certs.is_some()
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
        let limits = &state.config.limits;
        let guard = RateGuard::new(limits, Arc::clone(&state.metrics));
        let sweep = Arc::clone(&guard);
        let sweep_stop = shutdown.clone();
        tokio::spawn(async move {
            let mut every = tokio::time::interval(Duration::from_secs(10));
            loop {
                tokio::select! {
                    _ = sweep_stop.cancelled() => break,
                    _ = every.tick() => sweep.sweep(),
                }
            }
        });
        let app = guard.wrap(http::router(state.clone()));
        let tls = match &self.certs {
            Some(certs) => {
                let poll = config::secs(state.config.tls.reload_poll_secs);
                let watch = edge::tls::watch(
                    Arc::clone(certs),
                    poll,
                    Arc::clone(&state.metrics),
                    shutdown.clone(),
                );
                tokio::spawn(watch);
                let https = certs.https_config().map_err(std::io::Error::other)?;
                Some(tokio_rustls::TlsAcceptor::from(Arc::new(https)))
            }
            None => None,
        };
        let listener = Listener::new(
            self.listener,
            app,
            tls,
            limits,
            self.limiter,
            Arc::clone(&state.metrics),
        );
        let stopping = shutdown.clone();
        tokio::spawn(async move {
            stop.await;
            tracing::info!("shutting down");
            stopping.cancel();
        });
        listener.run(shutdown).await;
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
