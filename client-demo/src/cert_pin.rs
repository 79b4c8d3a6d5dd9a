//! Certificate pinning for QUIC: trust exactly the certificate the lobby announced.
//!
//! A tickcast server's QUIC certificate is usually self-signed, so no certificate
//! authority can vouch for it. Instead the lobby's join answer (fetched over the HTTP
//! API) carries `cert_sha256`, the SHA-256 of the server's DER certificate
//! ([`tickcast_shared::quic::cert_sha256`]). [`PinnedCert`] is a rustls
//! [`ServerCertVerifier`] that accepts an end-entity certificate if and only if its
//! fingerprint is that one; names and validity dates are not checked (the pin is
//! stronger than both). The TLS 1.3 handshake signature is still verified with the
//! ring provider's algorithms, so a peer that merely replays the certificate without
//! its private key is refused.
//!
//! [`quic_client_config`] builds the whole quinn client configuration: TLS 1.3 only,
//! the pin, ALPN [`tickcast_shared::quic::ALPN`], and the transport settings.
//!
//! A server whose QUIC certificate is its HTTPS one announces no fingerprint; then
//! [`QuicTrust::Verify`] checks the certificate like any TLS client would, against
//! [`crate::tls::roots`] and the lobby's host name ([`quic_verified_config`]).

use crate::error::{ClientError, Result};
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{CryptoProvider, verify_tls12_signature, verify_tls13_signature};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};
use std::sync::Arc;
use std::time::Duration;
use tickcast_shared::quic::{ALPN, cert_sha256};

/// Hex digits of a SHA-256 fingerprint.
const FINGERPRINT_HEX_LEN: usize = 64;
/// Keep-alive interval of a client connection: the server's snapshots keep a playing
/// connection busy anyway; this covers a paused room.
const KEEP_ALIVE: Duration = Duration::from_secs(5);
/// Unidirectional streams (keyframes) the server may have open towards a client at once.
const MAX_UNI_STREAMS: u32 = 16;

/// A verifier that accepts one certificate, named by its SHA-256.
#[derive(Debug)]
pub struct PinnedCert {
    fingerprint: String,
    provider: Arc<CryptoProvider>,
}

impl PinnedCert {
    /// Pin the certificate whose [`cert_sha256`] is `fingerprint` (64 hex digits; upper
    /// case is accepted and folded). Anything else is a
    /// [`ClientError::QuicAnnouncement`].
    pub fn new(fingerprint: &str) -> Result<PinnedCert> {
        let valid = fingerprint.len() == FINGERPRINT_HEX_LEN
            && fingerprint.chars().all(|c| c.is_ascii_hexdigit());
        if !valid {
            return Err(ClientError::QuicAnnouncement(format!(
                "cert_sha256 must be {FINGERPRINT_HEX_LEN} hex digits, got {:?}",
                fingerprint.chars().take(80).collect::<String>()
            )));
        }
        Ok(PinnedCert {
            fingerprint: fingerprint.to_ascii_lowercase(),
            provider: Arc::new(rustls::crypto::ring::default_provider()),
        })
    }

    /// The pinned fingerprint, lowercase hex.
    pub fn fingerprint(&self) -> &str {
        &self.fingerprint
    }
}

impl ServerCertVerifier for PinnedCert {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> std::result::Result<ServerCertVerified, rustls::Error> {
        if cert_sha256(end_entity.as_ref()) == self.fingerprint {
            Ok(ServerCertVerified::assertion())
        } else {
            Err(rustls::Error::InvalidCertificate(
                rustls::CertificateError::ApplicationVerificationFailure,
            ))
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

/// How a QUIC client trusts the server's certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QuicTrust {
    /// Exactly the certificate with this SHA-256 (hex), whatever its name or CA.
    Pin(String),
    /// A certificate for `server_name` from a trusted CA ([`crate::tls::roots`]).
    Verify { server_name: String },
}

impl QuicTrust {
    /// The trust a join answer asks for: its `cert_sha256` pin, or, when it
    /// announces none (empty), normal verification as the lobby's `host`.
    pub fn from_announcement(cert_sha256: &str, host: &str) -> QuicTrust {
        if cert_sha256.is_empty() {
            QuicTrust::Verify {
                server_name: host.to_owned(),
            }
        } else {
            QuicTrust::Pin(cert_sha256.to_owned())
        }
    }

