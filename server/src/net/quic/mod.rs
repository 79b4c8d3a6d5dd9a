//! Players over QUIC (quinn): the native client's low-latency transport.
//!
//! One UDP endpoint beside the HTTP listener (by default the same IP and port
//! number; see [`QuicConfig`]). The lobby hands out the same seat tickets as for the
//! WebSocket; a QUIC player presents its ticket (or resume token) in `Hello` on the
//! control stream, and from then on the [`super::session`] runs exactly as for a
//! WebSocket. Snapshots go as datagrams (or, too large for one, on a one-shot
//! unidirectional stream) and are acknowledged by the inputs' `last_snapshot`, so a
//! lost snapshot costs nothing but a slightly older baseline. The wire rules are in
//! `tickcast_shared::quic`.
//!
//! Browsers reach the same endpoint through WebTransport (`webtransport.rs`): ALPN
//! `h3` beside the native ALPN, the session's URL `/wt?ticket=T` checked like
//! `/ws` before the session is accepted, then the same protocol as native QUIC
//! (the player link is generic over its `Carrier`, `carrier.rs`). Without a configured
//! certificate, `h3` handshakes meet a short-lived one ([`wt_cert`]).
//!
//! Hostile peers: a native connection may open one bidirectional stream and no
//! unidirectional ones, and may send datagrams holding inputs only (bounded by
//! [`QuicConfig::datagram_receive_buffer`]); control frames are bounded by
//! `max_frame_bytes` before they are read; connections past
//! [`QuicConfig::max_connections`] are refused; the handshake and the first
//! stream must come within `hello_timeout_secs`.

mod carrier;
mod endpoint;
mod link;
mod webtransport;
pub mod wt_cert;

pub use endpoint::{QuicEdge, QuicEndpoint, QuicError};

use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use std::path::PathBuf;

/// QUIC settings (config file section `[quic]`; every field optional).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct QuicConfig {
    /// Serve players over QUIC. Default true.
    pub enabled: bool,
    /// UDP address. Default: the HTTP listener's IP and port number (if that UDP
    /// port is taken when HTTP picked its port itself, a free one is used instead).
    pub addr: Option<SocketAddr>,
    /// PEM certificate chain; default a self-signed certificate made at start (its
    /// SHA-256 is announced to clients in the lobby's join answer).
    pub cert: Option<PathBuf>,
    /// PEM private key for `cert`.
    pub key: Option<PathBuf>,
    /// QUIC connections at once; more are refused. Default 4096.
    pub max_connections: usize,
    /// Outgoing datagram buffer per connection, bytes (oldest dropped when full).
    /// Default 65536.
    pub datagram_send_buffer: usize,
    /// Incoming datagram (input) buffer per connection, bytes (oldest dropped when
    /// full). Default 16384.
    pub datagram_receive_buffer: usize,
    /// Decoded control messages queued from a connection's reader. Default 16.
    pub read_queue: usize,
    /// Bytes a client may have in flight to the server (flow-control window of the
    /// control stream and of the connection). Default 65536.
    pub receive_window: u32,
    /// Bytes of outgoing stream data buffered per connection. Default 1048576.
    pub send_window: u64,
    /// Datagram fragments one snapshot may be split into (1..=1024); a snapshot
    /// needing more goes on a stream. Default 64.
    pub max_snapshot_fragments: u16,
    /// Also serve browsers: WebTransport sessions (HTTP/3, ALPN `h3`) on this
    /// endpoint at `/wt?ticket=T` or `/wt?resume=TOKEN`. Default true.
    pub webtransport: bool,
    /// Validity in hours (1..=336) of the WebTransport certificate the server makes
    /// when no certificate is configured (rotated before it ends). Default 312.
    pub webtransport_cert_hours: u32,
    /// Seconds a close (native or WebTransport: the code and reason, after what was
    /// queued before them) may take to reach the peer before the connection is let
    /// go; the server's shutdown waits for it too. Default 1.
    pub close_linger_secs: f64,
}

impl Default for QuicConfig {
    fn default() -> Self {
        QuicConfig {
            enabled: true,
            addr: None,
            cert: None,
            key: None,
            max_connections: 4096,
            datagram_send_buffer: 65536,
            datagram_receive_buffer: 16384,
            read_queue: 16,
            receive_window: 65536,
            send_window: 1 << 20,
            max_snapshot_fragments: 64,
            webtransport: true,
            webtransport_cert_hours: 312,
            close_linger_secs: 1.0,
        }
    }
}

