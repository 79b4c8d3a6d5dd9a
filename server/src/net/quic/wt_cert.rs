//! The WebTransport certificate when the host configured none: short-lived, made
//! and rotated by the server, announced by hash.
//!
//! Browsers accept a self-signed certificate for WebTransport only through
//! `serverCertificateHashes`, and only one that is ECDSA P-256 and valid for at most
//! 14 days. So the server makes such a certificate at start (validity
//! `[quic] webtransport_cert_hours`, 312 by default), serves it to HTTP/3 (ALPN
//! `h3`) handshakes while native clients keep their own pinned certificate, and
//! renews it before it expires ([`plan`]): `2 × overlap` before the end it makes the
//! next one and announces both hashes; `overlap` before the end it serves the next
//! one. A join answer handed out at any moment thus names the certificate a
//! connection made soon after will meet. This is for development on `localhost`:
//! production serves a CA-signed certificate (`[tls]` or `[quic] cert`), which
//! browsers verify normally and for which no hash is announced.

use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;
use std::sync::{Arc, RwLock};
use std::time::{Duration, SystemTime};
use tickcast_shared::quic::cert_sha256;

/// The longest validity browsers accept for a hashed certificate.
pub const MAX_VALIDITY: Duration = Duration::from_secs(14 * 24 * 3600);
/// How far `not_before` lies in the past (clock skew between the browser and us).
const BACKDATE: Duration = Duration::from_secs(60);
/// The longest overlap: the next certificate is announced this long before it is
/// served, and served this long before the current one expires.
const MAX_OVERLAP: Duration = Duration::from_secs(24 * 3600);

/// The overlap for a validity: a quarter of it, at most a day.
pub fn overlap(validity: Duration) -> Duration {
    (validity / 4).min(MAX_OVERLAP)
}

/// What the rotation does next, for a certificate expiring at `not_after`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Nothing until then.
    Wait(SystemTime),
    /// Make the next certificate and announce it beside the current one.
    MakeNext,
    /// Serve the next certificate (it becomes the current one).
    Switch,
}

/// The rotation rule: the next certificate is made `2 × overlap` before the current
/// one expires and served `overlap` before.
pub fn plan(now: SystemTime, not_after: SystemTime, has_next: bool, overlap: Duration) -> Step {
    let make_at = not_after.checked_sub(overlap * 2).unwrap_or(not_after);
    let switch_at = not_after.checked_sub(overlap).unwrap_or(not_after);
    match (has_next, now >= make_at, now >= switch_at) {
        (false, false, _) => Step::Wait(make_at),
        (false, true, _) => Step::MakeNext,
        (true, _, false) => Step::Wait(switch_at),
        (true, _, true) => Step::Switch,
    }
}

/// One made certificate.
#[derive(Clone)]
struct Made {
    key: Arc<CertifiedKey>,
    sha256: String,
    not_after: SystemTime,
}

impl std::fmt::Debug for Made {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Made")
            .field("sha256", &self.sha256)
            .finish()
    }
}

/// An ECDSA P-256 certificate for `localhost` and 127.0.0.1 valid `validity` from
/// `now - BACKDATE` (the whole span at most [`MAX_VALIDITY`]).
fn make(
    now: SystemTime,
    validity: Duration,
    provider: &CryptoProvider,
) -> Result<(Made, CertificateDer<'static>), String> {
    let validity = validity.min(MAX_VALIDITY);
    let not_before = now.checked_sub(BACKDATE).unwrap_or(now);
    let not_after = not_before + validity;
    let key =
        rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).map_err(|e| e.to_string())?;
    let names = vec!["localhost".to_owned(), "127.0.0.1".to_owned()];
    let mut params = rcgen::CertificateParams::new(names).map_err(|e| e.to_string())?;
    params.not_before = time::OffsetDateTime::from(not_before);
    params.not_after = time::OffsetDateTime::from(not_after);
    let cert = params.self_signed(&key).map_err(|e| e.to_string())?;
    let der = cert.der().clone();
    let private = PrivateKeyDer::from(PrivatePkcs8KeyDer::from(key.serialize_der()));
    let certified =
        CertifiedKey::from_der(vec![der.clone()], private, provider).map_err(|e| e.to_string())?;
    let made = Made {
        key: Arc::new(certified),
        sha256: cert_sha256(&der),
        not_after,
    };
    Ok((made, der))
}

