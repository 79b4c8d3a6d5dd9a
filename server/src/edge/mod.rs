//! The edge: the one TCP listener, served by us, and the per-address limits that sit
//! in front of everything else.
//!
//! - [`listener`]: the accept loop (TCP_NODELAY, per-IP connection permits, graceful
//!   shutdown with a deadline) and [`conn`]: one connection (optional TLS handshake,
//!   HTTP/1.1 or HTTP/2 via hyper-util's auto builder, WebSocket upgrades, the
//!   first-request deadline against slowloris, `ConnectInfo<SocketAddr>` for
//!   handlers).
//! - [`limiter`]: concurrent connections per IP address, shared by TCP (HTTP, WS,
//!   SSE) and the QUIC endpoint.
//! - [`rate`]: the per-IP lobby request rate (token bucket) and the JSON body limit.
//! - [`streams`]: requests in flight per IP address across connections (HTTP/2
//!   streams), and the reset of stalled HTTP/2 streams.
//! - [`body_deadline`]: the time a request has for its body.
//! - [`takeover`]: a response that takes its plain HTTP/1 connection over after its
//!   head (spectator streams written by the fan-out writers).
//! - [`tls`]: the certificate store (a rustls cert resolver, reloaded on SIGHUP and
//!   on file change) shared by HTTPS and QUIC.
//!
//! The limits are [`LimitsConfig`] (config section `[limits]`), TLS is [`TlsConfig`]
//! (section `[tls]`).

pub mod body_deadline;
pub mod conn;
pub mod limiter;
pub mod listener;
pub mod rate;
pub mod streams;
pub mod takeover;
pub mod tls;

use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// Per-address and HTTP limits (config file section `[limits]`; every field optional).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LimitsConfig {
    /// Concurrent connections from one IP address (TCP: HTTP, WebSocket, SSE; and
    /// QUIC); more are refused and counted. Default 128.
    pub max_connections_per_ip: usize,
    /// Seconds a connection has for its TLS handshake and first request head, and an
    /// HTTP/1 request for its header (slowloris). Default 10.
    pub header_timeout_secs: f64,
    /// Largest HTTP/1 request head, and HTTP/2 header list, bytes. Default 16384
    /// (HTTP/1 at least 8192).
    pub max_header_bytes: usize,
    /// Most header fields in an HTTP/1 request. Default 64.
    pub max_headers: usize,
    /// Concurrent streams on one HTTP/2 connection. Default 128.
    pub http2_max_streams: u32,
    /// Largest JSON request body on the API routes, bytes. Default 16384.
    pub json_body_bytes: usize,
    /// Lobby API (`/api/...`) requests per second per IP address (token refill).
    /// Default 20.
    pub lobby_rate_per_sec: u32,
    /// Lobby API requests one IP address may make in a burst. Default 200.
    pub lobby_burst: u32,
    /// Seconds SIGTERM waits for connections to finish before it cuts them. Default 5.
    pub shutdown_grace_secs: f64,
    /// Requests in flight from one IP address across all its connections: HTTP/2
    /// streams (spectator and room list SSE, replays, WebSocket over HTTP/2) and
    /// HTTP/1 requests (taken-over streams and WebSockets included); more are
    /// answered `429` and counted. Default: `max_connections_per_ip`.
    pub max_streams_per_ip: Option<usize>,
    /// Seconds a chunk of an HTTP/2 response may wait for the peer's flow-control
    /// window before the stream is reset. Default 30.
    pub stream_stall_secs: f64,
    /// Seconds a request has, from its head, to deliver its whole body; then `408`
    /// and the connection closes. Default 10.
    pub body_timeout_secs: f64,
    /// Seconds a player WebSocket closed by the server reads and discards what the
    /// peer still sends (waiting for its close) before the socket is dropped, so the
    /// close frame is not lost to a reset. Default 2.
    pub close_linger_secs: f64,
}

impl Default for LimitsConfig {
    fn default() -> Self {
        LimitsConfig {
            max_connections_per_ip: 128,
            header_timeout_secs: 10.0,
            max_header_bytes: 16384,
            max_headers: 64,
            http2_max_streams: 128,
            json_body_bytes: 16384,
            lobby_rate_per_sec: 20,
            lobby_burst: 200,
            shutdown_grace_secs: 5.0,
            max_streams_per_ip: None,
            stream_stall_secs: 30.0,
            body_timeout_secs: 10.0,
            close_linger_secs: 2.0,
        }
    }
}