    /// The quinn client configuration for this trust.
    pub fn client_config(&self) -> Result<quinn::ClientConfig> {
        match self {
            QuicTrust::Pin(fingerprint) => quic_client_config(fingerprint),
            QuicTrust::Verify { .. } => quic_verified_config(),
        }
    }

    /// The name to verify the certificate against, when it is verified.
    pub fn server_name(&self) -> Option<&str> {
        match self {
            QuicTrust::Pin(_) => None,
            QuicTrust::Verify { server_name } => Some(server_name),
        }
    }
}

impl From<&str> for QuicTrust {
    fn from(fingerprint: &str) -> QuicTrust {
        QuicTrust::Pin(fingerprint.to_owned())
    }
}

impl From<&String> for QuicTrust {
    fn from(fingerprint: &String) -> QuicTrust {
        QuicTrust::Pin(fingerprint.clone())
    }
}

/// A quinn client configuration that trusts only the certificate whose SHA-256 is
/// `fingerprint` and speaks ALPN [`ALPN`].
pub fn quic_client_config(fingerprint: &str) -> Result<quinn::ClientConfig> {
    let pin = PinnedCert::new(fingerprint)?;
    let provider = pin.provider.clone();
    let tls = rustls::ClientConfig::builder_with_provider(provider)
        .with_protocol_versions(&[&rustls::version::TLS13])
        .map_err(|e| ClientError::QuicSetup(format!("TLS configuration: {e}")))?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(pin))
        .with_no_client_auth();
    quinn_config(tls)
}

/// A quinn client configuration that verifies the server's certificate against
/// [`crate::tls::roots`] (TLS 1.3, ALPN [`ALPN`]).
pub fn quic_verified_config() -> Result<quinn::ClientConfig> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let tls = rustls::ClientConfig::builder_with_provider(provider)
        .with_protocol_versions(&[&rustls::version::TLS13])
        .map_err(|e| ClientError::QuicSetup(format!("TLS configuration: {e}")))?
        .with_root_certificates(crate::tls::roots())
        .with_no_client_auth();
    quinn_config(tls)
}

fn quinn_config(mut tls: rustls::ClientConfig) -> Result<quinn::ClientConfig> {
    tls.alpn_protocols = vec![ALPN.to_vec()];
    let crypto = quinn::crypto::rustls::QuicClientConfig::try_from(tls)
        .map_err(|e| ClientError::QuicSetup(format!("TLS configuration: {e}")))?;
    let mut transport = quinn::TransportConfig::default();
    transport.keep_alive_interval(Some(KEEP_ALIVE));
    transport.max_concurrent_uni_streams(quinn::VarInt::from_u32(MAX_UNI_STREAMS));
    transport.max_concurrent_bidi_streams(quinn::VarInt::from_u32(0));
    let mut config = quinn::ClientConfig::new(Arc::new(crypto));
    config.transport_config(Arc::new(transport));
    Ok(config)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn verify(pin: &PinnedCert, der: &[u8]) -> bool {
        let name = ServerName::try_from("localhost").unwrap();
        pin.verify_server_cert(
            &CertificateDer::from(der.to_vec()),
            &[],
            &name,
            &[],
            UnixTime::now(),
        )
        .is_ok()
    }

    #[test]
    fn only_the_announced_certificate_is_accepted() {
        let der = b"not really DER, but the pin only hashes it";
        let pin = PinnedCert::new(&cert_sha256(der)).unwrap();
        assert!(verify(&pin, der));
        assert!(!verify(&pin, b"another certificate"));
        let upper = PinnedCert::new(&cert_sha256(der).to_ascii_uppercase()).unwrap();
        assert!(verify(&upper, der));
    }

    #[test]
    fn malformed_fingerprints_are_refused() {
        for bad in ["", "abc", &"g".repeat(64), &"a".repeat(63), &"a".repeat(65)] {
            assert!(
                matches!(PinnedCert::new(bad), Err(ClientError::QuicAnnouncement(_))),
                "{bad:?}"
            );
        }
        assert!(quic_client_config(&"0".repeat(64)).is_ok());
    }

    #[test]
    fn an_empty_announcement_means_verify_the_lobby_host() {
        let verify = QuicTrust::from_announcement("", "game.example");
        assert_eq!(verify.server_name(), Some("game.example"));
        assert!(verify.client_config().is_ok());
        let pin = QuicTrust::from_announcement(&"a".repeat(64), "game.example");
        assert_eq!(pin, QuicTrust::Pin("a".repeat(64)));
        assert_eq!(pin.server_name(), None);
    }
}
