//! The certificate store: one PEM certificate chain and key, served through a rustls
//! certificate resolver so a new certificate takes effect for the next handshake
//! without a restart.
//!
//! [`CertStore::reload`] re-reads both files; a broken pair (unreadable, not PEM, key
//! not matching the certificate) is refused and the current certificate stays. The
//! listener calls it on SIGHUP and when the files' modification times change
//! ([`super::TlsConfig::reload_poll_secs`]). The HTTPS listener
//! ([`CertStore::https_config`], ALPN `h2` and `http/1.1`) and the QUIC endpoint
//! (its own ALPN) share one store, so both serve the same certificate.

use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::time::SystemTime;
use thiserror::Error;

/// A certificate or key that cannot be used.
#[derive(Debug, Error)]
pub enum TlsError {
    #[error("tls: cannot read {what} {path}: {message}")]
    Pem {
        what: &'static str,
        path: String,
        message: String,
    },
    #[error("tls: {path} holds no certificate")]
    NoCertificate { path: String },
    #[error("tls: certificate and key do not match: {0}")]
    Mismatch(String),
    #[error("tls: configuration: {0}")]
    Config(String),
}

/// The current certificate, its files, and what they looked like when loaded.
#[derive(Debug)]
pub struct CertStore {
    cert_path: PathBuf,
    key_path: PathBuf,
    provider: Arc<CryptoProvider>,
    current: RwLock<Arc<CertifiedKey>>,
    loaded_mtimes: Mutex<(Option<SystemTime>, Option<SystemTime>)>,
}

fn mtime(path: &Path) -> Option<SystemTime> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}

/// A PEM certificate chain (at least one certificate) and its private key: the one
/// reader of certificate files (HTTPS here, `[quic] cert/key` in the QUIC endpoint).
pub fn read_pem_pair(
    cert: &Path,
    key: &Path,
) -> Result<(Vec<CertificateDer<'static>>, PrivateKeyDer<'static>), TlsError> {
    let pem = |what, path: &Path, e: &dyn std::fmt::Display| TlsError::Pem {
        what,
        path: path.display().to_string(),
        message: e.to_string(),
    };
    let chain = CertificateDer::pem_file_iter(cert)
        .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
        .map_err(|e| pem("certificate", cert, &e))?;
    if chain.is_empty() {
        return Err(TlsError::NoCertificate {
            path: cert.display().to_string(),
        });
    }
    let key = PrivateKeyDer::from_pem_file(key).map_err(|e| pem("key", key, &e))?;
    Ok((chain, key))
}

fn load(cert: &Path, key: &Path, provider: &CryptoProvider) -> Result<CertifiedKey, TlsError> {
    let (chain, key) = read_pem_pair(cert, key)?;
    CertifiedKey::from_der(chain, key, provider).map_err(|e| TlsError::Mismatch(e.to_string()))
}

impl CertStore {
    /// Load `cert` and `key` (PEM) with the ring provider.
    pub fn open(cert: &Path, key: &Path) -> Result<Arc<CertStore>, TlsError> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mtimes = (mtime(cert), mtime(key));
        let first = load(cert, key, &provider)?;
        Ok(Arc::new(CertStore {
            cert_path: cert.to_path_buf(),
            key_path: key.to_path_buf(),
            provider,
            current: RwLock::new(Arc::new(first)),
            loaded_mtimes: Mutex::new(mtimes),
        }))
    }

    /// Re-read the files; on success the next handshake uses the new certificate.
    pub fn reload(&self) -> Result<(), TlsError> {
        let mtimes = (mtime(&self.cert_path), mtime(&self.key_path));
        let fresh = load(&self.cert_path, &self.key_path, &self.provider)?;
        *self.current.write().unwrap_or_else(PoisonError::into_inner) = Arc::new(fresh);
        *self
            .loaded_mtimes
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = mtimes;
        Ok(())
    }

    /// Whether either file's modification time differs from the loaded one.
    pub fn changed_on_disk(&self) -> bool {
        let now = (mtime(&self.cert_path), mtime(&self.key_path));
        *self
            .loaded_mtimes
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            != now
    }

    /// The certificate served now.
    pub fn current(&self) -> Arc<CertifiedKey> {
        Arc::clone(&self.current.read().unwrap_or_else(PoisonError::into_inner))
    }

    /// The crypto provider (ring) everything in the store was loaded with.
    pub fn provider(&self) -> Arc<CryptoProvider> {
        Arc::clone(&self.provider)
    }

    /// A rustls server configuration resolving to this store, with `alpn` (TLS 1.2
    /// and 1.3 unless `tls13_only`).
    pub fn server_config(
        self: &Arc<Self>,
        alpn: Vec<Vec<u8>>,
        tls13_only: bool,
    ) -> Result<rustls::ServerConfig, TlsError> {
        let versions: &[&rustls::SupportedProtocolVersion] = if tls13_only {
            &[&rustls::version::TLS13]
        } else {
            rustls::DEFAULT_VERSIONS
        };
        let mut config = rustls::ServerConfig::builder_with_provider(self.provider())
            .with_protocol_versions(versions)
            .map_err(|e| TlsError::Config(e.to_string()))?
            .with_no_client_auth()
            .with_cert_resolver(Arc::clone(self) as Arc<dyn ResolvesServerCert>);
        config.alpn_protocols = alpn;
        Ok(config)
    }

    /// The HTTPS listener's configuration: ALPN `h2`, then `http/1.1`.
    pub fn https_config(self: &Arc<Self>) -> Result<rustls::ServerConfig, TlsError> {
        self.server_config(vec![b"h2".to_vec(), b"http/1.1".to_vec()], false)
    }
}

