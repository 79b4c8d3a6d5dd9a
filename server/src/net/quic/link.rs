//! One QUIC connection (native or WebTransport: any [`Carrier`]) as a session
//! [`Link`]: the control stream both ways, inputs
//! in from datagrams (`ClientMsg::Inputs`, each carrying the newest few), and
//! snapshots out as datagrams: one whole, or split into datagram fragments when
//! larger than a datagram (`tickcast_shared::quic::fragments`); a one-shot
//! unidirectional stream only when datagrams are off or too many fragments are needed.

use super::carrier::{Carrier, DatagramRefused};
use crate::config::Config;
use crate::metrics::QuicSnapshotMetrics;
use crate::net::session::{Incoming, Link, LinkDown};
use bytes::Bytes;
use std::time::Duration;
use tickcast_shared::codec::decode_client;
use tickcast_shared::protocol::ClientMsg;
use tickcast_shared::quic::{FrameError, LEN_PREFIX, close, fragments, frame_len, len_prefix};
use tokio::io::AsyncReadExt;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

/// A player's QUIC connection.
pub struct QuicLink<C: Carrier> {
    conn: C,
    control: C::Writer,
    /// Decoded control messages from the reader task (bounded: the reader waits,
    /// and QUIC flow control holds the peer back).
    inbox: mpsc::Receiver<Incoming>,
    reader: JoinHandle<()>,
    datagrams: JoinHandle<()>,
    /// Sequence number of the next fragmented snapshot on this connection.
    next_seq: u32,
    max_fragments: u16,
    /// How long a close may take to reach the peer (the code and reason after what
    /// was queued before them) before the connection is let go
    /// (`[quic] close_linger_secs`).
    close_linger: Duration,
    metrics: QuicSnapshotMetrics,
}

impl<C: Carrier> QuicLink<C> {
    pub fn new(
        conn: C,
        control: C::Writer,
        recv: C::Reader,
        config: &Config,
        metrics: QuicSnapshotMetrics,
    ) -> Self {
        let (tx, inbox) = mpsc::channel(config.quic.read_queue.max(1));
        let datagrams = tokio::spawn(read_datagrams(
            conn.clone(),
            tx.clone(),
            config.max_frame_bytes,
        ));
        let reader = tokio::spawn(read_control(recv, tx, config.max_frame_bytes));
        QuicLink {
            conn,
            control,
            inbox,
            reader,
            datagrams,
            next_seq: 0,
            max_fragments: config.quic.max_snapshot_fragments,
            close_linger: crate::config::secs(config.quic.close_linger_secs),
            metrics,
        }
    }
}

impl<C: Carrier> Drop for QuicLink<C> {
    fn drop(&mut self) {
        self.reader.abort();
        self.datagrams.abort();
        // A no-op when the session closed the connection already; otherwise the
        // session ended because the connection failed or could not keep up.
        if !self.conn.is_closed() {
            tracing::debug!(peer = %self.conn.peer(), "quic: connection lost or too slow");
            self.conn
                .close(close::GOING_AWAY, b"connection lost or too slow");
            // A handle lives on until the close went out (see `Carrier::close`).
            if let Ok(runtime) = tokio::runtime::Handle::try_current() {
                let (conn, linger) = (self.conn.clone(), self.close_linger);
                runtime.spawn(async move {
                    let _ = tokio::time::timeout(linger, conn.closed()).await;
                });
            }
        }
    }
}

/// Read length-prefixed client messages until the stream ends or a frame is bad
/// (which is the last thing the session hears from this reader).
async fn read_control(
    mut recv: impl tokio::io::AsyncRead + Unpin,
    tx: mpsc::Sender<Incoming>,
    max: usize,
) {
    let mut body = Vec::new();
    loop {
        let mut prefix = [0u8; LEN_PREFIX];
        if recv.read_exact(&mut prefix).await.is_err() {
            let _ = tx.send(Incoming::Gone).await;
            return;
        }
        let len = match frame_len(prefix, max) {
            Ok(len) => len,
            Err(e) => {
                let code = match e {
                    FrameError::TooLarge { .. } => close::TOO_BIG,
                    FrameError::Empty => close::POLICY,
                };
                let _ = tx
                    .send(Incoming::Bad(code, format!("bad frame: {e}")))
                    .await;
                return;
            }
        };
        body.resize(len, 0);
        if recv.read_exact(&mut body).await.is_err() {
            let _ = tx.send(Incoming::Gone).await;
            return;
        }
        let item = match decode_client(&body, max) {
            Ok(msg) => Incoming::Msg(msg),
            Err(e) => Incoming::Bad(close::POLICY, format!("bad message: {e}")),
        };
        let last = matches!(item, Incoming::Bad(..));
        if tx.send(item).await.is_err() || last {
            return;
        }
    }
}

