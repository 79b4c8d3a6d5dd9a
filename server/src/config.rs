//! Server configuration: embedded defaults, an optional TOML file, `TICKCAST_*`
//! environment variables and command-line flags (in rising priority).
//!
//! Every limit the server enforces is a field here with a documented default, so an
//! operator can see and change it; `tickcast-server --help` lists the flags.

use crate::auth::AuthConfig;
use crate::cluster::ClusterConfig;
use crate::edge::{LimitsConfig, TlsConfig};
use crate::lobby::budget::{CreatePolicy, LobbyConfig};
use crate::net::input_rate::InputLimits;
use crate::net::quic::QuicConfig;
use crate::replay::ReplayConfig;
use crate::spectators::SpectatorConfig;
use clap::Parser;
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use std::path::PathBuf;
use thiserror::Error;

/// Command-line flags (each also read from the `TICKCAST_*` variable it names).
#[derive(Debug, Parser)]
#[command(
    name = "tickcast-server",
    version,
    about = "tickcast: authoritative game-state sync server"
)]
pub struct Cli {
    /// HTTP listen address (port 0 picks a free port) [default: 127.0.0.1:8080]
    #[arg(long, env = "TICKCAST_HTTP")]
    pub http: Option<SocketAddr>,
    /// TOML config file; every field is optional (see README for the sections)
    #[arg(long, env = "TICKCAST_CONFIG")]
    pub config: Option<PathBuf>,
    /// Simulation ticks per second [default: 60]
    #[arg(long, env = "TICKCAST_TICK_RATE")]
    pub tick_rate: Option<u32>,
    /// Snapshots per second sent to players; must divide the tick rate [default: 20]
    #[arg(long, env = "TICKCAST_SEND_RATE")]
    pub send_rate: Option<u32>,
    /// Seconds a seat ticket stays valid [default: 15]
    #[arg(long, env = "TICKCAST_TICKET_TTL_SECS")]
    pub ticket_ttl_secs: Option<f64>,
    /// Seconds a dropped player is held for a resume [default: 10]
    #[arg(long, env = "TICKCAST_RESUME_GRACE_SECS")]
    pub resume_grace_secs: Option<f64>,
    /// Seconds without any frame from a player before its connection is closed [default: 30]
    #[arg(long, env = "TICKCAST_IDLE_TIMEOUT_SECS")]
    pub idle_timeout_secs: Option<f64>,
    /// Seconds an empty room lives before it finishes [default: 30]
    #[arg(long, env = "TICKCAST_EMPTY_ROOM_SECS")]
    pub empty_room_secs: Option<f64>,
    /// Largest WebSocket frame accepted from a client, bytes [default: 4096]
    #[arg(long, env = "TICKCAST_MAX_FRAME_BYTES")]
    pub max_frame_bytes: Option<usize>,
    /// Largest `max_players` a room may be created with [default: 64]
    #[arg(long, env = "TICKCAST_MAX_PLAYERS_LIMIT")]
    pub max_players_limit: Option<u32>,
    /// Most rooms at once [default: 1000]
    #[arg(long, env = "TICKCAST_MAX_ROOMS")]
    pub max_rooms: Option<usize>,
    /// Directory of extra `*.map` files (the `arena` map is built in) [default: assets/maps]
    #[arg(long, env = "TICKCAST_MAPS_DIR")]
    pub maps_dir: Option<PathBuf>,
    /// Serve the browser client at `/` from this directory instead of the copy built
    /// into the binary (for development) [default: the built-in copy]
    #[arg(long, env = "TICKCAST_WEB_DIR")]
    pub web_dir: Option<PathBuf>,
    /// SSE spectator frames per second [default: 10]
    #[arg(long, env = "TICKCAST_SPECTATOR_RATE")]
    pub spectator_rate: Option<u32>,
    /// Milliseconds between SSE keep-alive comments [default: 15000]
    #[arg(long, env = "TICKCAST_SSE_KEEPALIVE_MS")]
    pub sse_keepalive_ms: Option<u64>,
    /// Directory of match recordings [default: replays]
    #[arg(long, env = "TICKCAST_REPLAY_DIR")]
    pub replay_dir: Option<PathBuf>,
    /// Do not record matches (existing recordings are still served)
    #[arg(long, env = "TICKCAST_NO_REPLAYS")]
    pub no_replays: bool,
    /// QUIC (UDP) address for native players [default: the HTTP IP and port number]
    #[arg(long, env = "TICKCAST_QUIC")]
    pub quic: Option<SocketAddr>,
    /// Inputs per second one player session may send; more are dropped [default: 2 x tick rate]
    #[arg(long, env = "TICKCAST_INPUT_RATE")]
    pub input_rate: Option<f64>,
    /// Drones plus player seats over all live rooms; past it room creation gets 503 [default: 50000]
    #[arg(long, env = "TICKCAST_MAX_ENTITIES")]
    pub max_entities: Option<u64>,
    /// Live rooms one IP address may have created [default: 20]
    #[arg(long, env = "TICKCAST_MAX_ROOMS_PER_IP")]
    pub max_rooms_per_ip: Option<usize>,
    /// Do not serve players over QUIC
    #[arg(long, env = "TICKCAST_NO_QUIC")]
    pub no_quic: bool,
    /// PEM certificate chain for QUIC [default: a self-signed one, pinned by clients]
    #[arg(long, env = "TICKCAST_QUIC_CERT", requires = "quic_key")]
    pub quic_cert: Option<PathBuf>,
    /// PEM private key for --quic-cert
    #[arg(long, env = "TICKCAST_QUIC_KEY", requires = "quic_cert")]
    pub quic_key: Option<PathBuf>,
    /// Redis URL: run as one node of a cluster (`[cluster] redis`) [default: none, alone]
    #[arg(long, env = "TICKCAST_REDIS")]
    pub redis: Option<String>,
    /// This node's name in the cluster [default: random, printed at start]
    #[arg(long, env = "TICKCAST_NODE_ID")]
    pub node_id: Option<String>,
    /// URL clients use to reach this node [default: http://HTTP_ADDR, the bound HTTP address]
    #[arg(long, env = "TICKCAST_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// Seconds a clustered node lets matches run after SIGTERM before closing them [default: 0]
    #[arg(long, env = "TICKCAST_DRAIN_SECS")]
    pub drain_secs: Option<f64>,
    /// TLS and per-address limits (`[tls]`, `[limits]`).
    #[command(flatten)]
    pub edge: crate::edge::EdgeFlags,
}

