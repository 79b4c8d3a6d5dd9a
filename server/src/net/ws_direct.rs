//! The write side of a player's WebSocket on a plain HTTP/1 connection the edge
//! took over ([`super::ws_taken`]), shared by two writers: the room, which writes
//! snapshots straight to the socket at its send tick ([`WsDirect`], a
//! [`DirectSocket`]), and the session, whose WebSocket (tungstenite) writes
//! everything else (the `Welcome`, pongs, events, closes, and the snapshots the
//! room could not write).
//!
//! The two never cut into each other's frames: the socket only ever holds whole
//! frames, plus at most one rest. A write of either writer that the socket takes in
//! part keeps the rest of its frame ([`SharedSocket`]'s `rest`, a copy of those
//! bytes alone), and nothing else is written before that rest: the room then
//! leaves its snapshots to the session (latest wins), and the session's next write
//! or flush finishes the rest first. The room's write of a snapshot is one
//! vectored, non-blocking write of the frame header, the player's head and the body
//! it shares with every player of its baseline (never copied per player).
//!
//! The read side is [`super::ws_read`]: given it, the same [`WsDirect`] lets the
//! room read the player's inputs at its tick.

use super::input_gate::SharedGate;
use super::read_source::Source;
use super::ws_read::ReadSide;
use crate::metrics::TransportMetrics;
use crate::room::SnapshotFrame;
use crate::room::direct::{DirectSocket, DirectWrite};
use crate::spectators::direct::Sink;
use bytes::{Buf, Bytes, BytesMut};
use prometheus_client::metrics::counter::Counter;
use std::io::{self, IoSlice};
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll, ready};
use tickcast_shared::codec::snapshot_head;

/// A socket both writers share.
pub struct SharedSocket<S> {
    sink: S,
    side: Mutex<Side>,
}

#[derive(Default)]
struct Side {
    /// The rest of a frame the socket took in part: written before anything else.
    rest: Bytes,
    /// The session is closing (or gone): the room writes nothing more.
    closing: bool,
}

impl<S: Sink> SharedSocket<S> {
    pub fn new(sink: S) -> SharedSocket<S> {
        SharedSocket {
            sink,
            side: Mutex::new(Side::default()),
        }
    }

    /// The socket itself (for reads, which only the session does).
    pub fn sink(&self) -> &S {
        &self.sink
    }

    fn side(&self) -> MutexGuard<'_, Side> {
        // Nothing that holds the lock panics: a poisoned lock is still consistent.
        self.side.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// From now on the room writes nothing (the session writes its close).
    pub fn stop_direct(&self) {
        self.side().closing = true;
    }

