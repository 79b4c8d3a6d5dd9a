//! The QUIC link: the wire format of [`tickcast_shared::quic`] on a quinn connection.
//!
//! After the handshake (ALPN [`tickcast_shared::quic::ALPN`], the server certificate
//! pinned by [`crate::cert_pin`]) the client opens one bidirectional control stream.
//! Every [`ClientMsg`] goes out on it as a length-prefixed envelope, except
//! `ClientMsg::Inputs` (the newest few inputs), which goes as one datagram. Everything the
//! server sends (control messages on the same stream, snapshots as datagrams or on
//! one-envelope unidirectional streams) is read by the tasks of
//! [`crate::quic_inbox`] into one bounded inbox, which [`QuicLink::recv`] drains, so
//! `recv` is cancel-safe. An application close by the server becomes
//! [`ClientError::Closed`] with its code and reason; a connection lost otherwise is
//! [`ClientError::Quic`].

use crate::cert_pin::QuicTrust;
use crate::connection::decode_envelope;
use crate::error::{ClientError, Result};
use crate::quic_inbox::{ABNORMAL, Counters, Ended, Incoming, spawn_readers};
use quinn::{ConnectionError, Endpoint, SendStream, VarInt};
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;
use tickcast_shared::codec::encode_client;
use tickcast_shared::protocol::{ClientMsg, ServerMsg};
use tickcast_shared::quic::{close, frame};
use tokio::sync::mpsc;

/// Server name presented in the TLS handshake when the certificate is pinned (then
/// it is not checked); a verified certificate is checked against the lobby's host.
const SERVER_NAME: &str = "localhost";
/// Time allowed, on close, for the server to acknowledge what was sent, and then for
/// the close to go out.
const FLUSH_TIMEOUT: Duration = Duration::from_millis(500);

/// One QUIC connection to a tickcast server, with its control stream open.
pub struct QuicLink {
    endpoint: Endpoint,
    conn: quinn::Connection,
    control: SendStream,
    inbox: mpsc::Receiver<Incoming>,
    ended: Option<Ended>,
    counters: Arc<Counters>,
    max_frame: usize,
}

impl std::fmt::Debug for QuicLink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("QuicLink")
            .field("remote", &self.conn.remote_address())
            .field("max_frame", &self.max_frame)
            .field("ended", &self.ended)
            .finish_non_exhaustive()
    }
}

impl QuicLink {
    /// Connect to `addr` within `timeout`, trusting its certificate as `trust` says,
    /// open the control stream and start the reading tasks.
    pub async fn open(
        addr: SocketAddr,
        trust: &QuicTrust,
        max_frame: usize,
        timeout: Duration,
    ) -> Result<QuicLink> {
        let config = trust.client_config()?;
        let server_name = trust.server_name().unwrap_or(SERVER_NAME);
        let bind: SocketAddr = if addr.is_ipv4() {
            (Ipv4Addr::UNSPECIFIED, 0).into()
        } else {
            (Ipv6Addr::UNSPECIFIED, 0).into()
        };
        let mut endpoint = Endpoint::client(bind)
            .map_err(|e| ClientError::QuicSetup(format!("UDP socket on {bind}: {e}")))?;
        endpoint.set_default_client_config(config);
        let connect = async {
            let connecting = endpoint
                .connect(addr, server_name)
                .map_err(|e| ClientError::QuicSetup(format!("connect to {addr}: {e}")))?;
            let conn = connecting
                .await
                .map_err(|e| Ended::from_connection(e).to_error())?;
            let (send, recv) = conn
                .open_bi()
                .await
                .map_err(|e| Ended::from_connection(e).to_error())?;
            Ok::<_, ClientError>((conn, send, recv))
        };
        let (conn, control, recv) =
            tokio::time::timeout(timeout, connect)
                .await
                .map_err(|_| ClientError::Timeout {
                    what: "quic connect",
                    after: timeout,
                })??;
        let (inbox, counters) = spawn_readers(&conn, recv, max_frame);
        Ok(QuicLink {
            endpoint,
            conn,
            control,
            inbox,
            ended: None,
            counters,
            max_frame,
        })
    }

