//! The read side of a player's taken-over WebSocket ([`super::ws_taken`]), shared by
//! two readers: the room, which reads the socket itself at its tick and hands the
//! player's inputs straight to its core ([`ReadSide::read_inputs`], through
//! [`crate::room::direct::DirectSocket`]), and the session's tungstenite, which reads
//! everything else. A player's inputs then cost no wake of its session: the room
//! makes one non-blocking read per socket per tick, as the spectators' writer makes
//! one write.
//!
//! The room reads a socket only when its [`ReadMark`] is set: when reading was just
//! handed to it, and when data arrived, which the room's own poller tells it when
//! it asks at its tick, so that an input wakes no thread at all (the socket is then
//! out of tokio's read interest, see `super::taken_socket`); where there is no such
//! poller, tokio's reactor sets the mark (registered as the socket's read waker)
//! without waking any task. A player who sends nothing costs the room's tick
//! nothing; a read that drains the socket (a short read) ends its reading, so an
//! input costs one `read`. While the room's poller watches the socket and reading
//! is the session's, tungstenite that finds nothing waits for the room to wake it
//! at the tick that sees data.
//!
//! Who reads is a small state machine (`Reading`). While the room reads, the
//! session waits on [`ReadSide::poll_hand_back`], not on the socket. The room takes
//! only what it can judge alone: whole, single, masked binary frames holding
//! `Input` or `Inputs`, judged by the connection's [`super::input_gate::InputGate`] (the session's own,
//! so rate, repeats and shape are one account). Anything else hands reading back:
//! another message it decoded (a `Ping`, `Leave`, a refusal with its close code and
//! reason) is given to the session as that [`Incoming`]; any other frame (text,
//! control, fragments, over the size limit) and the end of the stream are left
//! unread for tungstenite, which judges them as before.
//!
//! The two never read into each other's frames: tungstenite is given bytes up to
//! the end of the frame it is in, never beyond ([`ReadSide::poll_read`]), so when it
//! returns a message nothing of the next frame sits in its buffer, and the room only
//! starts at a frame's start outside a fragmented message. Bytes read and not yet
//! taken wait in a buffer bounded by the frame limit plus one read.

use super::input_gate::SharedGate;
use super::read_source::Source;
use super::session::Incoming;
use super::ws::binary_frame;
use super::ws_frame_head::{FrameHead, unmask};
use crate::room::ready::ReadMark;
use bytes::{Buf, BytesMut};
use std::io;
use std::sync::{Mutex, MutexGuard};
use std::task::{Context, Poll, Waker, ready};
use std::time::Instant;
use tickcast_shared::protocol::{ClientMsg, InputCmd};
use tickcast_shared::quic::close;

/// Bytes the room reads from one socket at once (on its stack).
const READ_CHUNK: usize = 2048;
/// Reads of one socket in one tick, at most: the rest waits for the next tick.
const READS_PER_TICK: usize = 4;

/// Who reads the socket now.
#[derive(Debug)]
enum Reading {
    /// Before the player is seated, and after its session took reading back for
    /// good (its close): tungstenite alone.
    Session,
    /// The room handed back a frame it left unread: tungstenite reads until it
    /// returns a message.
    Tungstenite,
    /// The session read a message and may hand reading to the room when it next
    /// waits for one.
    SessionMayHandOver,
    /// The room reads at its tick; the session waits for it to hand back.
    Room,
    /// The room handed back: with a message it decoded (`Some`), or leaving the
    /// next frame for tungstenite (`None`).
    HandedBack(Option<Incoming>),
}

#[derive(Debug)]
struct ReadState {
    reading: Reading,
    /// Read from the socket, not yet taken by either reader.
    buf: BytesMut,
    /// Bytes of the frame tungstenite is in that it has not been given yet.
    frame_left: u64,
    /// A fragmented message is unfinished (its frames are tungstenite's).
    fragmented: bool,
    /// The socket ended (or failed): what is buffered goes to tungstenite, then
    /// the end.
    ended: bool,
    /// The session waiting for the room to hand back.
    waker: Option<Waker>,
    /// Tungstenite waiting for data while the room's poller watches the socket:
    /// the room wakes it when the poller reports data and reading is not its own.
    reader: Option<Waker>,
    /// When the room last took a frame (the session's idle timer reads it).
    heard: Option<Instant>,
    /// The connection's mark on the room's list of sockets to read, once seated.
    mark: Option<ReadMark>,
}

/// The read side both readers share.
#[derive(Debug)]
pub struct ReadSide {
    state: Mutex<ReadState>,
    max_frame: usize,
}

