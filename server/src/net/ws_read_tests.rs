//! The players' read side against a [`FakeSocket`] whose peer the test feeds with
//! frames as tungstenite's client writes them: the room takes inputs at its tick
//! without waking the session, hands everything else back (a decoded message, or
//! the frame left whole for tungstenite), never lets either reader into the
//! other's frame, and keeps today's refusals. The room reads a socket only when
//! it is marked (handed over, or data arrived), as the room's tick does.

use super::*;
use crate::fake_socket::FakeSocket;
use crate::net::input_gate::{GateCounters, InputGate};
use crate::net::input_rate::InputLimits;
use crate::room::ready::ReadyList;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::Wake;
use tickcast_shared::codec::encode_client;
use tickcast_shared::game::InputValues;
use tickcast_shared::protocol::{InputSeq, PROTOCOL_VERSION};
use tokio_tungstenite::tungstenite::protocol::frame::Frame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::{Control, Data, OpCode};

#[derive(Default)]
struct Wakes(AtomicUsize);

impl Wake for Wakes {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

/// A frame as a client writes it (masked), by tungstenite's own encoder.
fn frame(opcode: OpCode, fin: bool, payload: Vec<u8>) -> Vec<u8> {
    let mut f = Frame::message(payload, opcode, fin);
    f.header_mut().mask = Some([0x37, 0xfa, 0x21, 0x3d]);
    let mut out = Vec::new();
    f.format(&mut out).expect("formats");
    out
}

fn binary(payload: Vec<u8>) -> Vec<u8> {
    frame(OpCode::Data(Data::Binary), true, payload)
}

fn cmd(seq: u32, values: usize) -> InputCmd {
    InputCmd {
        seq: InputSeq(seq),
        ack: None,
        input: InputValues(vec![1; values]),
        view: None,
    }
}

fn input(seq: u32) -> Vec<u8> {
    binary(encode_client(&ClientMsg::Input(cmd(seq, 2))))
}

/// A seated player's read side over a fake socket, its gate (inputs of 2 values),
/// and a count of its session's wakes.
struct Rig {
    socket: FakeSocket,
    side: ReadSide,
    gate: SharedGate,
    list: ReadyList,
    mark: ReadMark,
    wakes: Arc<Wakes>,
    waker: Waker,
}

impl Rig {
    fn new(max_frame: usize) -> Rig {
        Rig::over(FakeSocket::default(), max_frame)
    }

    /// Seated over `socket`, whose reads the room's poller watches if it can.
    fn over(socket: FakeSocket, max_frame: usize) -> Rig {
        let gate = InputGate::new(
            &InputLimits::default(),
            30,
            2,
            GateCounters::default(),
            Instant::now(),
        );
        let wakes = Arc::new(Wakes::default());
        let list = ReadyList::default();
        let rig = Rig {
            mark: list.mark_for(7),
            list,
            socket,
            side: ReadSide::new(max_frame),
            gate: SharedGate::new(gate),
            waker: Waker::from(Arc::clone(&wakes)),
            wakes,
        };
        rig.socket.hand_reads_to_room(&rig.mark);
        rig.side.offer_to_room(rig.mark.clone());
        assert!(rig.hand_back().is_pending(), "seated: the room reads");
        rig
    }

    /// The room's read at one tick, if the socket is marked: the admitted inputs'
    /// sequences.
    fn tick(&self) -> Vec<u32> {
        let mut inputs = Vec::new();
        if self.list.take() == vec![7] {
            self.mark.clear();
            self.side.read_inputs(&self.socket, &self.gate, &mut inputs);
        }
        inputs.iter().map(|c| c.seq.0).collect()
    }

    fn hand_back(&self) -> Poll<Option<Incoming>> {
        self.side
            .poll_hand_back(&mut Context::from_waker(&self.waker))
    }

    fn wakes(&self) -> usize {
        self.wakes.0.load(Ordering::SeqCst)
    }