/// Reload `store` on SIGHUP and, every `poll` (unless zero), when its files changed;
/// until `stop`. Reloads and refused reloads are counted.
pub async fn watch(
    store: Arc<CertStore>,
    poll: std::time::Duration,
    metrics: Arc<crate::metrics::Metrics>,
    stop: tokio_util::sync::CancellationToken,
) {
    #[cfg(unix)]
    let mut hup = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup()).ok();
    let mut every = (!poll.is_zero()).then(|| tokio::time::interval(poll));
    loop {
        let why = tokio::select! {
            _ = stop.cancelled() => return,
            _ = async {
                #[cfg(unix)]
                if let Some(hup) = hup.as_mut() {
                    hup.recv().await;
                    return;
                }
                std::future::pending::<()>().await
            } => "SIGHUP",
            _ = async {
                match every.as_mut() {
                    Some(every) => { every.tick().await; }
                    None => std::future::pending::<()>().await,
                }
            } => {
                if !store.changed_on_disk() {
                    continue;
                }
                "file change"
            }
        };
        match store.reload() {
            Ok(()) => {
                metrics.edge.cert_reloads.inc();
                tracing::info!("tls: certificate reloaded ({why})");
            }
            Err(e) => {
                metrics.edge.cert_reload_failures.inc();
                tracing::warn!("tls: reload ({why}) refused, keeping the current certificate: {e}");
            }
        }
    }
}

impl ResolvesServerCert for CertStore {
    fn resolve(&self, _hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        Some(self.current())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write_pair(dir: &Path, name: &str) -> (PathBuf, PathBuf, Vec<u8>) {
        let made = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
        let cert = dir.join(format!("{name}.crt"));
        let key = dir.join(format!("{name}.key"));
        std::fs::write(&cert, made.cert.pem()).unwrap();
        std::fs::write(&key, made.key_pair.serialize_pem()).unwrap();
        (cert, key, made.cert.der().to_vec())
    }

    fn temp_dir(tag: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("tickcast-tls-{tag}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn reload_serves_the_new_pair_and_keeps_the_old_one_when_broken() {
        let dir = temp_dir("reload");
        let (cert, key, first_der) = write_pair(&dir, "a");
        let store = CertStore::open(&cert, &key).unwrap();
        assert_eq!(store.current().cert[0].as_ref(), &first_der[..]);
        assert!(!store.changed_on_disk());

        let (cert_b, key_b, second_der) = write_pair(&dir, "b");
        std::fs::copy(&cert_b, &cert).unwrap();
        std::fs::copy(&key_b, &key).unwrap();
        store.reload().unwrap();
        assert_eq!(store.current().cert[0].as_ref(), &second_der[..]);

        // A key that does not match the certificate is refused; the old pair stays.
        let (_, key_c, _) = write_pair(&dir, "c");
        std::fs::copy(&key_c, &key).unwrap();
        assert!(matches!(store.reload(), Err(TlsError::Mismatch(_))));
        std::fs::write(&cert, "not pem").unwrap();
        assert!(store.reload().is_err());
        assert_eq!(store.current().cert[0].as_ref(), &second_der[..]);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_missing_file_is_a_named_error() {
        let dir = temp_dir("missing");
        let err = CertStore::open(&dir.join("none.crt"), &dir.join("none.key")).unwrap_err();
        assert!(err.to_string().contains("none.crt"), "{err}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
