//! The command-line flags ([`Cli`], each also read from the `TICKCAST_*` variable it
//! names) and how they override the defaults and the file
//! ([`Config::load`] applies them last).

use super::Config;
use clap::Parser;
use std::net::SocketAddr;
use std::path::PathBuf;

/// Examples shown under `--help`.
const AFTER_HELP: &str = "\
Examples:
  tickcast-server                              # http://127.0.0.1:8080, QUIC on UDP 8080
  tickcast-server --http 0.0.0.0:9000 --no-replays
  tickcast-server --config tickcast.toml --tls-cert cert.pem --tls-key key.pem
Then open the printed http:// address in a browser to play, spectate and watch replays.
Every flag is also read from its TICKCAST_* variable; docs/server.md lists the config file keys.";

/// Command-line flags (each also read from the `TICKCAST_*` variable it names).
#[derive(Debug, Parser)]
#[command(
    name = "tickcast-server",
    version,
    about = "tickcast: authoritative game-state sync server",
    after_help = AFTER_HELP
)]
pub struct Cli {
    /// HTTP listen address (port 0 picks a free port) [default: 127.0.0.1:8080]
    #[arg(long, help_heading = "Basics", env = "TICKCAST_HTTP")]
    pub http: Option<SocketAddr>,
    /// TOML config file; every field is optional (docs/server.md lists the sections)
    #[arg(long, help_heading = "Basics", env = "TICKCAST_CONFIG")]
    pub config: Option<PathBuf>,
    /// Simulation ticks per second [default: 60]
    #[arg(
        long,
        help_heading = "Simulation and sessions",
        env = "TICKCAST_TICK_RATE"
    )]
    pub tick_rate: Option<u32>,
    /// Snapshots per second sent to players; must divide the tick rate [default: 20]
    #[arg(
        long,
        help_heading = "Simulation and sessions",
        env = "TICKCAST_SEND_RATE"
    )]
    pub send_rate: Option<u32>,
    /// Seconds a seat ticket stays valid [default: 15]
    #[arg(
        long,
        help_heading = "Simulation and sessions",
        env = "TICKCAST_TICKET_TTL_SECS"
    )]
    pub ticket_ttl_secs: Option<f64>,
    /// Seconds a dropped player is held for a resume [default: 10]
    #[arg(
        long,
        help_heading = "Simulation and sessions",
        env = "TICKCAST_RESUME_GRACE_SECS"
    )]
    pub resume_grace_secs: Option<f64>,
    /// Seconds without any frame from a player before its connection is closed [default: 30]
    #[arg(
        long,
        help_heading = "Simulation and sessions",
        env = "TICKCAST_IDLE_TIMEOUT_SECS"
    )]
    pub idle_timeout_secs: Option<f64>,
    /// Seconds an empty room lives before it finishes [default: 30]
    #[arg(
        long,
        help_heading = "Simulation and sessions",
        env = "TICKCAST_EMPTY_ROOM_SECS"
    )]
    pub empty_room_secs: Option<f64>,
    /// Largest WebSocket frame accepted from a client, bytes [default: 4096]
    #[arg(
        long,
        help_heading = "Simulation and sessions",
        env = "TICKCAST_MAX_FRAME_BYTES"
    )]
    pub max_frame_bytes: Option<usize>,
    /// Largest `max_players` a room may be created with [default: 64]
    #[arg(
        long,
        help_heading = "Rooms and lobby budgets",
        env = "TICKCAST_MAX_PLAYERS_LIMIT"
    )]
    pub max_players_limit: Option<u32>,
    /// Most rooms at once [default: 1000]
    #[arg(
        long,
        help_heading = "Rooms and lobby budgets",
        env = "TICKCAST_MAX_ROOMS"
    )]
    pub max_rooms: Option<usize>,
    /// Directory of extra `*.map` files for the games that play on maps (each has its default built in; a subfolder named after a game holds that game's own) [default: assets/maps]
    #[arg(long, help_heading = "Basics", env = "TICKCAST_MAPS_DIR")]
    pub maps_dir: Option<PathBuf>,
    /// Serve the browser client at `/` from this directory instead of the copy built
    /// into the binary (for development) [default: the built-in copy]
    #[arg(long, help_heading = "Basics", env = "TICKCAST_WEB_DIR")]
    pub web_dir: Option<PathBuf>,
    /// SSE spectator frames per second [default: 10]
    #[arg(long, help_heading = "Spectators", env = "TICKCAST_SPECTATOR_RATE")]
    pub spectator_rate: Option<u32>,
    /// Milliseconds between SSE keep-alive comments [default: 15000]
    #[arg(long, help_heading = "Spectators", env = "TICKCAST_SSE_KEEPALIVE_MS")]
    pub sse_keepalive_ms: Option<u64>,
    /// Directory of match recordings [default: replays]
    #[arg(long, help_heading = "Replays", env = "TICKCAST_REPLAY_DIR")]
    pub replay_dir: Option<PathBuf>,
    /// Do not record matches (existing recordings are still served)
    #[arg(long, help_heading = "Replays", env = "TICKCAST_NO_REPLAYS")]
    pub no_replays: bool,
    /// Seconds a replay download may take no bytes before it is cut [default: 30]
    #[arg(
        long,
        help_heading = "Replays",
        env = "TICKCAST_REPLAY_DOWNLOAD_TIMEOUT_SECS"
    )]
    pub replay_download_timeout_secs: Option<f64>,
    /// Replay downloads one IP address may have open at once [default: 4]
    #[arg(
        long,
        help_heading = "Replays",
        env = "TICKCAST_REPLAY_DOWNLOADS_PER_IP"
    )]
    pub replay_downloads_per_ip: Option<usize>,
    /// Finished recordings kept per creating IP address; beyond, its least
    /// valuable (shortest, fewest players), then oldest, go first [default: 100]
    #[arg(long, help_heading = "Replays", env = "TICKCAST_REPLAY_FILES_PER_IP")]
    pub replay_files_per_ip: Option<usize>,
    /// A recording is a kept-first "match" when complete, with 2+ players and at
    /// least this many seconds; retention removes the others first [default: 10]
    #[arg(long, help_heading = "Replays", env = "TICKCAST_REPLAY_MIN_MATCH_SECS")]
    pub replay_min_match_secs: Option<u32>,
    /// QUIC (UDP) address for native players [default: the HTTP IP and port number]
    #[arg(long, help_heading = "QUIC (native players)", env = "TICKCAST_QUIC")]
    pub quic: Option<SocketAddr>,
    /// Inputs per second one player session may send; more are dropped [default: 2 x tick rate]
    #[arg(
        long,
        help_heading = "Simulation and sessions",
        env = "TICKCAST_INPUT_RATE"
    )]
    pub input_rate: Option<f64>,
    /// Entities (npcs plus player seats) over all live rooms; past it room creation gets 503 [default: 50000]
    #[arg(
        long,
        help_heading = "Rooms and lobby budgets",
        env = "TICKCAST_MAX_ENTITIES"
    )]
    pub max_entities: Option<u64>,
    /// Live rooms one IP address may have created [default: 20]
    #[arg(
        long,
        help_heading = "Rooms and lobby budgets",
        env = "TICKCAST_MAX_ROOMS_PER_IP"
    )]
    pub max_rooms_per_ip: Option<usize>,
    /// Entities over the live rooms one IP address created; past it that address gets 429 [default: a quarter of --max-entities]
    #[arg(
        long,
        help_heading = "Rooms and lobby budgets",
        env = "TICKCAST_MAX_ENTITIES_PER_IP"
    )]
    pub max_entities_per_ip: Option<u64>,
    /// Unredeemed seat tickets one IP address may hold over all rooms; past it 429 [default: 8]
    #[arg(
        long,
        help_heading = "Rooms and lobby budgets",
        env = "TICKCAST_MAX_TICKETS_PER_IP"
    )]
    pub max_tickets_per_ip: Option<usize>,
    /// Unredeemed seat tickets one IP address may hold in one room; past it its oldest there is replaced [default: half the room's seats]
    #[arg(
        long,
        help_heading = "Rooms and lobby budgets",
        env = "TICKCAST_MAX_TICKETS_PER_IP_PER_ROOM"
    )]
    pub max_tickets_per_ip_per_room: Option<usize>,
    /// Ticket and resume-token checks at /ws per second from one IP address; past it 429 [default: 200, burst 400: `[lobby] ticket_checks_burst`]
    #[arg(
        long,
        help_heading = "Rooms and lobby budgets",
        env = "TICKCAST_TICKET_CHECKS_PER_SEC"
    )]
    pub ticket_checks_per_sec: Option<u32>,
    /// Do not serve players over QUIC
    #[arg(long, help_heading = "QUIC (native players)", env = "TICKCAST_NO_QUIC")]
    pub no_quic: bool,
    /// Do not serve browsers over WebTransport on the QUIC endpoint (they use WebSocket)
    #[arg(
        long,
        help_heading = "QUIC (native players)",
        env = "TICKCAST_NO_WEBTRANSPORT"
    )]
    pub no_webtransport: bool,
    /// PEM certificate chain for QUIC [default: a self-signed one, pinned by clients]
    #[arg(
        long,
        help_heading = "QUIC (native players)",
        env = "TICKCAST_QUIC_CERT",
        requires = "quic_key"
    )]
    pub quic_cert: Option<PathBuf>,
    /// PEM private key for --quic-cert
    #[arg(
        long,
        help_heading = "QUIC (native players)",
        env = "TICKCAST_QUIC_KEY",
        requires = "quic_cert"
    )]
    pub quic_key: Option<PathBuf>,
    /// Redis URL: run as one node of a cluster (`[cluster] redis`) [default: none, alone]
    #[arg(long, help_heading = "Cluster (Redis)", env = "TICKCAST_REDIS")]
    pub redis: Option<String>,
    /// This node's name in the cluster [default: random, printed at start]
    #[arg(long, help_heading = "Cluster (Redis)", env = "TICKCAST_NODE_ID")]
    pub node_id: Option<String>,
    /// URL clients use to reach this node [default: http://HTTP_ADDR, the bound HTTP address]
    #[arg(long, help_heading = "Cluster (Redis)", env = "TICKCAST_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// Seconds a clustered node lets matches run after SIGTERM before closing them [default: 0]
    #[arg(long, help_heading = "Cluster (Redis)", env = "TICKCAST_DRAIN_SECS")]
    pub drain_secs: Option<f64>,
    /// TLS and per-address limits (`[tls]`, `[limits]`).
    #[command(flatten)]
    pub edge: crate::edge::EdgeFlags,
}

impl Config {
    /// Set every field a flag (or its variable) gave.
    pub(super) fn apply(&mut self, cli: &Cli) {
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
        if let Some(secs) = cli.replay_download_timeout_secs {
            self.replays.download_timeout_secs = secs;
        }
        if let Some(n) = cli.replay_downloads_per_ip {
            self.replays.max_downloads_per_ip = n;
        }
        if let Some(n) = cli.replay_files_per_ip {
            self.replays.max_files_per_ip = n;
        }
        if let Some(secs) = cli.replay_min_match_secs {
            self.replays.min_match_secs = secs;
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
        if let Some(n) = cli.max_entities_per_ip {
            self.lobby.max_entities_per_ip = Some(n);
        }
        if let Some(n) = cli.max_tickets_per_ip {
            self.lobby.max_tickets_per_ip = n;
        }
        if let Some(n) = cli.max_tickets_per_ip_per_room {
            self.lobby.max_tickets_per_ip_per_room = Some(n);
        }
        if let Some(n) = cli.ticket_checks_per_sec {
            self.lobby.ticket_checks_per_sec = n;
        }
        if cli.no_quic {
            self.quic.enabled = false;
        }
        if cli.no_webtransport {
            self.quic.webtransport = false;
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
}
