//! tickcast-client: the native demo client's command line.
//!
//! - `bots`: N bots join a server, play (or only acknowledge), print a JSON summary.
//! - `play`: a native window (feature `window`) to play with keyboard and mouse.
//!
//! Each subcommand lives in its own module under `cmd/`; add new ones (e.g. `replay`)
//! as a variant of [`cmd::Command`] and a module beside the others.

mod cmd;

use clap::Parser;

fn main() -> std::process::ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = cmd::Cli::parse();
    match cli.run() {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("tickcast-client: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