    /// What tungstenite reads for one frame: bytes until they hold a whole frame
    /// (or the read ends), as its frame reader asks for them.
    fn session_reads_a_frame(&self) -> Vec<u8> {
        let mut got = Vec::new();
        loop {
            if let Some(head) = FrameHead::parse(&got)
                && got.len() as u64 >= head.frame_len()
            {
                return got;
            }
            let mut space = [0u8; 256];
            let mut buf = tokio::io::ReadBuf::new(&mut space);
            let mut cx = Context::from_waker(&self.waker);
            match self.side.poll_read(&self.socket, &mut cx, &mut buf) {
                Poll::Ready(Ok(())) if buf.filled().is_empty() => return got,
                Poll::Ready(Ok(())) => got.extend_from_slice(buf.filled()),
                Poll::Ready(Err(e)) => panic!("read failed: {e}"),
                Poll::Pending => return got,
            }
        }
    }
}

#[test]
fn inputs_are_taken_at_the_tick_without_waking_the_session() {
    let rig = Rig::new(1024);
    let mut bytes = input(1);
    bytes.extend(input(2));
    bytes.extend(input(3));
    rig.socket.feed(&bytes);
    assert_eq!(rig.tick(), vec![1, 2, 3]);
    assert_eq!(rig.socket.reads(), 1, "one read for the three frames");
    assert_eq!(rig.wakes(), 0);
    assert!(rig.side.heard().is_some());
    assert_eq!(
        rig.list.take(),
        Vec::<u64>::new(),
        "nothing more: not marked"
    );
    rig.socket.feed(&[input(3), input(4)].concat());
    assert_eq!(
        rig.tick(),
        vec![4],
        "data marked the socket; a repeated sequence passes once"
    );
    assert_eq!(rig.wakes(), 0);
}

#[test]
fn a_frame_cut_across_reads_is_taken_whole_at_a_later_tick() {
    let rig = Rig::new(1024);
    let whole = input(1);
    let (first, rest) = whole.split_at(whole.len() / 2);
    rig.socket.feed(first);
    assert_eq!(rig.tick(), Vec::<u32>::new());
    assert_eq!(rig.socket.unread(), 0, "what came is read and kept");
    rig.socket.feed(rest);
    assert_eq!(rig.tick(), vec![1]);
    assert_eq!(rig.wakes(), 0);
}

#[test]
fn another_message_goes_to_the_session_and_reading_returns_to_the_room() {
    let rig = Rig::new(1024);
    let ping = binary(encode_client(&ClientMsg::Ping { nonce: 7 }));
    rig.socket.feed(&[ping, input(1)].concat());
    assert_eq!(
        rig.tick(),
        Vec::<u32>::new(),
        "the input waits behind the ping"
    );
    assert_eq!(rig.wakes(), 1);
    match rig.hand_back() {
        Poll::Ready(Some(Incoming::Msg(ClientMsg::Ping { nonce: 7 }))) => {}
        other => panic!("expected the ping, got {other:?}"),
    }
    assert!(rig.hand_back().is_pending(), "the room reads again");
    assert_eq!(rig.tick(), vec![1]);
    assert_eq!(rig.wakes(), 1);
}

#[test]
fn frames_the_room_cannot_judge_are_left_whole_for_tungstenite() {
    let rig = Rig::new(1024);
    let ws_ping = frame(OpCode::Control(Control::Ping), true, vec![1, 2]);
    let text = frame(OpCode::Data(Data::Text), true, b"hello".to_vec());
    rig.socket
        .feed(&[ws_ping.clone(), text.clone(), input(1)].concat());
    assert_eq!(rig.tick(), Vec::<u32>::new());
    assert_eq!(rig.wakes(), 1);
    assert!(
        !rig.side.goes_to_room(),
        "handed back: the frame is tungstenite's"
    );
    assert!(matches!(rig.hand_back(), Poll::Ready(None)));
    assert!(!rig.side.goes_to_room(), "tungstenite reads it");
    assert_eq!(rig.session_reads_a_frame(), ws_ping, "exactly its frame");
    assert!(
        matches!(rig.hand_back(), Poll::Ready(None)),
        "tungstenite reads until it returned a message"
    );
    rig.side.session_read_one();
    assert!(rig.hand_back().is_pending());
    assert_eq!(
        rig.tick(),
        Vec::<u32>::new(),
        "the text frame is handed back"
    );
    assert!(matches!(rig.hand_back(), Poll::Ready(None)));
    assert_eq!(rig.session_reads_a_frame(), text);
    rig.side.session_read_one();
    assert!(rig.hand_back().is_pending());
    assert_eq!(rig.tick(), vec![1]);
}

#[test]
fn a_fragmented_message_stays_with_tungstenite_to_its_end() {
    let rig = Rig::new(1024);
    let first = frame(OpCode::Data(Data::Binary), false, vec![1, 2]);
    let ws_ping = frame(OpCode::Control(Control::Ping), true, vec![]);
    let last = frame(OpCode::Data(Data::Continue), true, vec![3]);
    rig.socket
        .feed(&[first.clone(), ws_ping.clone(), last.clone(), input(1)].concat());
    assert_eq!(rig.tick(), Vec::<u32>::new());
    assert!(matches!(rig.hand_back(), Poll::Ready(None)));
    assert_eq!(rig.session_reads_a_frame(), first);
    assert_eq!(rig.session_reads_a_frame(), ws_ping);
    // Tungstenite returns the ping in the middle of the message: it holds the
    // message's first part, so the session must keep it.
    rig.side.session_read_one();
    assert!(
        !rig.side.goes_to_room(),
        "tungstenite holds a message's part"
    );
    assert!(
        matches!(rig.hand_back(), Poll::Ready(None)),
        "mid-message, reading stays with tungstenite"
    );
    assert_eq!(rig.session_reads_a_frame(), last);
    rig.side.session_read_one();
    assert!(
        rig.side.goes_to_room(),
        "the message is whole: tungstenite may go"
    );
    assert!(rig.hand_back().is_pending());
    assert_eq!(rig.tick(), vec![1]);
}

#[test]
fn refused_inputs_and_bad_messages_hand_the_session_todays_close() {
    let rig = Rig::new(1024);
    rig.socket
        .feed(&binary(encode_client(&ClientMsg::Input(cmd(1, 3)))));
    assert_eq!(rig.tick(), Vec::<u32>::new());
    match rig.hand_back() {
        Poll::Ready(Some(Incoming::Bad(1008, reason))) => assert_eq!(
            reason,
            "bad message: an input of 3 values (the game's input has 2)"
        ),
        other => panic!("expected a 1008, got {other:?}"),
    }
    let many: Vec<InputCmd> = (10..30).map(|s| cmd(s, 2)).collect();
    rig.socket.feed(
        &[
            binary(encode_client(&ClientMsg::Inputs(many))),
            binary(vec![0xff; 9]),
        ]
        .concat(),
    );
    assert!(rig.hand_back().is_pending());
    assert_eq!(rig.tick(), Vec::<u32>::new());
    match rig.hand_back() {
        Poll::Ready(Some(Incoming::Bad(1008, reason))) => {
            assert!(reason.starts_with("20 inputs in one message"), "{reason}")
        }
        other => panic!("expected a 1008, got {other:?}"),
    }
    assert!(rig.hand_back().is_pending());
    assert_eq!(rig.tick(), Vec::<u32>::new());
    match rig.hand_back() {
        Poll::Ready(Some(Incoming::Bad(1008, reason))) => {
            assert!(reason.starts_with("bad message:"), "{reason}")
        }
        other => panic!("expected a 1008, got {other:?}"),
    }
    let hello = ClientMsg::Hello {
        version: PROTOCOL_VERSION,
        auth: tickcast_shared::protocol::HelloAuth::Ticket("t".into()),
        name: "again".into(),
        schema: None,
    };
    assert!(rig.hand_back().is_pending());
    rig.socket.feed(&binary(encode_client(&hello)));
    assert_eq!(rig.tick(), Vec::<u32>::new());
    assert!(
        matches!(
            rig.hand_back(),
            Poll::Ready(Some(Incoming::Msg(ClientMsg::Hello { .. })))
        ),
        "the session judges a second Hello"
    );
}

#[test]
fn the_end_of_the_stream_goes_to_tungstenite() {
    let rig = Rig::new(1024);
    let whole = input(1);
    rig.socket.feed(&whole[..3]);
    rig.socket.end();
    assert_eq!(
        rig.tick(),
        Vec::<u32>::new(),
        "a short read: the rest next tick"
    );
    assert_eq!(rig.wakes(), 0);
    assert_eq!(rig.tick(), Vec::<u32>::new(), "the end");
    assert_eq!(rig.wakes(), 1);
    assert!(matches!(rig.hand_back(), Poll::Ready(None)));
    assert_eq!(rig.session_reads_a_frame(), whole[..3].to_vec());
    assert_eq!(
        rig.session_reads_a_frame(),
        Vec::<u8>::new(),
        "then the end"
    );
}

#[test]
fn a_frame_over_the_limit_is_left_to_tungstenite_unread() {
    let rig = Rig::new(64);
    let big = binary(vec![0; 100]);
    rig.socket.feed(&big);
    assert_eq!(rig.tick(), Vec::<u32>::new());
    assert!(matches!(rig.hand_back(), Poll::Ready(None)));
    assert_eq!(rig.session_reads_a_frame(), big, "whole, still masked");
}

#[test]
fn a_session_that_took_reading_back_is_never_read_by_the_room() {
    let rig = Rig::new(1024);
    rig.side.take_back();
    let whole = input(1);
    rig.socket.feed(&whole);
    assert_eq!(rig.tick(), Vec::<u32>::new());
    assert_eq!(rig.socket.unread(), whole.len());
    assert!(matches!(rig.hand_back(), Poll::Ready(None)));
    assert_eq!(rig.session_reads_a_frame(), whole);
}

#[test]
fn with_the_rooms_poller_tungstenite_waits_for_the_tick_that_sees_its_data() {
    let rig = Rig::over(FakeSocket::pollable(), 1024);
    assert!(rig.socket.polled_by_room());
    rig.socket.feed(&input(1));
    assert_eq!(rig.tick(), vec![1], "the poller's mark, not a waker");
    assert_eq!(rig.wakes(), 0);

    // A WebSocket ping's frame goes to tungstenite, which reads it whole; the
    // frame after it is cut short, so tungstenite finds nothing and waits.
    let ws_ping = frame(OpCode::Control(Control::Ping), true, vec![1, 2]);
    let text = frame(OpCode::Data(Data::Text), true, b"hello".to_vec());
    // Its head (2 bytes and the mask's 4) and one byte of its payload.
    let (first, rest) = text.split_at(7);
    rig.socket.feed(&[ws_ping.clone(), first.to_vec()].concat());
    assert_eq!(rig.tick(), Vec::<u32>::new());
    assert_eq!(rig.wakes(), 1, "handed back");
    assert!(matches!(rig.hand_back(), Poll::Ready(None)));
    assert_eq!(rig.session_reads_a_frame(), ws_ping);
    rig.side.session_read_one();
    assert!(rig.hand_back().is_pending(), "back to the room");
    assert_eq!(rig.tick(), Vec::<u32>::new());
    assert!(
        matches!(rig.hand_back(), Poll::Ready(None)),
        "text: not the room's"
    );
    assert_eq!(rig.session_reads_a_frame(), first, "then nothing: it waits");
    let wakes = rig.wakes();

    // The rest arrives: the poller marks the socket, and the room's tick wakes
    // tungstenite (reading is not the room's), which then reads the frame's end.
    rig.socket.feed(rest);
    assert_eq!(rig.wakes(), wakes, "the data itself wakes nobody");
    assert_eq!(rig.tick(), Vec::<u32>::new());
    assert_eq!(rig.wakes(), wakes + 1, "the tick woke tungstenite once");
    assert_eq!(rig.session_reads_a_frame(), rest);

    rig.socket.take_reads_back();
    assert!(!rig.socket.polled_by_room());
}
