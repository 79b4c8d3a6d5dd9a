//! HTTPS clients for the edge tests: TLS that trusts only the test CA, and HTTP/2
//! connections over it (hyper's client).

use super::PATIENCE;
use super::pki::Pki;
use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::client::conn::http2::{Builder, SendRequest};
use hyper::{Request, Response};
use hyper_util::rt::{TokioExecutor, TokioIo};
use rustls::RootCertStore;
use rustls::pki_types::{CertificateDer, ServerName};
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;

/// A rustls client configuration trusting the test CA, offering `alpn`.
pub fn client_config(pki: &Pki, alpn: &[&[u8]]) -> Arc<rustls::ClientConfig> {
    let mut roots = RootCertStore::empty();
    roots.add(CertificateDer::from(pki.ca_der())).unwrap();
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
    Arc::new(config)
}

/// A verified TLS connection to `addr` as `localhost`.
pub async fn tls_connect(pki: &Pki, addr: SocketAddr, alpn: &[&[u8]]) -> TlsStream<TcpStream> {
    tls_over(pki, TcpStream::connect(addr).await.unwrap(), alpn).await
}

/// [`tls_connect`] from source address `from`.
pub async fn tls_connect_from(
    pki: &Pki,
    from: IpAddr,
    addr: SocketAddr,
    alpn: &[&[u8]],
) -> TlsStream<TcpStream> {
    let tcp = super::connect_from(from, addr).await.unwrap();
    tls_over(pki, tcp, alpn).await
}

async fn tls_over(pki: &Pki, tcp: TcpStream, alpn: &[&[u8]]) -> TlsStream<TcpStream> {
    let name = ServerName::try_from("localhost").unwrap();
    let connect = TlsConnector::from(client_config(pki, alpn)).connect(name, tcp);
    tokio::time::timeout(PATIENCE, connect)
        .await
        .expect("handshake in time")
        .expect("the server's certificate verifies against the test CA")
}

/// An HTTP/2 connection over `tls` (hyper's default windows).
pub async fn h2(tls: TlsStream<TcpStream>) -> SendRequest<Full<Bytes>> {
    h2_with(tls, &Builder::new(TokioExecutor::new())).await
}

/// An HTTP/2 connection over `tls` with `builder`'s settings.
pub async fn h2_with(
    tls: TlsStream<TcpStream>,
    builder: &Builder<TokioExecutor>,
) -> SendRequest<Full<Bytes>> {
    let (sender, conn) = builder
        .handshake(TokioIo::new(tls))
        .await
        .expect("HTTP/2 handshake");
    tokio::spawn(conn);
    sender
}

/// `method path` with `body` on `sender`; the answer's head, in time.
pub async fn send(
    sender: &mut SendRequest<Full<Bytes>>,
    addr: SocketAddr,
    method: &str,
    path: &str,
    body: &str,
) -> Response<Incoming> {
    let req = Request::builder()
        .method(method)
        .uri(format!("https://localhost:{}{path}", addr.port()))
        .header("content-type", "application/json")
        .body(Full::new(Bytes::from(body.to_owned())))
        .unwrap();
    sender.ready().await.unwrap();
    tokio::time::timeout(PATIENCE, sender.send_request(req))
        .await
        .expect("an answer in time")
        .expect("an HTTP/2 answer")
}

/// The JSON body of `res`.
pub async fn json(res: Response<Incoming>) -> serde_json::Value {
    let bytes = res.into_body().collect().await.unwrap().to_bytes();
    serde_json::from_slice(&bytes).unwrap()
}
