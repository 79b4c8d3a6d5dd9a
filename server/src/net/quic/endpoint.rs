//! The QUIC endpoint: certificate, transport limits, binding, and the accept loop
//! that turns each connection into a player [`Session`]: native connections by
//! their first stream, WebTransport ones ([`super::webtransport`]) by their
//! session's URL, told apart by the negotiated ALPN.

use super::link::QuicLink;
use super::wt_cert::{AlpnCerts, WtCerts};
use super::{QuicConfig, QuicInfo, WebTransportOffer};
use crate::ctx::ServerCtx;
use crate::edge::limiter::ConnLimiter;
use crate::edge::tls::CertStore;
use crate::net::session::{Entry, Session};
use quinn::crypto::rustls::QuicServerConfig;
use quinn::{Endpoint, IdleTimeout, TransportConfig, VarInt};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use thiserror::Error;
use tickcast_shared::quic::{ALPN, cert_sha256, close};

/// The QUIC endpoint could not be set up.
#[derive(Debug, Error)]
pub enum QuicError {
    #[error("quic: {0}")]
    Pem(#[from] crate::edge::tls::TlsError),
    #[error("quic: cannot make a self-signed certificate: {0}")]
    SelfSigned(String),
    #[error("quic: TLS setup: {0}")]
    Tls(String),
    #[error("quic: cannot bind udp {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
}

/// What the QUIC endpoint shares with the HTTP listener: the `[tls]` certificate
/// store (when HTTPS is on) and the per-IP connection limiter.
pub struct QuicEdge {
    pub certs: Option<Arc<CertStore>>,
    pub limiter: Arc<ConnLimiter>,
}

/// A bound QUIC endpoint, not yet accepting.
pub struct QuicEndpoint {
    endpoint: Endpoint,
    info: QuicInfo,
    webtransport: Option<WebTransportOffer>,
    limiter: Arc<ConnLimiter>,
}

/// Where the QUIC certificate comes from.
enum QuicCert {
    /// `[quic] cert/key`, or a self-signed one: pinned by clients.
    Own(Vec<CertificateDer<'static>>, PrivateKeyDer<'static>),
    /// A self-signed one for native clients and the rotating short-lived one for
    /// WebTransport (`h3`).
    Split(
        Vec<CertificateDer<'static>>,
        PrivateKeyDer<'static>,
        Arc<WtCerts>,
    ),
    /// The HTTPS listener's store (reloads included): verified by clients.
    Shared(Arc<CertStore>),
}

fn certificate(
    config: &QuicConfig,
) -> Result<(Vec<CertificateDer<'static>>, PrivateKeyDer<'static>), QuicError> {
    if let (Some(cert), Some(key)) = (&config.cert, &config.key) {
        return Ok(crate::edge::tls::read_pem_pair(cert, key)?);
    }
    let names = vec!["localhost".to_owned()];
    let made = rcgen::generate_simple_self_signed(names)
        .map_err(|e| QuicError::SelfSigned(e.to_string()))?;
    let key = PrivatePkcs8KeyDer::from(made.key_pair.serialize_der());
    Ok((vec![made.cert.der().clone()], key.into()))
}

fn server_config(
    config: &crate::config::Config,
    cert: QuicCert,
) -> Result<quinn::ServerConfig, QuicError> {
    let tls_err = |e: &dyn std::fmt::Display| QuicError::Tls(e.to_string());
    let mut alpn = vec![ALPN.to_vec()];
    if config.quic.webtransport {
        alpn.push(web_transport_quinn::ALPN.as_bytes().to_vec());
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = || {
        rustls::ServerConfig::builder_with_provider(Arc::clone(&provider))
            .with_protocol_versions(&[&rustls::version::TLS13])
            .map_err(|e| tls_err(&e))
            .map(|b| b.with_no_client_auth())
    };
    let mut tls = match cert {
        QuicCert::Own(chain, key) => builder()?
            .with_single_cert(chain, key)
            .map_err(|e| tls_err(&e))?,
        QuicCert::Split(chain, key, webtransport) => {
            let native = rustls::sign::CertifiedKey::from_der(chain, key, &provider)
                .map_err(|e| tls_err(&e))?;
            let resolver = AlpnCerts {
                native: Arc::new(native),
                webtransport,
            };
            builder()?.with_cert_resolver(Arc::new(resolver))
        }
        QuicCert::Shared(store) => store
            .server_config(alpn.clone(), true)
            .map_err(|e| tls_err(&e))?,
    };
    tls.alpn_protocols = alpn;
    let crypto = QuicServerConfig::try_from(tls).map_err(|e| tls_err(&e))?;
    let mut transport = TransportConfig::default();
    // One control stream per native connection; the client opens no other stream.
    // With WebTransport on, the initial limits are those HTTP/3 needs (browsers
    // refuse a handshake granting fewer, and the ALPN is not known before it), and a
    // native connection opening more than its control stream is closed instead
    // (`refuse_stray_streams`).
    let (bidi, uni) = if config.quic.webtransport {
        super::webtransport::H3_STREAMS
    } else {
        (1, 0)
    };
    transport.max_concurrent_bidi_streams(VarInt::from_u32(bidi));
    transport.max_concurrent_uni_streams(VarInt::from_u32(uni));
    // Client datagrams carry inputs; a full buffer drops the oldest (the inputs'
    // redundancy covers that).
    transport.datagram_receive_buffer_size(Some(config.quic.datagram_receive_buffer));
    transport.datagram_send_buffer_size(config.quic.datagram_send_buffer);
    // Bounded buffers per connection, whatever the peer does: what it may send
    // before the session reads, and what the server queues towards it.
    let window = VarInt::from_u32(config.quic.receive_window);
    transport.stream_receive_window(window);
    transport.receive_window(window);
    transport.send_window(config.quic.send_window);
    let idle = Duration::from_secs_f64(config.idle_timeout_secs.max(1.0));
    transport.max_idle_timeout(IdleTimeout::try_from(idle).ok());
    let mut server = quinn::ServerConfig::with_crypto(Arc::new(crypto));
    server.transport_config(Arc::new(transport));
    Ok(server)
}

impl QuicEndpoint {
    /// Bind the endpoint; `http` is the bound HTTP address (the default UDP address
    /// takes its IP and port number). QUIC serves `edge.certs` when given and
    /// `[quic] cert` is not set; then the lobby announces no pin.
    pub fn bind(
        config: &crate::config::Config,
        http: SocketAddr,
        edge: QuicEdge,
    ) -> Result<Self, QuicError> {
        let mut wt_certs = None;
        let (cert, fingerprint) = match edge.certs {
            Some(store) if config.quic.cert.is_none() => (QuicCert::Shared(store), None),
            _ => {
                let (chain, key) = certificate(&config.quic)?;
                let fingerprint = chain.first().map(|c| cert_sha256(c)).unwrap_or_default();
                if config.quic.webtransport && config.quic.cert.is_none() {
                    let provider = Arc::new(rustls::crypto::ring::default_provider());
                    let certs = WtCerts::new(config.quic.webtransport_cert_hours, provider)
                        .map_err(QuicError::SelfSigned)?;
                    wt_certs = Some(Arc::clone(&certs));
                    (QuicCert::Split(chain, key, certs), Some(fingerprint))
                } else {
                    (QuicCert::Own(chain, key), Some(fingerprint))
                }
            }
        };
        let server = server_config(config, cert)?;
        let explicit = config.quic.addr;
        let addr = explicit.unwrap_or(http);
        let endpoint = match Endpoint::server(server.clone(), addr) {
            Ok(endpoint) => endpoint,
            // HTTP chose its port itself: the same UDP port number is only a
            // convenience, any free one will do (clients learn it from the lobby).
            Err(_) if explicit.is_none() && config.http.port() == 0 => {
                let any = SocketAddr::new(addr.ip(), 0);
                Endpoint::server(server, any)
                    .map_err(|source| QuicError::Bind { addr: any, source })?
            }
            Err(source) => return Err(QuicError::Bind { addr, source }),
        };
        let port = endpoint
            .local_addr()
            .map_err(|source| QuicError::Bind { addr, source })?
            .port();
        let info = QuicInfo {
            port,
            cert_sha256: fingerprint,
        };
        let webtransport = config.quic.webtransport.then_some(WebTransportOffer {
            port,
            certs: wt_certs,
        });
        Ok(QuicEndpoint {
            endpoint,
            info,
            webtransport,
            limiter: edge.limiter,
        })
    }

    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.endpoint.local_addr()
    }

    /// What the lobby announces to clients.
    pub fn info(&self) -> &QuicInfo {
        &self.info
    }

    /// What the lobby announces to browsers, when WebTransport is on.
    pub fn webtransport(&self) -> Option<&WebTransportOffer> {
        self.webtransport.as_ref()
    }

    /// Accept players until the server shuts down; then close the endpoint once its
    /// sessions said goodbye (bounded).
    pub async fn serve(self, state: ServerCtx) {
        let live = Arc::new(AtomicUsize::new(0));
        let stop = state.shutdown.clone();
        if let Some(certs) = self.webtransport.as_ref().and_then(|w| w.certs.clone()) {
            tokio::spawn(certs.run(stop.clone()));
        }
        loop {
            let incoming = tokio::select! {
                _ = stop.cancelled() => break,
                incoming = self.endpoint.accept() => match incoming {
                    Some(incoming) => incoming,
                    None => break,
                },
            };
            if live.load(Ordering::Relaxed) >= state.config.quic.max_connections {
                tracing::warn!(peer = %incoming.remote_address(), "quic: connection limit reached");
                incoming.refuse();
                continue;
            }
            let Some(permit) = self.limiter.try_acquire(incoming.remote_address().ip()) else {
                state.metrics.edge.quic_connections_refused.inc();
                incoming.refuse();
                continue;
            };
            let guard = LiveGuard::new(Arc::clone(&live));
            let state = state.clone();
            tokio::spawn(async move {
                let _guard = guard;
                let _permit = permit;
                let hello = crate::config::secs(state.config.hello_timeout_secs);
                let deadline = tokio::time::Instant::now() + hello;
                let Ok(Ok(conn)) = tokio::time::timeout_at(deadline, incoming).await else {
                    return;
                };
                if super::webtransport::is_h3(&conn) {
                    super::webtransport::serve(conn, deadline, state).await;
                    return;
                }
                let first = tokio::time::timeout(hello, conn.accept_bi()).await;
                let Ok(Ok((send, recv))) = first else {
                    conn.close(
                        VarInt::from_u32(close::GOING_AWAY.into()),
                        b"no control stream",
                    );
                    return;
                };
                let snapshots = state.metrics.quic_snapshots.clone();
                let conn_handle = conn.clone();
                let link = QuicLink::new(conn, send, recv, &state.config, snapshots);
                let strays = tokio::spawn(refuse_stray_streams(conn_handle, state.clone()));
                Session::start(link, Entry::FromHello, state).await;
                strays.abort();
            });
        }
        for _ in 0..40 {
            if live.load(Ordering::Relaxed) == 0 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let reason = b"server shutting down";
        self.endpoint
            .close(VarInt::from_u32(close::GOING_AWAY.into()), reason);
        let _ = tokio::time::timeout(Duration::from_secs(1), self.endpoint.wait_idle()).await;
    }
}

/// A native connection opens its control stream and nothing else: any further
/// stream closes it (1008), as a bad frame would.
async fn refuse_stray_streams(conn: quinn::Connection, state: ServerCtx) {
    let stray = tokio::select! {
        uni = conn.accept_uni() => uni.is_ok(),
        bi = conn.accept_bi() => bi.is_ok(),
    };
    if stray {
        state.metrics.frames_rejected.inc();
        conn.close(
            VarInt::from_u32(close::POLICY.into()),
            b"a native connection opens one stream",
        );
    }
}

/// Counts a live QUIC connection for the connection limit.
struct LiveGuard(Arc<AtomicUsize>);

impl LiveGuard {
    fn new(live: Arc<AtomicUsize>) -> LiveGuard {
        live.fetch_add(1, Ordering::Relaxed);
        LiveGuard(live)
    }
}

impl Drop for LiveGuard {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}
