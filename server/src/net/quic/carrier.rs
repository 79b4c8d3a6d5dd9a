//! What a QUIC player link runs on: a native quinn connection (ALPN `tickcast/1`) or
//! a WebTransport session (HTTP/3, browsers) on the same endpoint. [`Carrier`] is the
//! little the player link ([`super::link::QuicLink`]) needs from either: datagrams,
//! a one-shot unidirectional stream, the round-trip time and a close with a code.
//! The protocol on top is the same for both (see `tickcast_shared::quic`).

use crate::metrics::Transport;
use bytes::Bytes;
use quinn::{SendDatagramError, VarInt};
use std::net::SocketAddr;
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite};

/// A datagram that did not go out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DatagramRefused {
    /// The connection is gone.
    Lost,
    /// Too large after all, or datagrams are off: send it another way.
    Unusable,
}

/// One QUIC connection under a player session (cheap to clone: a handle).
pub trait Carrier: Clone + Send + Sync + 'static {
    /// Which transport this is (the `transport` label in /metrics).
    const TRANSPORT: Transport;
    /// The sending half of a stream (control, or a one-shot snapshot stream).
    type Writer: AsyncWrite + Unpin + Send + 'static;
    /// The receiving half of the control stream.
    type Reader: AsyncRead + Unpin + Send + 'static;

    fn peer(&self) -> SocketAddr;
    /// Largest datagram payload the peer accepts now; `None` when datagrams are off.
    fn max_datagram_size(&self) -> Option<usize>;
    fn send_datagram(&self, bytes: Bytes) -> Result<(), DatagramRefused>;
    /// The next datagram from the peer; `None` once the connection ended.
    fn read_datagram(&self) -> impl Future<Output = Option<Bytes>> + Send;
    fn open_uni(&self) -> impl Future<Output = Option<Self::Writer>> + Send;
    /// Write all `chunks` in order (no copy); false when the stream failed.
    fn write_chunks(
        stream: &mut Self::Writer,
        chunks: &mut [Bytes],
    ) -> impl Future<Output = bool> + Send;
    /// End the stream; false when it was already gone.
    fn finish(stream: &mut Self::Writer) -> bool;
    /// Until the peer has read (or stopped) the finished stream.
    fn stopped(stream: &mut Self::Writer) -> impl Future<Output = ()> + Send;
    fn close(&self, code: u16, reason: &[u8]);
    /// Until the connection is closed for good: after [`Carrier::close`], once the
    /// goodbye was delivered (or given up). Unbounded: callers bound it.
    fn closed(&self) -> impl Future<Output = ()> + Send;
    fn is_closed(&self) -> bool;
    fn rtt(&self) -> Duration;
}

/// The [`Carrier`] methods both connections implement alike, by methods of the same
/// names on `$conn` and on its streams (which share no trait to write them against).
macro_rules! datagram_and_stream_methods {
    ($conn:ty) => {
        async fn read_datagram(&self) -> Option<Bytes> {
            <$conn>::read_datagram(self).await.ok()
        }

        async fn open_uni(&self) -> Option<Self::Writer> {
            <$conn>::open_uni(self).await.ok()
        }

        async fn write_chunks(stream: &mut Self::Writer, chunks: &mut [Bytes]) -> bool {
            stream.write_all_chunks(chunks).await.is_ok()
        }

        fn finish(stream: &mut Self::Writer) -> bool {
            stream.finish().is_ok()
        }

        async fn stopped(stream: &mut Self::Writer) {
            let _ = stream.stopped().await;
        }
    };
}

impl Carrier for quinn::Connection {
    const TRANSPORT: Transport = Transport::Quic;
    type Writer = quinn::SendStream;
    type Reader = quinn::RecvStream;

    fn peer(&self) -> SocketAddr {
        self.remote_address()
    }

    fn max_datagram_size(&self) -> Option<usize> {
        quinn::Connection::max_datagram_size(self)
    }

    fn send_datagram(&self, bytes: Bytes) -> Result<(), DatagramRefused> {
        quinn::Connection::send_datagram(self, bytes).map_err(|e| match e {
            SendDatagramError::ConnectionLost(_) => DatagramRefused::Lost,
            _ => DatagramRefused::Unusable,
        })
    }

    datagram_and_stream_methods!(quinn::Connection);

    fn close(&self, code: u16, reason: &[u8]) {
        quinn::Connection::close(self, VarInt::from_u32(code.into()), reason);
    }

    async fn closed(&self) {
        let _ = quinn::Connection::closed(self).await;
    }

    fn is_closed(&self) -> bool {
        self.close_reason().is_some()
    }

    fn rtt(&self) -> Duration {
        quinn::Connection::rtt(self)
    }
}

impl Carrier for web_transport_quinn::Session {
    const TRANSPORT: Transport = Transport::WebTransport;
    type Writer = web_transport_quinn::SendStream;
    type Reader = web_transport_quinn::RecvStream;

    fn peer(&self) -> SocketAddr {
        self.remote_address()
    }

    /// The payload after the session's datagram header (0 means off).
    fn max_datagram_size(&self) -> Option<usize> {
        Some(web_transport_quinn::Session::max_datagram_size(self)).filter(|max| *max > 0)
    }

    fn send_datagram(&self, bytes: Bytes) -> Result<(), DatagramRefused> {
        use web_transport_quinn::SessionError;
        web_transport_quinn::Session::send_datagram(self, bytes).map_err(|e| match e {
            SessionError::SendDatagramError(
                SendDatagramError::TooLarge
                | SendDatagramError::Disabled
                | SendDatagramError::UnsupportedByPeer,
            ) => DatagramRefused::Unusable,
            _ => DatagramRefused::Lost,
        })
    }

    datagram_and_stream_methods!(web_transport_quinn::Session);

    /// A `CloseWebTransportSession` capsule with the code and reason (the browser's
    /// `WebTransport.closed` sees both), then the connection closes. Both happen in
    /// a task of the crate's: the capsule reaches the browser only if a handle of
    /// the session lives until [`Carrier::closed`] (the last handle's drop ends the
    /// HTTP/3 control stream, which browsers take for a lost connection).
    fn close(&self, code: u16, reason: &[u8]) {
        web_transport_quinn::Session::close(self, code.into(), reason);
    }

    /// The capsule was delivered and the connection closed (the crate closes it
    /// itself a few round trips after the capsule at the latest).
    async fn closed(&self) {
        let _ = web_transport_quinn::Session::closed(self).await;
    }

    fn is_closed(&self) -> bool {
        self.close_reason().is_some()
    }

    fn rtt(&self) -> Duration {
        let conn: &quinn::Connection = self;
        conn.rtt()
    }
}
