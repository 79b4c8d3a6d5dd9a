//! The players' direct writer against a [`FakeSocket`] (a receive window the test
//! opens by hand), through the outbox the room writes to and the session's side of
//! the same socket: a snapshot goes out whole in one write without waking the
//! session; a full socket leaves the newest snapshot to the session (latest wins);
//! a broken one is given up; control messages keep their order; a frame the socket
//! took in part is finished before anything else.

use super::*;
use crate::fake_socket::FakeSocket;
use crate::metrics::{Metrics, Transport};
use crate::room::Control;
use crate::room::outbox::Outbox;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Wake, Waker};
use tickcast_shared::codec::{SnapshotHead, decode_server};
use tickcast_shared::protocol::{ServerMsg, Tick};

#[derive(Default)]
struct Wakes(AtomicUsize);

impl Wake for Wakes {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

/// An outbox armed with a direct writer to a fake socket of `room` bytes, the
/// session's side of that socket, and a count of the session's wake-ups.
struct Rig {
    outbox: Outbox,
    socket: FakeSocket,
    shared: Arc<SharedSocket<FakeSocket>>,
    wakes: Arc<Wakes>,
    waker: Waker,
}

impl Rig {
    fn new(room: usize) -> Rig {
        let socket = FakeSocket::with_room(room);
        let shared = Arc::new(SharedSocket::new(socket.clone()));
        let outbox = Outbox::new(8);
        outbox.arm(Some(Arc::new(direct(&shared))));
        let wakes = Arc::new(Wakes::default());
        let waker = Waker::from(Arc::clone(&wakes));
        let rig = Rig {
            outbox,
            socket,
            shared,
            wakes,
            waker,
        };
        // The session waits on its outbox, as it does when seated.
        let mut cx = Context::from_waker(&rig.waker);
        assert!(rig.outbox.poll_take(&mut cx).is_pending());
        rig
    }

    fn wakes(&self) -> usize {
        self.wakes.0.load(Ordering::SeqCst)
    }