    /// The room's write: all of `parts` as one frame, or nothing when the socket is
    /// full, a rest waits, or the session is closing.
    fn try_frame(&self, parts: [&[u8]; 3]) -> DirectWrite {
        let mut side = self.side();
        if side.closing {
            return DirectWrite::Closed;
        }
        if !side.rest.is_empty() {
            return DirectWrite::Refused;
        }
        let total: usize = parts.iter().map(|p| p.len()).sum();
        let slices = parts.map(IoSlice::new);
        let written = loop {
            match self.sink.try_write_vectored(&slices) {
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                other => break other,
            }
        };
        match written {
            Ok(n) if n == total => DirectWrite::Written,
            Ok(0) => {
                side.closing = true;
                DirectWrite::Closed
            }
            Ok(n) => {
                side.rest = rest_of(&parts, n);
                DirectWrite::Partial
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => DirectWrite::Refused,
            Err(_) => {
                side.closing = true;
                DirectWrite::Closed
            }
        }
    }

    /// Write what the socket takes of the waiting rest: `Ok(true)` once none is left.
    fn finish_rest(&self, side: &mut Side) -> io::Result<bool> {
        while !side.rest.is_empty() {
            match self.sink.try_write(&side.rest) {
                Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
                Ok(n) => side.rest.advance(n),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(false),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(true)
    }

    /// The session's write: after the waiting rest, all of `buf` (what the socket
    /// does not take now becomes the rest), so the socket holds whole frames.
    pub fn poll_write(&self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        if buf.is_empty() {
            return Poll::Ready(Ok(0));
        }
        loop {
            {
                let mut side = self.side();
                if self.finish_rest(&mut side)? {
                    match self.sink.try_write(buf) {
                        Ok(0) => return Poll::Ready(Err(io::ErrorKind::WriteZero.into())),
                        Ok(n) => {
                            if n < buf.len() {
                                side.rest = Bytes::copy_from_slice(&buf[n..]);
                            }
                            return Poll::Ready(Ok(buf.len()));
                        }
                        Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                        Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                        Err(e) => return Poll::Ready(Err(e)),
                    }
                }
            }
            ready!(self.sink.poll_write_ready(cx))?;
        }
    }

    /// The session's write of one whole binary frame around `payload`, flushed,
    /// past tungstenite: its write buffer would keep the capacity of the largest
    /// frame it ever wrote (a `Welcome`, with the room's roster) for as long as the
    /// session lasts. The caller flushes what tungstenite holds first.
    pub async fn write_frame(&self, payload: &[u8]) -> io::Result<()> {
        let (header, used) = binary_frame_header(payload.len());
        let mut frame = Vec::with_capacity(used + payload.len());
        frame.extend_from_slice(&header[..used]);
        frame.extend_from_slice(payload);
        std::future::poll_fn(|cx| self.poll_write(cx, &frame)).await?;
        std::future::poll_fn(|cx| self.poll_flush(cx)).await
    }

    /// The session's flush: the waiting rest is written.
    pub fn poll_flush(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        loop {
            if self.finish_rest(&mut self.side())? {
                return Poll::Ready(Ok(()));
            }
            ready!(self.sink.poll_write_ready(cx))?;
        }
    }
}

/// The bytes of `parts` after the first `n`, in one buffer.
fn rest_of(parts: &[&[u8]], mut n: usize) -> Bytes {
    let mut rest = BytesMut::new();
    for part in parts {
        let skip = n.min(part.len());
        n -= skip;
        rest.extend_from_slice(&part[skip..]);
    }
    rest.freeze()
}

/// The header of an unmasked, final binary WebSocket frame of `len` bytes (what a
/// server sends; RFC 6455 section 5.2).
pub fn binary_frame_header(len: usize) -> ([u8; 10], usize) {
    let mut h = [0u8; 10];
    h[0] = 0x82;
    let used = if len < 126 {
        h[1] = len as u8;
        2
    } else if let Ok(short) = u16::try_from(len) {
        h[1] = 126;
        h[2..4].copy_from_slice(&short.to_be_bytes());
        4
    } else {
        h[1] = 127;
        h[2..10].copy_from_slice(&(len as u64).to_be_bytes());
        10
    };
    (h, used)
}

/// The room's writer of one player's snapshots, and its reader of the player's
/// inputs when given the socket's read side ([`WsDirect::reading`]).
pub struct WsDirect<S> {
    socket: Arc<SharedSocket<S>>,
    stats: TransportMetrics,
    /// `tickcast_ws_direct_snapshots_total`.
    direct: Counter,
    /// The socket's read side, the session's gate for inputs, and
    /// `tickcast_ws_direct_inputs_total`.
    read: Option<(Arc<ReadSide>, SharedGate, Counter)>,
}

impl<S> std::fmt::Debug for WsDirect<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("WsDirect")
    }
}

impl<S: Sink> WsDirect<S> {
    /// Counting bytes and delivery delays in the WebSocket series `stats`, and
    /// each snapshot written in `direct`.
    pub fn new(
        socket: Arc<SharedSocket<S>>,
        stats: TransportMetrics,
        direct: Counter,
    ) -> WsDirect<S> {
        WsDirect {
            socket,
            stats,
            direct,
            read: None,
        }
    }

    /// The room also reads the player's inputs, through `side`, judged by `gate`,
    /// counting each admitted one in `read`.
    pub fn reading(mut self, side: Arc<ReadSide>, gate: SharedGate, read: Counter) -> WsDirect<S> {
        self.read = Some((side, gate, read));
        self
    }
}

impl<S: Sink + Source> DirectSocket for WsDirect<S> {
    fn read_inputs(&self, inputs: &mut Vec<tickcast_shared::protocol::InputCmd>) {
        if let Some((side, gate, read)) = &self.read {
            let before = inputs.len();
            side.read_inputs(self.socket.sink(), gate, inputs);
            read.inc_by((inputs.len() - before) as u64);
        }
    }

    fn try_snapshot(&self, frame: &SnapshotFrame) -> DirectWrite {
        let head = snapshot_head(&frame.head, frame.body.len());
        let len = head.len() + frame.body.len();
        let (header, used) = binary_frame_header(len);
        let wrote = self.socket.try_frame([&header[..used], &head, &frame.body]);
        if matches!(wrote, DirectWrite::Written | DirectWrite::Partial) {
            self.direct.inc();
            self.stats.bytes_sent.inc_by(len as u64);
            if let Some(at) = frame.at {
                self.stats
                    .delivery_delay
                    .observe(at.elapsed().as_secs_f64());
            }
        }
        wrote
    }
}

#[cfg(test)]
#[path = "ws_direct_tests.rs"]
mod tests;
