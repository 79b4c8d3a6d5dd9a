//! Server configuration: embedded defaults, an optional TOML file, `TICKCAST_*`
//! environment variables and command-line flags (in rising priority).
//!
//! Every limit the server enforces is a field here with a documented default, so an
//! operator can see and change it; `tickcast-server --help` lists the flags
//! ([`Cli`]; they and how they override the file are in `cli`).

use crate::auth::AuthConfig;
use crate::cluster::ClusterConfig;
use crate::edge::{LimitsConfig, TlsConfig};
use crate::lobby::budget::{CreatePolicy, LobbyConfig};
use crate::net::input_rate::InputLimits;
use crate::net::quic::QuicConfig;
use crate::replay::ReplayConfig;
use crate::spectators::SpectatorConfig;
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use std::path::PathBuf;
use thiserror::Error;

mod cli;
pub use cli::Cli;

/// The smallest WebSocket read buffer used, whatever `ws_read_buffer` says.
pub const MIN_WS_READ_BUFFER: usize = 128;

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
    /// this size before each read; client frames are small, a larger one grows the
    /// buffer to its size). Default 256 (at least [`MIN_WS_READ_BUFFER`]).
    pub ws_read_buffer: usize,
    /// Outgoing bytes a WebSocket buffers before it flushes. Default 65536.
    pub ws_write_buffer: usize,
    /// On a plain (non-TLS) HTTP/1 connection, the edge takes a player's WebSocket
    /// over and the room writes its snapshots straight to the socket (no wake-up of
    /// the session per snapshot); off: every WebSocket goes through its session.
    /// Default true.
    pub ws_direct: bool,
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
    /// Upper bound for a room's npcs (`drones` of `POST /api/rooms`). Default 10000.
    /// `max_drones` is the config key's historical name.
    #[serde(rename = "max_drones", alias = "max_npcs")]
    pub max_npcs: u32,
    /// Longest player or room name, characters. Default 32.
    pub max_name_len: usize,
    /// Extra maps directory: `*.map` files for every game that plays on maps, and
    /// a subfolder per game for that game's own (see `lobby::maps`). Default
    /// `assets/maps`.
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
            ws_read_buffer: 256,
            ws_write_buffer: 65536,
            ws_direct: true,
            room_inbox: 4096,
            input_buffer: 16,
            session_queue: 64,
            snapshot_ring: 64,
            max_rooms: 1000,
            max_players_limit: 64,
            default_max_players: 16,
            max_npcs: 10_000,
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
    fn the_npc_limit_keeps_its_historical_key_and_takes_its_own_name() {
        let old: Config = toml::from_str("max_drones = 5").unwrap();
        assert_eq!(old.max_npcs, 5);
        let new: Config = toml::from_str("max_npcs = 6").unwrap();
        assert_eq!(new.max_npcs, 6);
        let written = toml::to_string(&Config::default()).unwrap();
        assert!(written.contains("max_drones = 10000"), "{written}");
    }

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
