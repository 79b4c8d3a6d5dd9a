//! The reading side of a QUIC link: background tasks feeding one bounded inbox.
//!
//! Three tasks per connection (and one per open snapshot stream) read what the server
//! sends and push it into an mpsc channel that [`crate::quic_link::QuicLink::recv`]
//! drains, so `recv` stays cancel-safe however many sources there are:
//!
//! - the control reader: length-prefixed envelopes on the bidirectional stream, each
//!   prefix checked with [`frame_len`] before a byte of the body is read. They wait
//!   for room in the inbox (`send().await`): the control stream is reliable and stays
//!   so. A prefix over the limit closes the connection with 1009. When the stream
//!   ends it reports how the connection ended.
//! - the datagram reader and the unidirectional-stream acceptor: snapshots, one
//!   envelope per datagram or per stream (`read_to_end` bounded by the limit), or a
//!   snapshot in datagram fragments, which the datagram reader reassembles
//!   ([`fragments::Reassembler`]: at most [`FRAGMENTED_IN_FLIGHT`] snapshots at once,
//!   each within the frame limit; a snapshot missing a fragment is given up when a
//!   newer one completes or needs its slot). They are offered with `try_send` and
//!   dropped (counted) when the inbox is full, as an unreliable transport may.
//!
//! Every task ends when the connection ends.

use crate::error::ClientError;
use bytes::Bytes;
use quinn::{ConnectionError, ReadError, ReadExactError, RecvStream, VarInt};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use tickcast_shared::quic::{FrameError, LEN_PREFIX, close, fragments, frame_len};
use tokio::sync::mpsc::{self, error::TrySendError};

/// Messages read but not yet taken by `recv`.
const INBOX: usize = 32;
/// Fragmented snapshots reassembled at once (a new one evicts the oldest).
pub const FRAGMENTED_IN_FLIGHT: usize = 4;
/// Most fragments per snapshot accepted (the server's `max_snapshot_fragments`
/// can be at most this).
pub const MAX_FRAGMENTS: u16 = 1024;
/// Time the server has to close the connection after ending its control stream.
const END_GRACE: Duration = Duration::from_secs(2);
/// Close code reported when a connection ends without a close (as WebSocket's 1006).
pub(crate) const ABNORMAL: u16 = 1006;

/// What the reading tasks hand to `recv`.
pub(crate) enum Incoming {
    /// One envelope: a control message or a snapshot.
    Envelope(Bytes),
    /// A snapshot stream or datagram over the limit; it was not read to its end.
    TooLarge { len: usize, max: usize },
    /// The control stream ended, and with it the connection.
    End(Ended),
}

/// How the connection ended.
#[derive(Debug, Clone)]
pub(crate) enum Ended {
    Closed { code: u16, reason: String },
    Lost(ConnectionError),
}

impl Ended {
    pub(crate) fn from_connection(e: ConnectionError) -> Ended {
        match e {
            ConnectionError::ApplicationClosed(c) => Ended::Closed {
                code: u16::try_from(c.error_code.into_inner()).unwrap_or(u16::MAX),
                reason: String::from_utf8_lossy(&c.reason).into_owned(),
            },
            other => Ended::Lost(other),
        }
    }

    pub(crate) fn to_error(&self) -> ClientError {
        match self {
            Ended::Closed { code, reason } => ClientError::Closed {
                code: *code,
                reason: reason.clone(),
            },
            Ended::Lost(e) => ClientError::Quic(e.clone()),
        }
    }
}

/// Counts shared with the reading tasks.
#[derive(Debug, Default)]
pub(crate) struct Counters {
    pub(crate) bytes: AtomicU64,
    pub(crate) frames: AtomicU64,
    pub(crate) dropped: AtomicU64,
    /// Snapshots reassembled from datagram fragments.
    pub(crate) reassembled: AtomicU64,
    /// Fragmented snapshots given up (a fragment lost) or fragments refused.
    pub(crate) fragments_lost: AtomicU64,
}

impl Counters {
    fn received(&self, len: usize) {
        self.frames.fetch_add(1, Ordering::Relaxed);
        self.bytes.fetch_add(len as u64, Ordering::Relaxed);
    }
}

/// Start the reading tasks of `conn`, whose control stream's receiving side is
/// `control`; returns the inbox and the counters they update.
pub(crate) fn spawn_readers(
    conn: &quinn::Connection,
    control: RecvStream,
    max_frame: usize,
) -> (mpsc::Receiver<Incoming>, Arc<Counters>) {
    let (tx, inbox) = mpsc::channel(INBOX);
    let counters = Arc::new(Counters::default());
    tokio::spawn(read_control(
        control,
        conn.clone(),
        tx.clone(),
        counters.clone(),
        max_frame,
    ));
    tokio::spawn(read_datagrams(
        conn.clone(),
        tx.clone(),
        counters.clone(),
        max_frame,
    ));
    tokio::spawn(accept_snapshot_streams(
        conn.clone(),
        tx,
        counters.clone(),
        max_frame,
    ));
    (inbox, counters)
}

/// Why the control reader stopped.
enum ControlEnd {
    Frame(FrameError),
    Read(ReadExactError),
}

