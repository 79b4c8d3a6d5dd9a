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

/// A quinn client configuration that trusts only the certificate whose SHA-256 is
/// `fingerprint` and speaks ALPN [`ALPN`].
pub fn quic_client_config(fingerprint: &str) -> Result<quinn::ClientConfig> {
    let pin = PinnedCert::new(fingerprint)?;
    let provider = pin.provider.clone();
    let mut tls = rustls::ClientConfig::builder_with_provider(provider)
        .with_protocol_versions(&[&rustls::version::TLS13])
        .map_err(|e| ClientError::QuicSetup(format!("TLS configuration: {e}")))?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(pin))
        .with_no_client_auth();
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
}