/// Read input datagrams until the connection ends: each must be one envelope holding
/// `ClientMsg::Inputs` (or a single `Input`); anything else is the last thing the
/// session hears from this reader (a bad frame closes the connection).
async fn read_datagrams(conn: impl Carrier, tx: mpsc::Sender<Incoming>, max: usize) {
    while let Some(bytes) = conn.read_datagram().await {
        let item = if bytes.len() > max {
            Incoming::Bad(close::TOO_BIG, format!("datagram of {} bytes", bytes.len()))
        } else {
            match decode_client(&bytes, max) {
                Ok(msg @ (ClientMsg::Inputs(_) | ClientMsg::Input(_))) => Incoming::Msg(msg),
                Ok(_) => Incoming::Bad(close::POLICY, "a datagram holds inputs only".into()),
                Err(e) => Incoming::Bad(close::POLICY, format!("bad datagram: {e}")),
            }
        };
        let last = matches!(item, Incoming::Bad(..));
        // A full inbox drops the datagram: inputs are unreliable, the next ones
        // carry them again.
        match tx.try_send(item) {
            Err(mpsc::error::TrySendError::Closed(_)) => return,
            Err(mpsc::error::TrySendError::Full(Incoming::Bad(code, reason))) => {
                let _ = tx.send(Incoming::Bad(code, reason)).await;
                return;
            }
            _ if last => return,
            _ => {}
        }
    }
}

impl<C: Carrier> QuicLink<C> {
    /// A snapshot datagrams cannot carry: one envelope on its own stream.
    async fn send_on_stream(&mut self, bytes: Bytes) -> Result<(), LinkDown> {
        self.metrics.streams.inc();
        let mut stream = self.conn.open_uni().await.ok_or(LinkDown)?;
        if !C::write_chunks(&mut stream, &mut [bytes]).await || !C::finish(&mut stream) {
            return Err(LinkDown);
        }
        Ok(())
    }

    /// A snapshot larger than one datagram as datagram fragments. `Ok(false)` when
    /// it cannot go that way (too many fragments, or the datagram size shrank
    /// midway: the fragments already sent are useless alone, as after a loss).
    fn send_fragments(&mut self, bytes: &[u8], max: usize) -> Result<bool, LinkDown> {
        let seq = self.next_seq;
        let Ok(parts) = fragments::split(seq, bytes, max, self.max_fragments) else {
            return Ok(false);
        };
        self.next_seq = seq.wrapping_add(1);
        for part in parts {
            match self.conn.send_datagram(Bytes::from(part)) {
                Ok(()) => {
                    self.metrics.fragments.inc();
                }
                Err(DatagramRefused::Lost) => return Err(LinkDown),
                Err(DatagramRefused::Unusable) => return Ok(false),
            }
        }
        self.metrics.fragmented.inc();
        Ok(true)
    }
}

impl<C: Carrier> Link for QuicLink<C> {
    const TRANSPORT: crate::metrics::Transport = C::TRANSPORT;

    /// Length prefix, then the envelope itself (no copy into a framed buffer).
    async fn send(&mut self, bytes: Bytes) -> Result<(), LinkDown> {
        let prefix = Bytes::copy_from_slice(&len_prefix(bytes.len()));
        if C::write_chunks(&mut self.control, &mut [prefix, bytes]).await {
            Ok(())
        } else {
            Err(LinkDown)
        }
    }

    /// Datagrams are unreliable: the client's `last_snapshot` acknowledges.
    async fn send_snapshot(&mut self, bytes: Bytes) -> Result<bool, LinkDown> {
        if let Some(max) = self.conn.max_datagram_size() {
            if bytes.len() <= max {
                match self.conn.send_datagram(bytes.clone()) {
                    Ok(()) => {
                        self.metrics.datagrams.inc();
                        return Ok(false);
                    }
                    Err(DatagramRefused::Lost) => return Err(LinkDown),
                    // Too large after all (the path MTU shrank), or datagrams off:
                    // the snapshot goes on a stream instead.
                    Err(DatagramRefused::Unusable) => {}
                }
            } else if self.send_fragments(&bytes, max)? {
                return Ok(false);
            }
        }
        self.send_on_stream(bytes).await.map(|()| false)
    }

    async fn recv(&mut self) -> Incoming {
        self.inbox.recv().await.unwrap_or(Incoming::Gone)
    }

    /// QUIC measures the round-trip time itself.
    async fn ping(&mut self, _nonce: u64) -> Result<Option<Duration>, LinkDown> {
        if self.conn.is_closed() {
            Err(LinkDown)
        } else {
            Ok(Some(self.conn.rtt()))
        }
    }

    /// Finish the control stream, give the peer a moment to read what is queued
    /// (an `Error` before a close must arrive), then close with the code and wait
    /// (bounded) until the close went out: a WebTransport session's code and reason
    /// travel in a capsule its handle must outlive, and the server's shutdown waits
    /// for this before it closes the endpoint.
    async fn close(&mut self, code: u16, reason: &str) {
        if C::finish(&mut self.control) {
            let _ = tokio::time::timeout(self.close_linger, C::stopped(&mut self.control)).await;
        }
        self.conn.close(code, reason.as_bytes());
        if tokio::time::timeout(self.close_linger, self.conn.closed())
            .await
            .is_err()
        {
            tracing::debug!(peer = %self.conn.peer(), code, "quic: the close was not acknowledged in time");
        }
    }
}