impl QuicConfig {
    /// Reject values the endpoint cannot run with (`max_frame_bytes`: the largest
    /// client message, which must fit in the receive window).
    pub fn validate(&self, max_frame_bytes: usize) -> Result<(), String> {
        if (self.receive_window as usize) < max_frame_bytes.saturating_add(4) {
            return Err("quic: receive_window must hold one max_frame_bytes message".into());
        }
        if self.send_window < 65536 {
            return Err("quic: send_window must be >= 65536".into());
        }
        if !(1..=1024).contains(&self.max_snapshot_fragments) {
            return Err("quic: max_snapshot_fragments must be 1..=1024".into());
        }
        if !(1..=336).contains(&self.webtransport_cert_hours) {
            return Err(
                "quic: webtransport_cert_hours must be 1..=336 (browsers take at most 14 days)"
                    .into(),
            );
        }
        if self.cert.is_some() != self.key.is_some() {
            return Err("quic: cert and key go together".into());
        }
        let linger = self.close_linger_secs;
        if !linger.is_finite() || linger <= 0.0 || linger > 3600.0 {
            return Err("quic: close_linger_secs must be in (0, 3600]".into());
        }
        if self.max_connections == 0
            || self.read_queue == 0
            || self.datagram_send_buffer < 1500
            || self.datagram_receive_buffer < 1500
        {
            return Err(
                "quic: max_connections, read_queue >= 1 and datagram_send_buffer, \
                 datagram_receive_buffer >= 1500"
                    .into(),
            );
        }
        Ok(())
    }
}

/// What the lobby tells a client about QUIC (`"quic"` in the join answer).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct QuicInfo {
    /// UDP port on the lobby's host.
    pub port: u16,
    /// SHA-256 of the server certificate, lowercase hex, for pinning; absent when
    /// QUIC serves the `[tls]` certificate, which clients verify normally.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cert_sha256: Option<String>,
}

/// What the lobby tells a browser about WebTransport (`"webtransport"` in the join
/// answer).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WebTransportInfo {
    /// The host to reach (cluster mode: the room's node); absent: the lobby's host.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    /// UDP port on `host` (absent: on the lobby's host).
    pub port: u16,
    /// Path and query of the session: `/wt?ticket=T`.
    pub url: String,
    /// SHA-256 (lowercase hex) of the certificates a browser may meet, for
    /// `serverCertificateHashes`; empty when the server has a configured (CA-signed)
    /// certificate, which browsers verify normally.
    pub cert_sha256: Vec<String>,
}

/// Where the lobby gets the WebTransport part of a join answer (its hashes change
/// when the certificate rotates).
#[derive(Debug, Clone)]
pub struct WebTransportOffer {
    pub port: u16,
    pub certs: Option<std::sync::Arc<wt_cert::WtCerts>>,
}

impl WebTransportInfo {
    /// The offer of a session at `port` for `ticket`, trusting `cert_sha256`, on
    /// the lobby's host.
    pub fn for_ticket(port: u16, ticket: &str, cert_sha256: Vec<String>) -> WebTransportInfo {
        WebTransportInfo {
            host: None,
            port,
            url: format!("/wt?ticket={ticket}"),
            cert_sha256,
        }
    }
}

impl WebTransportOffer {
    /// The answer's `webtransport` for `ticket`.
    pub fn info(&self, ticket: &str) -> WebTransportInfo {
        WebTransportInfo::for_ticket(self.port, ticket, self.cert_sha256())
    }

    /// The SHA-256s a browser may meet now (both during a rotation's overlap;
    /// none with a configured certificate).
    pub fn cert_sha256(&self) -> Vec<String> {
        self.certs.as_ref().map(|c| c.hashes()).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_defaults_are_valid_and_bad_values_are_named() {
        assert_eq!(QuicConfig::default().validate(4096), Ok(()));
        let tiny_window = QuicConfig {
            receive_window: 1000,
            ..QuicConfig::default()
        };
        let err = tiny_window.validate(4096).unwrap_err();
        assert!(err.contains("receive_window"), "{err}");
        let half_pem = QuicConfig {
            cert: Some("cert.pem".into()),
            ..QuicConfig::default()
        };
        assert!(
            half_pem
                .validate(4096)
                .unwrap_err()
                .contains("cert and key")
        );
        let no_connections = QuicConfig {
            max_connections: 0,
            ..QuicConfig::default()
        };
        assert!(no_connections.validate(4096).is_err());
        for linger in [0.0, -1.0, f64::NAN, 3601.0] {
            let bad = QuicConfig {
                close_linger_secs: linger,
                ..QuicConfig::default()
            };
            let err = bad.validate(4096).unwrap_err();
            assert!(err.contains("close_linger_secs"), "{linger}: {err}");
        }
    }

    #[test]
    fn the_close_linger_is_read_from_the_config_file_and_defaults_to_one_second() {
        assert_eq!(QuicConfig::default().close_linger_secs, 1.0);
        let read: QuicConfig = toml::from_str("close_linger_secs = 0.25").unwrap();
        assert_eq!(read.close_linger_secs, 0.25);
        assert_eq!(read.validate(4096), Ok(()));
    }
}