/// The whole configuration (TOML file layout: top-level keys, plus `[spectators]`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// HTTP listen address. Default `127.0.0.1:8080`.
    pub http: SocketAddr,
    /// Simulation ticks per second. Default 60.
    pub tick_rate: u32,
    /// Player snapshots per second; must divide `tick_rate`. Default 20.
    pub send_rate: u32,
    /// Ticks a room may run late before it skips instead of catching up. Default 5.
    pub max_catchup_ticks: u32,
    /// Seat ticket lifetime, seconds. Default 15.
    pub ticket_ttl_secs: f64,
    /// Hold time of a dropped player for resume, seconds. Default 10.
    pub resume_grace_secs: f64,
    /// Silence after which a player's connection is closed, seconds. Default 30.
    pub idle_timeout_secs: f64,
    /// The server pings each player this often to measure its round-trip time,
    /// seconds. Default 5.
    pub ping_interval_secs: f64,
    /// Time allowed for the first (`Hello`) message, seconds. Default 5.
    pub hello_timeout_secs: f64,
    /// An empty room finishes after this many seconds. Default 30.
    pub empty_room_secs: f64,
    /// A finished room stays listed this many seconds. Default 60.
    pub finished_linger_secs: f64,
    /// Largest client frame, bytes. Default 4096.
    pub max_frame_bytes: usize,
    /// Read buffer per WebSocket, bytes (allocated per connection, and zeroed up to
    /// this size before each read; client frames are small). Default 1024 (at least
    /// 1024).
    pub ws_read_buffer: usize,
    /// Outgoing bytes a WebSocket buffers before it flushes. Default 65536.
    pub ws_write_buffer: usize,
    /// Room inbox (all sessions -> room) capacity. Default 4096.
    pub room_inbox: usize,
    /// Buffered inputs per player; more are dropped and counted. Default 16.
    pub input_buffer: usize,
    /// Control messages queued per session (welcome, pong, events). Default 64.
    pub session_queue: usize,
    /// Snapshots kept per room for delta baselines (at least 32 and 1 s). Default 64.
    pub snapshot_ring: usize,
    /// Most rooms at once. Default 1000.
    pub max_rooms: usize,
    /// Upper bound for a room's `max_players`. Default 64.
    pub max_players_limit: u32,
    /// Default `max_players` of a new room. Default 16.
    pub default_max_players: u32,
    /// Upper bound for a room's `drones`. Default 10000.
    pub max_drones: u32,
    /// Longest player or room name, characters. Default 32.
    pub max_name_len: usize,
    /// Extra maps directory. Default `assets/maps`.
    pub maps_dir: PathBuf,
    /// Browser client directory served at `/` instead of the built-in copy.
    /// Default none (the client built into the binary).
    pub web_dir: Option<PathBuf>,
    /// Spectator (SSE) settings.
    pub spectators: SpectatorConfig,
    /// Match recording settings (section `[replays]`).
    pub replays: ReplayConfig,
    /// QUIC player transport settings (section `[quic]`).
    pub quic: QuicConfig,
    /// Cluster mode (section `[cluster]`); off unless `redis` is set.
    pub cluster: ClusterConfig,
    /// Per-address and HTTP limits (section `[limits]`).
    pub limits: LimitsConfig,
    /// HTTPS on the listener (section `[tls]`).
    pub tls: TlsConfig,
    /// Per-session input rate (section `[input]`).
    pub input: InputLimits,
    /// How inputs enter a room's steps: repeats, lag compensation (section `[room]`).
    pub room: crate::room::inputs::RoomNetConfig,
    /// Lobby budgets and who may create rooms (section `[lobby]`).
    pub lobby: LobbyConfig,
    /// Identity: JWT keys and the admin token (section `[auth]`).
    pub auth: AuthConfig,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            http: SocketAddr::from(([127, 0, 0, 1], 8080)),
            tick_rate: 60,
            send_rate: 20,
            max_catchup_ticks: 5,
            ticket_ttl_secs: 15.0,
            resume_grace_secs: 10.0,
            idle_timeout_secs: 30.0,
            ping_interval_secs: 5.0,
            hello_timeout_secs: 5.0,
            empty_room_secs: 30.0,
            finished_linger_secs: 60.0,
            max_frame_bytes: 4096,
            ws_read_buffer: 1024,
            ws_write_buffer: 65536,
            room_inbox: 4096,
            input_buffer: 16,
            session_queue: 64,
            snapshot_ring: 64,
            max_rooms: 1000,
            max_players_limit: 64,
            default_max_players: 16,
            max_drones: 10_000,
            max_name_len: 32,
            maps_dir: PathBuf::from("assets/maps"),
            web_dir: None,
            spectators: SpectatorConfig::default(),
            replays: ReplayConfig::default(),
            quic: QuicConfig::default(),
            cluster: ClusterConfig::default(),
            limits: LimitsConfig::default(),
            tls: TlsConfig::default(),
            input: InputLimits::default(),
            room: crate::room::inputs::RoomNetConfig::default(),
            lobby: LobbyConfig::default(),
            auth: AuthConfig::default(),
        }
    }
}