/// What the room's taking of buffered frames stopped at.
enum Stop {
    /// The buffer holds no whole frame more: read on.
    NeedMore,
    /// Hand reading back to the session.
    HandBack(Option<Incoming>),
}

impl ReadSide {
    /// A read side whose frames (and messages) are at most `max_frame` bytes.
    pub fn new(max_frame: usize) -> ReadSide {
        ReadSide {
            state: Mutex::new(ReadState {
                reading: Reading::Session,
                buf: BytesMut::new(),
                frame_left: 0,
                fragmented: false,
                ended: false,
                waker: None,
                reader: None,
                heard: None,
                mark: None,
            }),
            max_frame,
        }
    }

    fn state(&self) -> MutexGuard<'_, ReadState> {
        // Nothing that holds the lock panics: a poisoned lock is still consistent.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The player is seated: from its session's next wait for a message on, the
    /// room may read, when `mark` lists the socket.
    pub fn offer_to_room(&self, mark: ReadMark) {
        let mut st = self.state();
        st.mark = Some(mark);
        if matches!(st.reading, Reading::Session) {
            st.reading = Reading::SessionMayHandOver;
        }
    }

    /// The session takes reading back for good (it is closing); a message the
    /// room decoded and did not hand over yet is dropped with it.
    pub fn take_back(&self) {
        self.state().reading = Reading::Session;
    }

    /// When the room last took a frame of this player's.
    pub fn heard(&self) -> Option<Instant> {
        self.state().heard
    }

    /// The session waits for a message: `Ready(Some)`, a message the room decoded;
    /// `Ready(None)`, tungstenite reads the next one; `Pending`, the room reads
    /// (it hands back by waking `cx`).
    pub fn poll_hand_back(&self, cx: &mut Context<'_>) -> Poll<Option<Incoming>> {
        let mut st = self.state();
        let previous = std::mem::replace(&mut st.reading, Reading::Session);
        let handing_over = matches!(previous, Reading::SessionMayHandOver);
        match previous {
            Reading::Session => Poll::Ready(None),
            Reading::Tungstenite | Reading::HandedBack(None) => {
                st.reading = Reading::Tungstenite;
                Poll::Ready(None)
            }
            Reading::HandedBack(Some(incoming)) => {
                // After a message the room decoded, reading may go back to it.
                st.reading = Reading::SessionMayHandOver;
                Poll::Ready(Some(incoming))
            }
            Reading::SessionMayHandOver if st.frame_left > 0 || st.fragmented => {
                st.reading = Reading::SessionMayHandOver;
                Poll::Ready(None)
            }
            Reading::SessionMayHandOver | Reading::Room if st.mark.is_some() => {
                // Bytes may wait in the buffer or the socket: the room looks at
                // its next tick.
                if let Some(mark) = st.mark.as_ref().filter(|_| handing_over) {
                    mark.mark();
                }
                st.reading = Reading::Room;
                st.waker = Some(cx.waker().clone());
                Poll::Pending
            }
            Reading::SessionMayHandOver | Reading::Room => Poll::Ready(None),
        }
    }

    /// Whether the session's next wait for a message hands reading to the room
    /// (or leaves it there): tungstenite is then between messages and frames, and
    /// holds no byte of the socket's.
    pub fn goes_to_room(&self) -> bool {
        let st = self.state();
        match st.reading {
            Reading::Room => true,
            Reading::SessionMayHandOver => {
                st.mark.is_some() && st.frame_left == 0 && !st.fragmented
            }
            _ => false,
        }
    }

    /// Tungstenite returned a message it read: reading may go back to the room.
    pub fn session_read_one(&self) {
        let mut st = self.state();
        if matches!(st.reading, Reading::Tungstenite) {
            st.reading = Reading::SessionMayHandOver;
        }
    }