    /// Send one message (not cancel-safe): `Inputs` as a datagram when it fits,
    /// everything else (and inputs when datagrams are unavailable) on the control
    /// stream.
    pub async fn send(&mut self, msg: &ClientMsg) -> Result<()> {
        if let Some(end) = &self.ended {
            return Err(end.to_error());
        }
        let envelope = encode_client(msg);
        if matches!(msg, ClientMsg::Inputs(_))
            && self
                .conn
                .max_datagram_size()
                .is_some_and(|max| envelope.len() <= max)
        {
            match self.conn.send_datagram(envelope.clone().into()) {
                Ok(()) => return Ok(()),
                Err(quinn::SendDatagramError::ConnectionLost(e)) => {
                    return Err(Ended::from_connection(e).to_error());
                }
                // Datagrams turned off or the path shrank: the stream carries it.
                Err(_) => {}
            }
        }
        self.control
            .write_all(&frame(&envelope))
            .await
            .map_err(|e| match e {
                quinn::WriteError::ConnectionLost(e) => Ended::from_connection(e).to_error(),
                other => ClientError::Closed {
                    code: ABNORMAL,
                    reason: format!("control stream: {other}"),
                },
            })
    }

    /// The next server message from any source. Cancel-safe.
    ///
    /// An envelope that is too large or does not decode is a recoverable error; the end
    /// of the connection is [`ClientError::Closed`] (or [`ClientError::Quic`] when it
    /// was lost without a close), and stays so on later calls.
    pub async fn recv(&mut self) -> Result<ServerMsg> {
        if let Some(end) = &self.ended {
            return Err(end.to_error());
        }
        let end = match self.inbox.recv().await {
            Some(Incoming::Envelope(bytes)) => return decode_envelope(&bytes, self.max_frame),
            Some(Incoming::TooLarge { len, max }) => {
                return Err(ClientError::FrameTooLarge { len, max });
            }
            Some(Incoming::End(end)) => end,
            // Every task is gone without a word: only the connection's end is left.
            None => self.conn.close_reason().map_or_else(
                || Ended::Lost(ConnectionError::LocallyClosed),
                Ended::from_connection,
            ),
        };
        let err = end.to_error();
        self.ended = Some(end);
        Err(err)
    }

    /// Finish the control stream, give the server a moment to acknowledge it (so a
    /// `Leave` sent just before is delivered), then close the connection with code
    /// 1000 and `reason`, and let the close go out.
    pub async fn close(&mut self, reason: &str) {
        if self.control.finish().is_ok() {
            let _ = tokio::time::timeout(FLUSH_TIMEOUT, self.control.stopped()).await;
        }
        self.conn
            .close(VarInt::from(u32::from(close::NORMAL)), reason.as_bytes());
        let _ = tokio::time::timeout(FLUSH_TIMEOUT, self.endpoint.wait_idle()).await;
    }

    /// Bytes of envelopes received so far (no length prefixes, no QUIC framing).
    pub fn bytes_received(&self) -> u64 {
        self.counters.bytes.load(Ordering::Relaxed)
    }

    /// Envelopes received so far (including snapshots dropped for a full inbox).
    pub fn frames_received(&self) -> u64 {
        self.counters.frames.load(Ordering::Relaxed)
    }

    /// Snapshots dropped because `recv` was not keeping up.
    pub fn snapshots_dropped(&self) -> u64 {
        self.counters.dropped.load(Ordering::Relaxed)
    }

    /// Snapshots reassembled from datagram fragments so far.
    pub fn snapshots_reassembled(&self) -> u64 {
        self.counters.reassembled.load(Ordering::Relaxed)
    }

    /// Fragmented snapshots given up (a fragment lost) plus fragments refused.
    pub fn fragments_lost(&self) -> u64 {
        self.counters.fragments_lost.load(Ordering::Relaxed)
    }

    /// The message size limit.
    pub fn max_frame(&self) -> usize {
        self.max_frame
    }
}

impl Drop for QuicLink {
    fn drop(&mut self) {
        // The reading tasks hold the connection too: end it so they end (a no-op
        // after `close`).
        self.conn.close(
            VarInt::from(u32::from(close::GOING_AWAY)),
            b"client dropped the connection",
        );
    }
}