impl LimitsConfig {
    /// Reject values the edge cannot run with.
    pub fn validate(&self) -> Result<(), String> {
        if self.max_connections_per_ip == 0 {
            return Err("limits: max_connections_per_ip must be >= 1".into());
        }
        if self.max_streams_per_ip == Some(0) {
            return Err("limits: max_streams_per_ip must be >= 1".into());
        }
        for (name, secs) in [
            ("header_timeout_secs", self.header_timeout_secs),
            ("shutdown_grace_secs", self.shutdown_grace_secs),
            ("stream_stall_secs", self.stream_stall_secs),
            ("body_timeout_secs", self.body_timeout_secs),
            ("close_linger_secs", self.close_linger_secs),
        ] {
            if !secs.is_finite() || secs <= 0.0 || secs > 3600.0 {
                return Err(format!("limits: {name} must be in (0, 3600]"));
            }
        }
        if self.max_header_bytes < 8192 || self.max_headers == 0 {
            return Err("limits: max_header_bytes >= 8192 and max_headers >= 1".into());
        }
        if self.http2_max_streams == 0 || self.json_body_bytes == 0 {
            return Err("limits: http2_max_streams and json_body_bytes must be >= 1".into());
        }
        if self.lobby_rate_per_sec == 0 || self.lobby_burst == 0 {
            return Err("limits: lobby_rate_per_sec and lobby_burst must be >= 1".into());
        }
        Ok(())
    }

    /// Requests in flight allowed per address (`max_streams_per_ip`, else the
    /// connection limit).
    pub fn streams_per_ip(&self) -> usize {
        self.max_streams_per_ip
            .unwrap_or(self.max_connections_per_ip)
    }
}

/// TLS on the HTTP listener (config file section `[tls]`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TlsConfig {
    /// PEM certificate chain; with `key`, the listener serves HTTPS (and QUIC uses it
    /// unless `[quic] cert` names another). Default none: plain HTTP.
    pub cert: Option<PathBuf>,
    /// PEM private key for `cert`.
    pub key: Option<PathBuf>,
    /// Seconds between checks of the files' modification times (a change reloads the
    /// certificate; so does SIGHUP); 0 turns polling off. Default 5.
    pub reload_poll_secs: f64,
}

impl Default for TlsConfig {
    fn default() -> Self {
        TlsConfig {
            cert: None,
            key: None,
            reload_poll_secs: 5.0,
        }
    }
}

impl TlsConfig {
    /// Reject values TLS cannot run with.
    pub fn validate(&self) -> Result<(), String> {
        if self.cert.is_some() != self.key.is_some() {
            return Err("tls: cert and key go together".into());
        }
        if !self.reload_poll_secs.is_finite() || !(0.0..=86_400.0).contains(&self.reload_poll_secs)
        {
            return Err("tls: reload_poll_secs must be 0..=86400".into());
        }
        Ok(())
    }

    /// Whether the listener serves HTTPS.
    pub fn enabled(&self) -> bool {
        self.cert.is_some() && self.key.is_some()
    }
}

