//! Subcommands of the `tickcast-client` binary.

mod bots;
#[cfg(feature = "window")]
mod play;
mod replay;
#[cfg(feature = "window")]
mod replay_window;

use clap::{Parser, Subcommand};

/// Errors of the binary: any library error, boxed.
pub type CmdResult = Result<(), Box<dyn std::error::Error + Send + Sync>>;

/// tickcast's native demo client.
#[derive(Debug, Parser)]
#[command(name = "tickcast-client", version, about)]
pub struct Cli {
    /// Trust only the CA certificates in this PEM file for https://, wss:// and QUIC
    /// (instead of the Mozilla roots), e.g. a private or test CA
    #[arg(long, global = true, env = "TICKCAST_CA_CERT")]
    pub ca_cert: Option<std::path::PathBuf>,
    #[command(subcommand)]
    pub command: Command,
}

impl Cli {
    pub fn run(self) -> CmdResult {
        if let Some(path) = &self.ca_cert {
            tickcast_client::tls::trust_ca_file(path)?;
        }
        self.command.run()
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run N bots against a server and print a summary.
    Bots(bots::BotsArgs),
    /// Play in a native window: WASD moves, the mouse aims, a click fires.
    #[cfg(feature = "window")]
    Play(play::PlayArgs),
    /// Verify a replay file (`--verify`) or watch it in a native window.
    Replay(replay::ReplayArgs),
}

impl Command {
    pub fn run(self) -> CmdResult {
        match self {
            Command::Bots(args) => bots::run(args),
            #[cfg(feature = "window")]
            Command::Play(args) => play::run(args),
            Command::Replay(args) => replay::run(args),
        }
    }
}
