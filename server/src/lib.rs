//! # tickcast-server
//!
//! The authoritative game server. One HTTP listener (axum) carries the lobby API,
//! the player WebSocket, the spectator SSE feed, metrics and the browser client; one
//! QUIC endpoint (quinn, UDP) carries native players.
//! Each room is one tokio task that owns its game (a `Box<dyn DynGame>` made from
//! the catalog's `GameEntry`) and ticks it at a fixed rate; transports talk to rooms
//! only through bounded channels.
//!
//! - [`builder`]: which games a server runs ([`Server::builder`]), and the stock
//!   program around it (flags, tracing, signals).
//! - [`config`]: every limit, with defaults, file, environment and flags.
//! - [`auth`]: optional JWT identity for seat-taking calls, the admin token.
//! - [`lobby`]: room directory, matchmaking, seat tickets.
//! - [`room`]: the sans-IO room core (players, inputs, snapshot fan-out) and its task.
//! - [`net`]: the player session over WebSocket and QUIC, and SSE spectators.
//! - [`spectators`]: the per-room spectator hub.
//! - [`replay`]: recording every room a player joined, listing, serving and playing recordings back.
//! - [`secrets`]: every random or secret value (room ids' bits, tickets, invite
//!   codes, seeds, resume tokens) and the constant-time comparison of secrets.
//! - [`ctx`]: the shared context (config, lobby, metrics, ...) below http, net and replay.
//! - [`http`]: routes and handlers; [`metrics`]: typed metric handles, OpenMetrics text.
//! - [`cluster`]: cluster mode on Redis (`--redis`): the directory interface the
//!   handlers use, its in-process and Redis implementations, node heartbeats.
//! - [`edge`]: the listener we serve ourselves (HTTP/1.1 + HTTP/2, optional TLS),
//!   per-address connection and request limits, graceful shutdown with a deadline.

pub mod auth;
pub mod builder;
pub mod cluster;
pub mod config;
pub mod ctx;
pub mod edge;
#[cfg(test)]
mod fake_socket;
pub mod games;
pub mod http;
pub mod lobby;
pub mod metrics;
pub mod net;
pub mod replay;
pub mod room;
pub mod secrets;
pub mod spectators;
#[cfg(test)]
mod test_game;

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

/// A random node name: `node-` and 8 hex digits.
fn random_node_id() -> String {
    let token: String = secrets::random_token().chars().take(8).collect();
    format!("node-{token}")
}

/// Connect to Redis and register this node (cluster mode).
async fn join_cluster(
    config: &Arc<Config>,
    lobby: &Arc<Lobby>,
    http: SocketAddr,
    quic: Option<&QuicEndpoint>,
    replays: &Arc<replay::ReplayStore>,
    spectators: &SpectatorCounter,
) -> std::io::Result<Arc<cluster::heartbeat::ClusterNode>> {
    let c = &config.cluster;
    let node = cluster::redis_dir::NodeIdentity {
        id: c.node_id.clone().unwrap_or_else(random_node_id),
        public_url: c
            .public_url
            .clone()
            .unwrap_or_else(|| {
                let scheme = if config.tls.cert.is_some() {
                    "https"
                } else {
                    "http"
                };
                format!("{scheme}://{http}")
            })
            .trim_end_matches('/')
            .to_owned(),
        quic: quic.and_then(|q| serde_json::to_value(q.info()).ok()),
        webtransport: quic.and_then(|q| q.webtransport().cloned()),
    };
    let redis = cluster::RedisDirectory::connect(c, node)
        .await
        .map_err(std::io::Error::other)?;
    let node = Arc::new(cluster::heartbeat::ClusterNode::new(
        Arc::clone(lobby),
        redis,
        Arc::clone(config),
        Arc::clone(replays),
        spectators.clone(),
    ));
    node.beat().await.map_err(std::io::Error::other)?;
    Ok(node)
}

impl Server {
    /// A server to be assembled from games: `Server::builder().game::<MyGame>()`
    /// (see [`builder`]).
    pub fn builder() -> builder::ServerBuilder {
        builder::ServerBuilder::default()
    }

    /// Bind the listeners (HTTP, and QUIC unless disabled) and set up the lobby for
    /// the `games` of the catalog (the first is the default).
    pub async fn bind(config: Config, games: games::GameCatalog) -> std::io::Result<Server> {
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
        let replays = replay::ReplayStore::new(
            config.replays.clone(),
            metrics.replays.clone(),
            games.games().map(|g| g.entry()).collect(),
        );
        let ctx = RoomCtx {
            config: Arc::clone(&config),
            metrics: Arc::clone(&metrics),
            spectators: spectators.clone(),
            shutdown: shutdown.clone(),
            replays: config.replays.enabled.then(|| Arc::clone(&replays)),
        };
        let auth = auth::Auth::from_config(&config.auth).map_err(std::io::Error::other)?;
        let lobby = Arc::new(Lobby::offering(
            ctx,
            games,
            quic.as_ref().map(|q| q.info().clone()),
            quic.as_ref().and_then(|q| q.webtransport().cloned()),
        ));
        let directory = if config.cluster.redis.is_some() {
            let node = join_cluster(
                &config,
                &lobby,
                listener.local_addr()?,
                quic.as_ref(),
                &replays,
                &spectators,
            )
            .await?;
            cluster::Directory::clustered(node)
        } else {
            cluster::Directory::local(Arc::clone(&lobby))
        };
        let lobby_feed = lobby::feed::LobbyFeed::new(
            lobby::feed::FeedConfig::of(&config),
            Arc::clone(&metrics),
            shutdown.clone(),
        );
        let state = AppState {
            lobby_feed,
            auth: Arc::new(auth),
            replays,
            lobby,
            directory,
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

    /// In cluster mode: this node's id and the Redis URL (password hidden).
    pub fn cluster(&self) -> Option<(String, String)> {
        self.state
            .directory
            .cluster()
            .map(|n| (n.redis().node.id.clone(), n.redis().redis_url()))
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
        let directory = state.directory.clone();
        tokio::spawn(Arc::clone(&state.lobby_feed).run(move || {
            let directory = directory.clone();
            async move { directory.list().await }
        }));
        let quic = self.quic.map(|q| tokio::spawn(q.serve(state.clone())));
        let shutdown = state.shutdown.clone();
        let cluster_stop = CancellationToken::new();
        let cluster = state.directory.cluster().cloned();
        let heartbeat = cluster
            .clone()
            .map(|node| tokio::spawn(node.run(cluster_stop.clone())));
        let drain =
            cluster.map(|node| (node, crate::config::secs(state.config.cluster.drain_secs)));
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
            if let Some((node, secs)) = drain {
                node.drain();
                if !secs.is_zero() {
                    tracing::info!("draining for {secs:?}: no new rooms here");
                    tokio::time::sleep(secs).await;
                }
            }
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
        cluster_stop.cancel();
        if let Some(heartbeat) = heartbeat {
            let _ = tokio::time::timeout(Duration::from_secs(3), heartbeat).await;
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