/// A configuration that cannot be used.
#[derive(Debug, Error)]
pub enum ConfigError {
    #[error("cannot read config file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("config file {path}: {source}")]
    Parse {
        path: PathBuf,
        source: Box<toml::de::Error>,
    },
    #[error("invalid config: {0}")]
    Invalid(String),
}

impl Config {
    /// Defaults, then the file named by `--config`, then flags/environment.
    pub fn load(cli: &Cli) -> Result<Config, ConfigError> {
        let mut config = match &cli.config {
            Some(path) => {
                let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
                    path: path.clone(),
                    source,
                })?;
                toml::from_str(&text).map_err(|source| ConfigError::Parse {
                    path: path.clone(),
                    source: Box::new(source),
                })?
            }
            None => Config::default(),
        };
        config.apply(cli);
        config.validate()?;
        Ok(config)
    }

    fn apply(&mut self, cli: &Cli) {
        macro_rules! set {
            ($($field:ident),*) => { $( if let Some(v) = cli.$field.clone() { self.$field = v; } )* };
        }
        set!(
            http,
            tick_rate,
            send_rate,
            ticket_ttl_secs,
            resume_grace_secs,
            idle_timeout_secs,
            empty_room_secs,
            max_frame_bytes,
            max_rooms,
            max_players_limit,
            maps_dir
        );
        if let Some(dir) = cli.web_dir.clone() {
            self.web_dir = Some(dir);
        }
        if let Some(rate) = cli.spectator_rate {
            self.spectators.rate_hz = rate;
        }
        if let Some(ms) = cli.sse_keepalive_ms {
            self.spectators.keepalive_ms = ms;
        }
        if let Some(dir) = cli.replay_dir.clone() {
            self.replays.dir = dir;
        }
        if cli.no_replays {
            self.replays.enabled = false;
        }
        if let Some(addr) = cli.quic {
            self.quic.addr = Some(addr);
        }
        if let Some(rate) = cli.input_rate {
            self.input.rate_per_sec = Some(rate);
        }
        if let Some(n) = cli.max_entities {
            self.lobby.max_entities = n;
        }
        if let Some(n) = cli.max_rooms_per_ip {
            self.lobby.max_rooms_per_ip = n;
        }
        if cli.no_quic {
            self.quic.enabled = false;
        }
        if let Some(url) = cli.redis.clone() {
            self.cluster.redis = Some(url);
        }
        if let Some(id) = cli.node_id.clone() {
            self.cluster.node_id = Some(id);
        }
        if let Some(url) = cli.public_url.clone() {
            self.cluster.public_url = Some(url);
        }
        if let Some(secs) = cli.drain_secs {
            self.cluster.drain_secs = secs;
        }
        if let (Some(cert), Some(key)) = (&cli.quic_cert, &cli.quic_key) {
            self.quic.cert = Some(cert.clone());
            self.quic.key = Some(key.clone());
        }
        crate::edge::apply_flags(self, cli);
    }

    /// Reject values the server cannot run with.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let bad = |m: &str| Err(ConfigError::Invalid(m.to_owned()));
        if !(1..=1000).contains(&self.tick_rate) {
            return bad("tick_rate must be 1..=1000");
        }
        if self.send_rate == 0 || self.send_rate > self.tick_rate {
            return bad("send_rate must be 1..=tick_rate");
        }
        // Snapshots go out every `tick_rate / send_rate` ticks: any other rate would
        // silently become a different one (60/25 would be 30 Hz).
        if self.tick_rate % self.send_rate != 0 {
            return Err(ConfigError::Invalid(format!(
                "send_rate {} does not divide tick_rate {}",
                self.send_rate, self.tick_rate
            )));
        }
        let secs = [
            self.ticket_ttl_secs,
            self.resume_grace_secs,
            self.idle_timeout_secs,
            self.hello_timeout_secs,
            self.ping_interval_secs,
            self.empty_room_secs,
            self.finished_linger_secs,
        ];
        if secs
            .iter()
            .any(|s| !s.is_finite() || *s < 0.0 || *s > 86_400.0)
        {
            return bad("durations must be 0..=86400 seconds");
        }
        if self.max_frame_bytes < 64 || self.room_inbox == 0 || self.session_queue == 0 {
            return bad("max_frame_bytes >= 64, room_inbox and session_queue >= 1");
        }
        if self.input_buffer == 0 || self.default_max_players == 0 {
            return bad("input_buffer and default_max_players must be >= 1");
        }
        if self.default_max_players > self.max_players_limit {
            return bad("default_max_players must be <= max_players_limit");
        }
        if let Some(dir) = self.web_dir.as_ref().filter(|d| !d.is_dir()) {
            return Err(ConfigError::Invalid(format!(
                "web_dir {} is not a directory",
                dir.display()
            )));
        }
        self.replays.validate().map_err(ConfigError::Invalid)?;
        self.cluster.validate().map_err(ConfigError::Invalid)?;
        self.input.validate().map_err(ConfigError::Invalid)?;
        self.lobby.validate().map_err(ConfigError::Invalid)?;
        let jwt = self.auth.jwt_secret.is_some() || self.auth.jwt_public_key.is_some();
        match self.lobby.create {
            CreatePolicy::Authenticated if !jwt => {
                return bad(
                    "lobby.create = \"authenticated\" needs auth.jwt_secret or auth.jwt_public_key",
                );
            }
            CreatePolicy::Admin if self.auth.admin_token.as_deref().is_none_or(str::is_empty) => {
                return bad("lobby.create = \"admin\" needs auth.admin_token");
            }
            _ => {}
        }
        self.quic
            .validate(self.max_frame_bytes)
            .map_err(ConfigError::Invalid)?;
        self.limits.validate().map_err(ConfigError::Invalid)?;
        self.tls.validate().map_err(ConfigError::Invalid)?;
        Ok(())
    }

    /// Ticks between two player snapshots.
    pub fn send_interval(&self) -> u32 {
        (self.tick_rate / self.send_rate.max(1)).max(1)
    }

    /// Snapshots the ring keeps: the configured size, at least 32 and one second.
    pub fn ring_len(&self) -> usize {
        self.snapshot_ring.max(32).max(self.send_rate as usize)
    }
}

/// Seconds (validated finite and non-negative) as a `Duration`.
pub fn secs(s: f64) -> std::time::Duration {
    std::time::Duration::from_secs_f64(s.max(0.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn send_rates_that_do_not_divide_the_tick_rate_are_refused() {
        let with = |tick_rate, send_rate| Config {
            tick_rate,
            send_rate,
            ..Config::default()
        };
        assert!(with(60, 20).validate().is_ok());
        assert!(with(60, 30).validate().is_ok());
        assert!(with(60, 60).validate().is_ok());
        let err = with(60, 25).validate().err().map(|e| e.to_string());
        assert_eq!(
            err.as_deref(),
            Some("invalid config: send_rate 25 does not divide tick_rate 60")
        );
        assert!(with(60, 0).validate().is_err());
        assert!(with(60, 61).validate().is_err());
    }
}