    /// Tungstenite's read: buffered bytes first, then the socket's, never past
    /// the end of the frame it is in.
    pub fn poll_read(
        &self,
        source: &impl Source,
        cx: &mut Context<'_>,
        out: &mut tokio::io::ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let mut chunk = [0u8; READ_CHUNK];
        loop {
            let mut st = self.state();
            if st.frame_left == 0 && !st.buf.is_empty() {
                if let Some(head) = FrameHead::parse(&st.buf) {
                    st.frame_left = head.frame_len();
                    st.fragmented = head.fragmented_after(st.fragmented);
                } else if st.ended {
                    // A head cut short by the end: tungstenite finds out.
                    st.frame_left = st.buf.len() as u64;
                }
            }
            if st.frame_left > 0 && !st.buf.is_empty() {
                let n = usize::try_from(st.frame_left)
                    .unwrap_or(usize::MAX)
                    .min(st.buf.len())
                    .min(out.remaining());
                out.put_slice(&st.buf[..n]);
                st.buf.advance(n);
                st.frame_left -= n as u64;
                if st.buf.is_empty() {
                    st.buf = BytesMut::new();
                }
                return Poll::Ready(Ok(()));
            }
            if st.ended {
                return Poll::Ready(Ok(()));
            }
            let polled = source.polled_by_room();
            if !polled {
                drop(st);
                ready!(source.poll_read_ready(cx))?;
                st = self.state();
            }
            match source.try_read(&mut chunk) {
                Ok(0) => st.ended = true,
                Ok(n) => st.buf.extend_from_slice(&chunk[..n]),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock && polled => {
                    // Checked and parked under one lock: the room's wake cannot
                    // fall between the two.
                    st.reader = Some(cx.waker().clone());
                    return Poll::Pending;
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Poll::Ready(Err(e)),
            }
        }
    }

    /// The room's read at its tick, while reading is the room's: the admitted
    /// inputs of whole input frames go to `inputs`; anything else hands reading
    /// back to the session (woken once). While reading is the session's, the
    /// room's poller reported data for tungstenite: it is woken to read it.
    pub fn read_inputs(&self, source: &impl Source, gate: &SharedGate, inputs: &mut Vec<InputCmd>) {
        let mut st = self.state();
        if !matches!(st.reading, Reading::Room) {
            if let Some(reader) = st.reader.take() {
                reader.wake();
            }
            return;
        }
        let mut chunk = [0u8; READ_CHUNK];
        let mut stop = self.take_frames(&mut st, gate, inputs);
        let mut drained = false;
        for _ in 0..READS_PER_TICK {
            if !matches!(stop, Stop::NeedMore) {
                break;
            }
            match source.try_read(&mut chunk) {
                Ok(0) => {
                    st.ended = true;
                    stop = Stop::HandBack(None);
                }
                Ok(n) => {
                    st.buf.extend_from_slice(&chunk[..n]);
                    stop = self.take_frames(&mut st, gate, inputs);
                    if n < chunk.len() {
                        drained = true;
                        break;
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    drained = true;
                    break;
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                // Tungstenite's read meets the error (or the end) itself.
                Err(_) => stop = Stop::HandBack(None),
            }
        }
        if st.buf.is_empty() {
            st.buf = BytesMut::new();
        }
        match stop {
            Stop::HandBack(incoming) => {
                st.reading = Reading::HandedBack(incoming);
                if let Some(waker) = st.waker.take() {
                    waker.wake();
                }
            }
            Stop::NeedMore => {
                if let Some(mark) = &st.mark {
                    // More than a tick's reads waiting: the next tick reads on.
                    // Drained: the room's poller, or else the reactor, marks the
                    // socket when data arrives.
                    let more = !drained
                        || (!source.polled_by_room()
                            && source
                                .poll_read_ready(&mut Context::from_waker(mark.waker()))
                                .is_ready());
                    if more {
                        mark.mark();
                    }
                }
            }
        }
    }

    /// Take the whole input frames at the front of the buffer.
    fn take_frames(
        &self,
        st: &mut ReadState,
        gate: &SharedGate,
        inputs: &mut Vec<InputCmd>,
    ) -> Stop {
        loop {
            let Some(head) = FrameHead::parse(&st.buf) else {
                return Stop::NeedMore;
            };
            if !head.is_single_binary() || head.payload_len > self.max_frame as u64 {
                return Stop::HandBack(None);
            }
            let len = head.head_len + head.payload_len as usize;
            if st.buf.len() < len {
                return Stop::NeedMore;
            }
            let now = Instant::now();
            st.heard = Some(now);
            let payload = &mut st.buf[head.head_len..len];
            if let Some(mask) = head.mask {
                unmask(payload, mask);
            }
            let incoming = binary_frame(payload, self.max_frame);
            st.buf.advance(len);
            let refused = match incoming {
                Incoming::Msg(ClientMsg::Input(cmd)) => {
                    gate.lock()
                        .pass(std::iter::once(cmd), now, |c| inputs.push(c))
                }
                Incoming::Msg(ClientMsg::Inputs(cmds)) => {
                    gate.lock().pass(cmds.into_iter(), now, |c| inputs.push(c))
                }
                other => return Stop::HandBack(Some(other)),
            };
            if let Err(refused) = refused {
                let bad = Incoming::Bad(close::POLICY, refused.to_string());
                return Stop::HandBack(Some(bad));
            }
        }
    }
}

#[cfg(test)]
#[path = "ws_read_tests.rs"]
mod tests;