async fn read_frame(recv: &mut RecvStream, max: usize) -> std::result::Result<Bytes, ControlEnd> {
    let mut prefix = [0u8; LEN_PREFIX];
    recv.read_exact(&mut prefix)
        .await
        .map_err(ControlEnd::Read)?;
    let len = frame_len(prefix, max).map_err(ControlEnd::Frame)?;
    let mut body = vec![0u8; len];
    recv.read_exact(&mut body).await.map_err(ControlEnd::Read)?;
    Ok(Bytes::from(body))
}

/// Read control messages into the inbox until the stream or the connection ends,
/// then report how it ended.
async fn read_control(
    mut recv: RecvStream,
    conn: quinn::Connection,
    tx: mpsc::Sender<Incoming>,
    counters: Arc<Counters>,
    max_frame: usize,
) {
    let end = loop {
        match read_frame(&mut recv, max_frame).await {
            Ok(body) => {
                counters.received(body.len());
                if tx.send(Incoming::Envelope(body)).await.is_err() {
                    return;
                }
            }
            Err(ControlEnd::Frame(e)) => {
                let code = match e {
                    FrameError::TooLarge { .. } => close::TOO_BIG,
                    FrameError::Empty => close::POLICY,
                };
                let reason = format!("server control message refused: {e}");
                conn.close(VarInt::from(u32::from(code)), reason.as_bytes());
                break Ended::Closed { code, reason };
            }
            Err(ControlEnd::Read(e)) => break stream_end(&conn, e).await,
        }
    };
    let _ = tx.send(Incoming::End(end)).await;
}

/// How the connection ended, given why the control stream could not be read.
async fn stream_end(conn: &quinn::Connection, e: ReadExactError) -> Ended {
    if let ReadExactError::ReadError(ReadError::ConnectionLost(e)) = e {
        return Ended::from_connection(e);
    }
    // The server finished or reset its side of the control stream: it closes the
    // connection next, or it broke the protocol.
    match tokio::time::timeout(END_GRACE, conn.closed()).await {
        Ok(e) => Ended::from_connection(e),
        Err(_) => {
            let reason = format!("the server ended its control stream ({e})");
            conn.close(VarInt::from(u32::from(close::POLICY)), reason.as_bytes());
            Ended::Closed {
                code: ABNORMAL,
                reason,
            }
        }
    }
}

/// Offer a snapshot to the inbox; false once `recv`'s side is gone.
fn offer(tx: &mpsc::Sender<Incoming>, item: Incoming, counters: &Counters) -> bool {
    match tx.try_send(item) {
        Ok(()) => true,
        Err(TrySendError::Full(_)) => {
            counters.dropped.fetch_add(1, Ordering::Relaxed);
            true
        }
        Err(TrySendError::Closed(_)) => false,
    }
}

/// Snapshots sent as datagrams, one envelope each or in fragments.
async fn read_datagrams(
    conn: quinn::Connection,
    tx: mpsc::Sender<Incoming>,
    counters: Arc<Counters>,
    max_frame: usize,
) {
    let mut reassembler =
        fragments::Reassembler::new(FRAGMENTED_IN_FLIGHT, MAX_FRAGMENTS, max_frame);
    while let Ok(datagram) = conn.read_datagram().await {
        if fragments::is_fragment(&datagram) {
            let lost = reassembler.lost;
            let done = reassembler.push(&datagram);
            let refused = u64::from(done.is_err());
            counters.fragments_lost.fetch_add(
                reassembler.lost.saturating_sub(lost) + refused,
                Ordering::Relaxed,
            );
            if let Ok(Some(envelope)) = done {
                counters.received(envelope.len());
                counters.reassembled.fetch_add(1, Ordering::Relaxed);
                if !offer(&tx, Incoming::Envelope(Bytes::from(envelope)), &counters) {
                    return;
                }
            }
            continue;
        }
        counters.received(datagram.len());
        let item = if datagram.len() > max_frame {
            Incoming::TooLarge {
                len: datagram.len(),
                max: max_frame,
            }
        } else {
            Incoming::Envelope(datagram)
        };
        if !offer(&tx, item, &counters) {
            return;
        }
    }
}

/// Snapshots too large for a datagram, one envelope per unidirectional stream. The
/// number of such streams open at once is bounded by the transport configuration.
async fn accept_snapshot_streams(
    conn: quinn::Connection,
    tx: mpsc::Sender<Incoming>,
    counters: Arc<Counters>,
    max_frame: usize,
) {
    while let Ok(stream) = conn.accept_uni().await {
        tokio::spawn(read_snapshot_stream(
            stream,
            tx.clone(),
            counters.clone(),
            max_frame,
        ));
    }
}

async fn read_snapshot_stream(
    mut stream: RecvStream,
    tx: mpsc::Sender<Incoming>,
    counters: Arc<Counters>,
    max_frame: usize,
) {
    let item = match stream.read_to_end(max_frame).await {
        Ok(body) => {
            counters.received(body.len());
            Incoming::Envelope(Bytes::from(body))
        }
        Err(quinn::ReadToEndError::TooLong) => {
            let _ = stream.stop(VarInt::from(u32::from(close::TOO_BIG)));
            counters.received(0);
            Incoming::TooLarge {
                // At least this much: the rest was never read.
                len: max_frame.saturating_add(1),
                max: max_frame,
            }
        }
        // Reset by the server (a stale keyframe) or the connection is gone.
        Err(quinn::ReadToEndError::Read(_)) => return,
    };
    offer(&tx, item, &counters);
}
