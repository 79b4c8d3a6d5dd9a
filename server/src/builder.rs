//! Assembling a server from games: the one place a program says which games it runs.
//!
//! The stock `tickcast-server` binary is three lines on top of this; a studio's own
//! `main` is the same three lines with its game, and gets every flag, config key and
//! environment variable of the stock binary:
//!
//! ```no_run
//! # use tickcast_shared::sim::Arena as MyGame;
//! #[tokio::main]
//! async fn main() -> Result<(), Box<dyn std::error::Error>> {
//!     tickcast_server::Server::builder().game::<MyGame>().run().await
//! }
//! ```
//!
//! The first game registered is the default (`POST /api/rooms` without `"game"`);
//! [`ServerBuilder::bind`] is the embeddable form for tests and tools that bring
//! their own [`Config`] and stop signal.

use crate::Server;
use crate::config::{Cli, Config};
use crate::games::{self, GameCatalog};
use clap::Parser;
use std::io::Write;
use tickcast_shared::game::{Game, GameEntry};

/// The games a server will run, in registration order (see the module docs).
#[derive(Debug, Default)]
pub struct ServerBuilder {
    games: Vec<GameEntry>,
}

impl ServerBuilder {
    /// Add game `G` (a name already registered keeps its first game).
    #[must_use]
    pub fn game<G: Game>(self) -> ServerBuilder {
        self.entry(GameEntry::of::<G>())
    }

    /// Add a game by its catalog entry.
    #[must_use]
    pub fn entry(mut self, entry: GameEntry) -> ServerBuilder {
        self.games.push(entry);
        self
    }

    /// The registered games as a catalog; an error when there are none.
    pub fn catalog(&self) -> std::io::Result<GameCatalog> {
        let mut entries = self.games.iter();
        let first = entries.next().ok_or_else(|| {
            std::io::Error::other("no game registered: call ServerBuilder::game::<G>() first")
        })?;
        Ok(
            entries.fold(GameCatalog::new(games::Game::of(*first)), |catalog, e| {
                catalog.with(games::Game::of(*e))
            }),
        )
    }

    /// Bind the listeners with `config` (see [`Server::bind`]).
    pub async fn bind(self, config: Config) -> std::io::Result<Server> {
        Server::bind(config, self.catalog()?).await
    }

    /// The whole program: read flags, config file and environment, start tracing,
    /// bind, print where to go, and serve until ctrl-c or SIGTERM.
    pub async fn run(self) -> Result<(), Box<dyn std::error::Error>> {
        tracing_subscriber::fmt()
            .with_env_filter(
                tracing_subscriber::EnvFilter::try_from_default_env()
                    .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
            )
            .with_writer(std::io::stderr)
            .init();
        // A file-size limit stops a recording (EFBIG), not the server (SIGXFSZ).
        crate::replay::record_task::survive_file_size_limit()?;
        let cli = Cli::parse();
        let config = Config::load(&cli)?;
        let web = crate::http::web::source(config.web_dir.as_deref());
        tracing::info!("browser client at / {web}");
        let catalog = self.catalog()?;
        let names: Vec<&str> = catalog.games().map(|g| g.name()).collect();
        let server = Server::bind(config, catalog).await?;
        let addr = server.local_addr()?;
        let scheme = if server.is_tls() { "https" } else { "http" };
        println!("listening on {scheme}://{addr}");
        println!(
            "open {scheme}://{} in a browser to play",
            browser_host(addr)
        );
        println!("games: {}", names.join(", "));
        if let Some((node, redis)) = server.cluster() {
            println!("cluster node {node} on redis {redis}");
        }
        if let Some(quic) = server.quic_addr() {
            println!("quic on udp://{quic}");
        }
        std::io::stdout().flush()?;
        server.run(stop_signal()).await?;
        Ok(())
    }
}

/// The address a browser on this machine reaches: a wildcard bind is shown as loopback.
fn browser_host(addr: std::net::SocketAddr) -> std::net::SocketAddr {
    let ip = match addr.ip() {
        std::net::IpAddr::V4(ip) if ip.is_unspecified() => {
            std::net::IpAddr::V4(std::net::Ipv4Addr::LOCALHOST)
        }
        std::net::IpAddr::V6(ip) if ip.is_unspecified() => {
            std::net::IpAddr::V6(std::net::Ipv6Addr::LOCALHOST)
        }
        ip => ip,
    };
    std::net::SocketAddr::new(ip, addr.port())
}

/// Ctrl-c, or SIGTERM where there is one.
async fn stop_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
