//! TLS for the native client: which certificate authorities it trusts, and a
//! stream that is plain TCP or TLS over TCP.
//!
//! By default the client trusts the Mozilla roots (`webpki-roots`), like a browser
//! would. [`trust_ca_file`] (the binary's `--ca-cert FILE`) replaces them, for the
//! whole process, with the certificates of one PEM file: a private CA, or a test
//! CA. The lobby (`https://`), the player WebSocket (`wss://`) and QUIC without a
//! pinned certificate all verify the server against these roots and its name.

use crate::error::{ClientError, Result};
use rustls::RootCertStore;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use std::io;
use std::path::Path;
use std::pin::Pin;
use std::sync::{Arc, OnceLock};
use std::task::{Context, Poll};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;

/// ALPN of the lobby and WebSocket connections (HTTP/1.1: the upgrade needs it).
pub const HTTP1: &[u8] = b"http/1.1";

static TRUSTED: OnceLock<Arc<RootCertStore>> = OnceLock::new();

/// Trust exactly the certificates in the PEM file `path` from now on (instead of the
/// Mozilla roots), for every TLS connection of this process. Only the first call
/// takes effect; a later one with other certificates is an error.
pub fn trust_ca_file(path: &Path) -> Result<()> {
    let bad = |e: &dyn std::fmt::Display| ClientError::Tls(format!("{}: {e}", path.display()));
    let certs = CertificateDer::pem_file_iter(path)
        .and_then(|c| c.collect::<std::result::Result<Vec<_>, _>>())
        .map_err(|e| bad(&e))?;
    let mut roots = RootCertStore::empty();
    for cert in certs {
        roots.add(cert).map_err(|e| bad(&e))?;
    }
    if roots.is_empty() {
        return Err(bad(&"no certificate in the file"));
    }
    let roots = Arc::new(roots);
    let set = TRUSTED.get_or_init(|| Arc::clone(&roots));
    if set.roots != roots.roots {
        return Err(bad(&"another CA file is already trusted"));
    }
    Ok(())
}

/// The trust anchors: the CA file's, else the Mozilla roots.
pub fn roots() -> Arc<RootCertStore> {
    Arc::clone(TRUSTED.get_or_init(|| {
        Arc::new(RootCertStore {
            roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
        })
    }))
}

/// A TLS client configuration verifying servers against [`roots`], offering `alpn`.
pub fn client_config(alpn: &[&[u8]]) -> Result<rustls::ClientConfig> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| ClientError::Tls(e.to_string()))?
        .with_root_certificates(roots())
        .with_no_client_auth();
    config.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
    Ok(config)
}

/// A failed TCP connect as [`ClientError::Connect`]: the common causes by name
/// ("connection refused"), others in the system's words.
fn connect_error(scheme: &str, host: &str, port: u16, e: &std::io::Error) -> ClientError {
    use std::io::ErrorKind::{
        AddrNotAvailable, ConnectionRefused, ConnectionReset, HostUnreachable, NetworkUnreachable,
        TimedOut,
    };
    let reason = match e.kind() {
        kind @ (ConnectionRefused | ConnectionReset | TimedOut | HostUnreachable
        | NetworkUnreachable | AddrNotAvailable) => kind.to_string(),
        _ => e.to_string(),
    };
    let host = if host.contains(':') {
        format!("[{host}]")
    } else {
        host.to_owned()
    };
    ClientError::Connect {
        url: format!("{scheme}://{host}:{port}"),
        reason,
    }
}

/// A TCP connection, in the clear or under TLS.
pub enum Stream {
    Plain(TcpStream),
    Tls(Box<TlsStream<TcpStream>>),
}

impl Stream {
    /// Connect to `host:port` with TCP_NODELAY; with `tls`, verify the server as
    /// `host` against [`roots`] (ALPN `http/1.1`). `scheme` (`http`, `ws`, ...)
    /// only names the target in errors.
    pub async fn connect(scheme: &str, host: &str, port: u16, tls: bool) -> Result<Stream> {
        let tcp = TcpStream::connect((host, port))
            .await
            .map_err(|e| connect_error(scheme, host, port, &e))?;
        let _ = tcp.set_nodelay(true);
        if !tls {
            return Ok(Stream::Plain(tcp));
        }
        let name = ServerName::try_from(host.to_owned())
            .map_err(|e| ClientError::Tls(format!("server name {host:?}: {e}")))?;
        let connector = TlsConnector::from(Arc::new(client_config(&[HTTP1])?));
        let stream = connector
            .connect(name, tcp)
            .await
            .map_err(|e| ClientError::Tls(format!("handshake with {host}:{port}: {e}")))?;
        Ok(Stream::Tls(Box::new(stream)))
    }
}

impl AsyncRead for Stream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_read(cx, buf),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for Stream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_write(cx, buf),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_write(cx, buf),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_flush(cx),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_shutdown(cx),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_shutdown(cx),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_without_certificates_is_refused() {
        let path = std::env::temp_dir().join(format!("tickcast-no-ca-{}.pem", std::process::id()));
        std::fs::write(&path, "nothing here").unwrap();
        assert!(matches!(trust_ca_file(&path), Err(ClientError::Tls(_))));
        let _ = std::fs::remove_file(&path);
        assert!(client_config(&[HTTP1]).is_ok());
    }

    #[tokio::test]
    async fn a_refused_plain_connection_is_named_as_such_not_as_tls() {
        // A port nothing listens on: bound, then let go.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .unwrap()
            .port();
        let Err(err) = Stream::connect("ws", "127.0.0.1", port, false).await else {
            panic!("nothing listens on {port}");
        };
        assert_eq!(
            err.to_string(),
            format!("connect: connection refused (ws://127.0.0.1:{port})")
        );
    }
}
