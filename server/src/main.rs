//! tickcast-server: parse the configuration, start tracing, bind, serve until
//! ctrl-c or SIGTERM.

use clap::Parser;
use std::io::Write;
use tickcast_server::Server;
use tickcast_server::config::{Cli, Config};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    // A file-size limit stops a recording (EFBIG), not the server (SIGXFSZ).
    tickcast_server::replay::record_task::survive_file_size_limit()?;
    let cli = Cli::parse();
    let config = Config::load(&cli)?;
    let web = tickcast_server::http::web::source(config.web_dir.as_deref());
    tracing::info!("browser client at / {web}");
    let server = Server::bind(config).await?;
    let addr = server.local_addr()?;
    let scheme = if server.is_tls() { "https" } else { "http" };
    println!("listening on {scheme}://{addr}");
    println!(
        "open {scheme}://{} in a browser to play",
        browser_host(addr)
    );
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