#[derive(Debug)]
struct Pair {
    current: Made,
    next: Option<Made>,
}

/// The rotating WebTransport certificate: served to `h3` handshakes, announced in
/// join answers.
#[derive(Debug)]
pub struct WtCerts {
    validity: Duration,
    provider: Arc<CryptoProvider>,
    pair: RwLock<Pair>,
}

impl WtCerts {
    /// Make the first certificate, valid `hours` hours.
    pub fn new(hours: u32, provider: Arc<CryptoProvider>) -> Result<Arc<WtCerts>, String> {
        let validity = Duration::from_secs(u64::from(hours) * 3600);
        let (current, _) = make(SystemTime::now(), validity, &provider)?;
        Ok(Arc::new(WtCerts {
            validity,
            provider,
            pair: RwLock::new(Pair {
                current,
                next: None,
            }),
        }))
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Pair> {
        self.pair.read().unwrap_or_else(|e| e.into_inner())
    }

    /// The hashes to announce (lowercase hex): the served one first, then the next.
    pub fn hashes(&self) -> Vec<String> {
        let pair = self.read();
        std::iter::once(pair.current.sha256.clone())
            .chain(pair.next.as_ref().map(|n| n.sha256.clone()))
            .collect()
    }

    /// The certificate served now.
    pub fn current(&self) -> Arc<CertifiedKey> {
        Arc::clone(&self.read().current.key)
    }

    /// Take the rotation's next step at `now`; when to look again.
    pub fn rotate(&self, now: SystemTime) -> SystemTime {
        loop {
            let (not_after, has_next) = {
                let pair = self.read();
                (pair.current.not_after, pair.next.is_some())
            };
            let mut pair = self.pair.write().unwrap_or_else(|e| e.into_inner());
            match plan(now, not_after, has_next, overlap(self.validity)) {
                Step::Wait(until) => return until,
                Step::MakeNext => match make(now, self.validity, &self.provider) {
                    Ok((made, _)) => {
                        tracing::info!(sha256 = %made.sha256, "webtransport: next certificate announced");
                        pair.next = Some(made);
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "webtransport: cannot make the next certificate");
                        return now + Duration::from_secs(60);
                    }
                },
                Step::Switch => {
                    if let Some(next) = pair.next.take() {
                        tracing::info!(sha256 = %next.sha256, "webtransport: serving the next certificate");
                        pair.current = next;
                    }
                }
            }
        }
    }

    /// Rotate until `stop`.
    pub async fn run(self: Arc<Self>, stop: tokio_util::sync::CancellationToken) {
        loop {
            let until = self.rotate(SystemTime::now());
            let wait = until
                .duration_since(SystemTime::now())
                .unwrap_or_default()
                // Wall-clock jumps are noticed within an hour.
                .clamp(Duration::from_secs(1), Duration::from_secs(3600));
            tokio::select! {
                _ = stop.cancelled() => return,
                _ = tokio::time::sleep(wait) => {}
            }
        }
    }
}

/// Picks the certificate by ALPN: `h3` (WebTransport) gets the rotating one, the
/// native ALPN its long-lived pinned one.
#[derive(Debug)]
pub struct AlpnCerts {
    pub native: Arc<CertifiedKey>,
    pub webtransport: Arc<WtCerts>,
}

impl ResolvesServerCert for AlpnCerts {
    fn resolve(&self, hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        let h3 = hello.alpn().is_some_and(|mut protocols| {
            protocols.any(|p| p == web_transport_quinn::ALPN.as_bytes())
        });
        Some(if h3 {
            self.webtransport.current()
        } else {
            Arc::clone(&self.native)
        })
    }
}

#[cfg(test)]
#[path = "wt_cert_tests.rs"]
mod tests;