    /// The session writes `bytes` (a whole frame) on its side of the socket.
    fn session_write(&self, bytes: &[u8]) -> Poll<io::Result<usize>> {
        let mut cx = Context::from_waker(&self.waker);
        self.shared.poll_write(&mut cx, bytes)
    }
}

fn direct(shared: &Arc<SharedSocket<FakeSocket>>) -> WsDirect<FakeSocket> {
    let metrics = Metrics::default();
    let stats = metrics.transport(Transport::Ws).clone();
    WsDirect::new(Arc::clone(shared), stats, metrics.ws_direct_snapshots)
}

fn frame(tick: u32, body: &'static [u8]) -> SnapshotFrame {
    SnapshotFrame {
        head: SnapshotHead {
            tick: Tick(tick),
            ..SnapshotHead::default()
        },
        body: Bytes::from_static(body),
        at: None,
    }
}

/// The whole frame a session would write for `f`: WebSocket header and message.
fn wire(f: &SnapshotFrame) -> Vec<u8> {
    let msg = f.encode();
    let (header, used) = binary_frame_header(msg.len());
    [&header[..used], &msg[..]].concat()
}

/// The ticks of the snapshot frames in `bytes`, which must be whole binary frames
/// holding snapshots (or the `other` frames the test wrote, reported as `None`).
fn ticks(mut bytes: &[u8]) -> Vec<Option<u32>> {
    let mut out = Vec::new();
    while !bytes.is_empty() {
        assert_eq!(bytes[0], 0x82, "a final binary frame");
        let (len, start) = match bytes[1] {
            126 => (usize::from(u16::from_be_bytes([bytes[2], bytes[3]])), 4),
            127 => panic!("no frame here is that large"),
            n => (usize::from(n), 2),
        };
        let payload = &bytes[start..start + len];
        out.push(match decode_server(payload, 1 << 20) {
            Ok(ServerMsg::Snapshot { tick, .. }) => Some(tick.0),
            _ => None,
        });
        bytes = &bytes[start + len..];
    }
    out
}

#[test]
fn a_snapshot_goes_out_whole_in_one_write_without_waking_the_session() {
    let rig = Rig::new(1 << 20);
    let f = frame(3, b"shared body");
    assert_eq!(rig.outbox.snapshot(f.clone()), Some(Tick(3)));
    assert_eq!(rig.socket.bytes(), wire(&f));
    assert_eq!(rig.socket.writes(), 1, "one vectored write");
    assert_eq!(rig.wakes(), 0, "the session slept through it");
    assert!(
        rig.outbox.try_take().is_none(),
        "nothing left for the session"
    );
    // Frames of 126 bytes and more carry a 16-bit length.
    let big = frame(6, &[7; 300]);
    assert_eq!(rig.outbox.snapshot(big.clone()), Some(Tick(6)));
    assert_eq!(ticks(&rig.socket.bytes()), [Some(3), Some(6)]);
}

#[test]
fn a_full_socket_leaves_the_newest_snapshot_to_the_session() {
    let rig = Rig::new(0);
    assert_eq!(rig.outbox.snapshot(frame(3, b"a")), None);
    assert_eq!(rig.outbox.snapshot(frame(6, b"b")), None);
    assert!(rig.wakes() >= 1, "the session is woken for it");
    let taken = rig.outbox.try_take().expect("a snapshot for the session");
    assert_eq!(
        taken.snapshot.map(|f| f.tick()),
        Some(Tick(6)),
        "latest wins"
    );
    // While the session has not written it, the room leaves the socket alone.
    rig.socket.open(1 << 20);
    assert_eq!(rig.outbox.snapshot(frame(9, b"c")), None);
    assert!(rig.session_write(&wire(&frame(6, b"b"))).is_ready());
    rig.outbox.written();
    // The snapshot still in the slot is stale: the newest goes out directly.
    assert_eq!(rig.outbox.snapshot(frame(12, b"d")), Some(Tick(12)));
    assert!(
        rig.outbox.try_take().is_none_or(|t| t.snapshot.is_none()),
        "the stale one was skipped"
    );
    assert_eq!(ticks(&rig.socket.bytes()), [Some(6), Some(12)]);
}

#[test]
fn a_broken_socket_is_given_up_and_its_snapshots_go_to_the_session() {
    let rig = Rig::new(1 << 20);
    assert_eq!(rig.outbox.snapshot(frame(3, b"a")), Some(Tick(3)));
    rig.socket.break_it();
    assert_eq!(rig.outbox.snapshot(frame(6, b"b")), None);
    assert_eq!(rig.outbox.snapshot(frame(9, b"c")), None);
    assert_eq!(rig.socket.writes(), 1, "no write after the first failure");
    let taken = rig.outbox.try_take().expect("the session finds out");
    assert_eq!(taken.snapshot.map(|f| f.tick()), Some(Tick(9)));
    assert!(matches!(rig.session_write(b"x"), Poll::Ready(Err(_))));
}

#[test]
fn control_messages_keep_their_order_before_snapshots() {
    let rig = Rig::new(1 << 20);
    let event = Bytes::from_static(b"\x82\x01e");
    assert!(rig.outbox.control(Control::Frame(event.clone())));
    // An event is queued: the snapshot after it waits for the session too.
    assert_eq!(rig.outbox.snapshot(frame(3, b"a")), None);
    let taken = rig.outbox.try_take().expect("pending");
    assert_eq!(taken.control.len(), 1);
    assert_eq!(taken.snapshot.map(|f| f.tick()), Some(Tick(3)));
    // Taken but not yet written: a newer snapshot must not overtake them.
    assert_eq!(rig.outbox.snapshot(frame(6, b"b")), None);
    assert!(rig.session_write(&event).is_ready());
    assert!(rig.session_write(&wire(&frame(3, b"a"))).is_ready());
    rig.outbox.written();
    let taken = rig.outbox.try_take().expect("the newer snapshot");
    assert!(
        rig.session_write(&wire(&taken.snapshot.unwrap()))
            .is_ready()
    );
    rig.outbox.written();
    assert_eq!(rig.outbox.snapshot(frame(9, b"c")), Some(Tick(9)));
    // A close stops the room's writes before the close frame.
    rig.shared.stop_direct();
    assert_eq!(rig.outbox.snapshot(frame(12, b"d")), None);
    assert_eq!(
        ticks(&rig.socket.bytes()),
        [None, Some(3), Some(6), Some(9)]
    );
}

#[test]
fn a_frame_taken_in_part_is_finished_before_anything_else() {
    let rig = Rig::new(5);
    let f = frame(3, b"a body longer than five bytes");
    assert_eq!(rig.outbox.snapshot(f.clone()), Some(Tick(3)), "on its way");
    assert_eq!(rig.socket.bytes().len(), 5);
    let taken = rig.outbox.try_take().expect("the session must flush");
    assert!(taken.flush && taken.snapshot.is_none());
    // Neither the room nor the session writes before the rest.
    let direct = direct(&rig.shared);
    assert_eq!(direct.try_snapshot(&frame(6, b"b")), DirectWrite::Refused);
    let pong = wire(&frame(5, b"session's own"));
    assert!(rig.session_write(&pong).is_pending(), "waits for room");
    rig.socket.open(10);
    // The rest moved on but is not done yet: still nothing else.
    let mut cx = Context::from_waker(&rig.waker);
    assert!(rig.shared.poll_flush(&mut cx).is_pending());
    rig.socket.open(1 << 20);
    assert!(rig.shared.poll_flush(&mut cx).is_ready());
    assert!(rig.session_write(&pong).is_ready());
    rig.outbox.written();
    assert_eq!(rig.outbox.snapshot(frame(9, b"c")), Some(Tick(9)));
    assert_eq!(ticks(&rig.socket.bytes()), [Some(3), Some(5), Some(9)]);
}

#[test]
fn the_session_side_never_leaves_part_of_a_frame_behind_another() {
    let rig = Rig::new(4);
    let mine = wire(&frame(3, b"a session frame"));
    // The socket takes four bytes; the session's write still counts as whole.
    assert!(matches!(rig.session_write(&mine), Poll::Ready(Ok(n)) if n == mine.len()));
    assert_eq!(rig.outbox.snapshot(frame(6, b"b")), None, "the rest waits");
    rig.socket.open(1 << 20);
    let mut cx = Context::from_waker(&rig.waker);
    assert!(rig.shared.poll_flush(&mut cx).is_ready());
    let taken = rig.outbox.try_take().expect("the refused snapshot");
    assert!(
        rig.session_write(&wire(&taken.snapshot.unwrap()))
            .is_ready()
    );
    assert_eq!(ticks(&rig.socket.bytes()), [Some(3), Some(6)]);
}

#[test]
fn a_frame_the_session_writes_itself_goes_out_whole_after_the_waiting_rest() {
    let rig = Rig::new(6);
    // A snapshot the socket takes in part: its rest waits.
    let snap = frame(7, b"0123456789");
    assert_eq!(
        direct(&rig.shared).try_snapshot(&snap),
        DirectWrite::Partial
    );
    let payload = vec![9u8; 300];
    let mut write = Box::pin(rig.shared.write_frame(&payload));
    let mut cx = Context::from_waker(&rig.waker);
    assert!(
        write.as_mut().poll(&mut cx).is_pending(),
        "the socket is full"
    );
    rig.socket.open(8);
    assert!(
        write.as_mut().poll(&mut cx).is_pending(),
        "the frame is not all out"
    );
    rig.socket.open(1000);
    assert!(matches!(write.as_mut().poll(&mut cx), Poll::Ready(Ok(()))));
    let mut expected = wire(&snap);
    let (header, used) = binary_frame_header(payload.len());
    expected.extend_from_slice(&header[..used]);
    expected.extend_from_slice(&payload);
    assert_eq!(
        rig.socket.bytes(),
        expected,
        "the rest, then the whole frame"
    );
}
