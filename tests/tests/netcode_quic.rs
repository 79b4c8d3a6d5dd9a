//! QUIC as a game transport, against the real server: inputs travel in datagrams,
//! each carrying the newest few (`ClientMsg::Inputs`), so a lost datagram costs
//! nothing and a repeated input is applied once (not counted as a drop); a datagram
//! holding anything but inputs, or too many of them, closes the connection.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use tickcast_shared::codec::{decode_server, encode_client};
use tickcast_shared::game::Game;
use tickcast_shared::protocol::{
    ClientMsg, InputCmd, InputSeq, MAX_INPUTS_PER_MESSAGE, PROTOCOL_VERSION, ServerMsg,
};
use tickcast_shared::quic::close;
use tickcast_shared::sim::{Arena, Buttons, PlayerInput};
use tickcast_tests::http::get_text;
use tickcast_tests::player::{WAIT, create_room};
use tickcast_tests::quic_player::{QuicPeer, quic_seat};
use tickcast_tests::server::TestServer;

fn cmd(seq: u32) -> InputCmd {
    InputCmd {
        seq: InputSeq(seq),
        ack: None,
        input: Arena::input_values(&PlayerInput {
            buttons: Buttons(Buttons::RIGHT),
            aim: 0.0,
        }),
        view: None,
    }
}

/// One datagram holding the inputs `seqs`.
fn inputs(seqs: std::ops::RangeInclusive<u32>) -> bytes::Bytes {
    encode_client(&ClientMsg::Inputs(seqs.map(cmd).collect())).into()
}

/// `tickcast_inputs_dropped_total` from `/metrics`.
async fn inputs_dropped(addr: std::net::SocketAddr) -> u64 {
    let (_, text) = get_text(addr, "/metrics").await;
    text.lines()
        .find_map(|l| l.strip_prefix("tickcast_inputs_dropped_total "))
        .expect("the counter")
        .trim()
        .parse()
        .unwrap()
}

#[tokio::test]
async fn input_datagrams_with_redundancy_apply_every_input_once() {
    let s = TestServer::start(&[]).await;
    let room = create_room(s.addr, "{}").await;
    let seat = quic_seat(s.addr, &room, "dgram").await;
    let (peer, welcome) = QuicPeer::join(s.addr, &seat, "dgram").await;
    assert!(matches!(welcome, ServerMsg::Welcome { .. }));
    // Windows of four, one of them "lost" (5..=8 never sent) and one repeated: every
    // input from 1 to 12 still arrives, 4..=12 several times over.
    for window in [1..=4, 3..=6, 7..=10, 3..=6, 9..=12] {
        peer.conn.send_datagram(inputs(window)).unwrap();
    }
    // Snapshots come as datagrams; wait until one says input 12 was consumed.
    let consumed = tokio::time::timeout(WAIT, async {
        loop {
            let bytes = peer
                .conn
                .read_datagram()
                .await
                .expect("a snapshot datagram");
            if let ServerMsg::Snapshot { last_input, .. } = decode_server(&bytes, 1 << 20).unwrap()
                && last_input.0 >= 12
            {
                return last_input;
            }
        }
    })
    .await
    .expect("input 12 consumed within the wait");
    // After 12 the room repeats it while starved ([room] input_repeat_ticks = 8), so
    // the first snapshot past 12 may name one of those stand-ins.
    assert!((12..=20).contains(&consumed.0), "{consumed:?}");
    assert_eq!(
        inputs_dropped(s.addr).await,
        0,
        "repeated inputs are not drops"
    );
    s.stop().await;
}

#[tokio::test]
async fn a_datagram_that_is_not_inputs_closes_the_connection() {
    let s = TestServer::start(&[]).await;
    let room = create_room(s.addr, "{}").await;
    let too_many = 1..=u32::try_from(MAX_INPUTS_PER_MESSAGE + 1).unwrap();
    let hello = ClientMsg::Hello {
        version: PROTOCOL_VERSION,
        auth: tickcast_shared::protocol::HelloAuth::Ticket("x".into()),
        name: "x".into(),
        schema: None,
    };
    let cases: [(&str, bytes::Bytes, &str); 3] = [
        (
            "ping",
            encode_client(&ClientMsg::Ping { nonce: 1 }).into(),
            "inputs only",
        ),
        ("hello", encode_client(&hello).into(), "inputs only"),
        ("flood", inputs(too_many), "inputs in one message"),
    ];
    for (name, datagram, reason) in cases {
        let seat = quic_seat(s.addr, &room, name).await;
        let (mut peer, _) = QuicPeer::join(s.addr, &seat, name).await;
        peer.conn.send_datagram(datagram).unwrap();
        let (closed, _) = peer.expect_close().await;
        assert_eq!(closed.code, close::POLICY, "{name}: {closed:?}");
        assert!(closed.reason.contains(reason), "{name}: {closed:?}");
    }
    // The server goes on.
    let seat = quic_seat(s.addr, &room, "after").await;
    let (peer, _) = QuicPeer::join(s.addr, &seat, "after").await;
    peer.conn.send_datagram(inputs(1..=1)).unwrap();
    s.stop().await;
}