/// The command-line flags of `[tls]` and `[limits]` (each also read from the
/// `TICKCAST_*` variable it names).
#[derive(Debug, Default, clap::Args)]
pub struct EdgeFlags {
    /// PEM certificate chain: serve HTTPS/WSS (and QUIC, unless --quic-cert) [default: plain HTTP]
    #[arg(
        long,
        help_heading = "TLS",
        env = "TICKCAST_TLS_CERT",
        requires = "tls_key"
    )]
    pub tls_cert: Option<PathBuf>,
    /// PEM private key for --tls-cert
    #[arg(
        long,
        help_heading = "TLS",
        env = "TICKCAST_TLS_KEY",
        requires = "tls_cert"
    )]
    pub tls_key: Option<PathBuf>,
    /// Concurrent connections per IP address (TCP and QUIC) [default: 128]
    #[arg(
        long,
        help_heading = "Connection limits",
        env = "TICKCAST_MAX_CONNECTIONS_PER_IP"
    )]
    pub max_connections_per_ip: Option<usize>,
    /// Seconds for the TLS handshake and each request head (slowloris) [default: 10]
    #[arg(
        long,
        help_heading = "Connection limits",
        env = "TICKCAST_HEADER_TIMEOUT_SECS"
    )]
    pub header_timeout_secs: Option<f64>,
    /// Lobby API requests per second per IP address [default: 20]
    #[arg(long, help_heading = "Connection limits", env = "TICKCAST_LOBBY_RATE")]
    pub lobby_rate: Option<u32>,
    /// Lobby API request burst per IP address [default: 200]
    #[arg(long, help_heading = "Connection limits", env = "TICKCAST_LOBBY_BURST")]
    pub lobby_burst: Option<u32>,
    /// Seconds SIGTERM waits for connections before cutting them [default: 5]
    #[arg(
        long,
        help_heading = "Connection limits",
        env = "TICKCAST_SHUTDOWN_GRACE_SECS"
    )]
    pub shutdown_grace_secs: Option<f64>,
    /// Requests in flight per IP address across its connections (HTTP/2 streams) [default: --max-connections-per-ip]
    #[arg(
        long,
        help_heading = "Connection limits",
        env = "TICKCAST_MAX_STREAMS_PER_IP"
    )]
    pub max_streams_per_ip: Option<usize>,
    /// Concurrent streams on one HTTP/2 connection [default: 128]
    #[arg(
        long,
        help_heading = "Connection limits",
        env = "TICKCAST_HTTP2_MAX_STREAMS"
    )]
    pub http2_max_streams: Option<u32>,
    /// Seconds an HTTP/2 response chunk may wait for the peer's window before the stream is reset [default: 30]
    #[arg(
        long,
        help_heading = "Connection limits",
        env = "TICKCAST_STREAM_STALL_SECS"
    )]
    pub stream_stall_secs: Option<f64>,
    /// Seconds a request has to deliver its body; then 408 and close [default: 10]
    #[arg(
        long,
        help_heading = "Connection limits",
        env = "TICKCAST_BODY_TIMEOUT_SECS"
    )]
    pub body_timeout_secs: Option<f64>,
    /// Seconds a closing player WebSocket waits for the peer's close, discarding input [default: 2]
    #[arg(
        long,
        help_heading = "Connection limits",
        env = "TICKCAST_CLOSE_LINGER_SECS"
    )]
    pub close_linger_secs: Option<f64>,
}

/// The `[tls]` and `[limits]` flags of `cli` over `config`.
pub(crate) fn apply_flags(config: &mut crate::config::Config, cli: &crate::config::Cli) {
    let cli = &cli.edge;
    if let (Some(cert), Some(key)) = (&cli.tls_cert, &cli.tls_key) {
        config.tls.cert = Some(cert.clone());
        config.tls.key = Some(key.clone());
    }
    let l = &mut config.limits;
    if let Some(n) = cli.max_connections_per_ip {
        l.max_connections_per_ip = n;
    }
    if let Some(s) = cli.header_timeout_secs {
        l.header_timeout_secs = s;
    }
    if let Some(r) = cli.lobby_rate {
        l.lobby_rate_per_sec = r;
    }
    if let Some(b) = cli.lobby_burst {
        l.lobby_burst = b;
    }
    if let Some(s) = cli.shutdown_grace_secs {
        l.shutdown_grace_secs = s;
    }
    if let Some(n) = cli.max_streams_per_ip {
        l.max_streams_per_ip = Some(n);
    }
    if let Some(n) = cli.http2_max_streams {
        l.http2_max_streams = n;
    }
    if let Some(s) = cli.stream_stall_secs {
        l.stream_stall_secs = s;
    }
    if let Some(s) = cli.body_timeout_secs {
        l.body_timeout_secs = s;
    }
    if let Some(s) = cli.close_linger_secs {
        l.close_linger_secs = s;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid_and_bad_values_are_named() {
        assert_eq!(LimitsConfig::default().validate(), Ok(()));
        assert_eq!(TlsConfig::default().validate(), Ok(()));
        let zero = LimitsConfig {
            max_connections_per_ip: 0,
            ..LimitsConfig::default()
        };
        assert!(
            zero.validate()
                .unwrap_err()
                .contains("max_connections_per_ip")
        );
        let small = LimitsConfig {
            max_header_bytes: 100,
            ..LimitsConfig::default()
        };
        assert!(small.validate().unwrap_err().contains("max_header_bytes"));
        let forever = LimitsConfig {
            header_timeout_secs: f64::INFINITY,
            ..LimitsConfig::default()
        };
        assert!(
            forever
                .validate()
                .unwrap_err()
                .contains("header_timeout_secs")
        );
        let half = TlsConfig {
            cert: Some("c.pem".into()),
            ..TlsConfig::default()
        };
        assert!(half.validate().unwrap_err().contains("cert and key"));
        assert!(!half.enabled());
    }
}
