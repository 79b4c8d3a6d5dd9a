//! WebTransport (browsers' QUIC) against the real server, with `web-transport-quinn`
//! as the client: the session's URL is checked before the session is accepted (a bad
//! ticket is refused, counted, and a refusal redeems nothing; an accepted session's
//! ticket is used only at its Hello), a good one plays the
//! native protocol (control stream, datagrams), and hostile sessions (garbage
//! datagrams, oversize frames, no control stream) are closed with a code and a
//! reason while another player plays on.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use bytes::Bytes;
use tickcast_shared::codec::encode_client;
use tickcast_shared::protocol::{ClientMsg, HelloAuth, ServerMsg};
use tickcast_shared::quic::close;
use tickcast_tests::http::metric;
use tickcast_tests::player::{Player, WAIT, create_room};
use tickcast_tests::server::TestServer;
use tickcast_tests::wt_player::{WtPeer, close_of, connect, refused_with, wt_seat};

#[tokio::test]
async fn a_bad_ticket_is_refused_before_the_session_and_a_refusal_redeems_nothing() {
    let s = TestServer::start(&[]).await;
    let room = create_room(s.addr, "{}").await;
    let seat = wt_seat(s.addr, &room, "wt").await;
    let bogus = connect(&seat, "/wt?ticket=0123456789abcdef0123456789abcdef")
        .await
        .expect_err("an unknown ticket is refused");
    assert!(refused_with(&bogus, 401), "{bogus:?}");
    let none = connect(&seat, "/wt").await.expect_err("no ticket");
    assert!(refused_with(&none, 401), "{none:?}");
    let path = connect(&seat, &format!("/elsewhere?ticket={}", seat.ticket))
        .await
        .expect_err("another path is refused");
    assert!(refused_with(&path, 404), "{path:?}");
    let ticket = "tickcast_webtransport_refused_total{reason=\"ticket\"}";
    assert_eq!(metric(s.addr, ticket).await, 2.0);
    let path = "tickcast_webtransport_refused_total{reason=\"path\"}";
    assert_eq!(metric(s.addr, path).await, 1.0);
    // The refused path did not redeem the ticket: it still plays, once.
    let mut peer = WtPeer::join(&seat, "wt").await;
    assert!(matches!(
        peer.next_snapshot().await,
        ServerMsg::Snapshot { .. }
    ));
    let sessions = "tickcast_sessions{transport=\"webtransport\"}";
    assert_eq!(metric(s.addr, sessions).await, 1.0);
    let again = connect(&seat, &format!("/wt?ticket={}", seat.ticket))
        .await
        .expect_err("a used ticket is refused");
    assert!(refused_with(&again, 401), "{again:?}");
}

#[tokio::test]
async fn inputs_go_as_datagrams_and_snapshots_come_back_as_datagrams() {
    let s = TestServer::start(&[]).await;
    let room = create_room(s.addr, "{}").await;
    let seat = wt_seat(s.addr, &room, "wt").await;
    let mut peer = WtPeer::join(&seat, "wt").await;
    let input = tickcast_shared::protocol::InputCmd {
        seq: tickcast_shared::protocol::InputSeq(1),
        ack: None,
        input: <tickcast_shared::sim::Arena as tickcast_shared::game::Game>::input_values(
            &tickcast_shared::sim::PlayerInput::default(),
        ),
        view: None,
    };
    let datagram: Bytes = encode_client(&ClientMsg::Inputs(vec![input])).into();
    peer.session.send_datagram(datagram).unwrap();
    let consumed = tokio::time::timeout(WAIT, async {
        loop {
            if let ServerMsg::Snapshot { last_input, .. } = peer.next_snapshot().await
                && last_input.0 >= 1
            {
                return;
            }
        }
    })
    .await;
    assert!(consumed.is_ok(), "input 1 consumed within the wait");
}

#[tokio::test]
async fn hostile_sessions_are_closed_with_a_reason_and_others_play_on() {
    let s = TestServer::start(&[]).await;
    let room = create_room(s.addr, "{}").await;
    let mut ws = Player::join(s.addr, &room, "bystander").await;
    let calm_seat = wt_seat(s.addr, &room, "calm").await;
    let mut calm = WtPeer::join(&calm_seat, "calm").await;

    // Garbage in a datagram: 1008 with the decoder's words.
    let seat = wt_seat(s.addr, &room, "garbage").await;
    let mut garbage = WtPeer::join(&seat, "garbage").await;
    garbage
        .session
        .send_datagram(Bytes::from_static(&[0xde, 0xad, 0xbe, 0xef, 1, 2, 3]))
        .unwrap();
    let (code, reason) = garbage.expect_close().await;
    assert_eq!(code, u32::from(close::POLICY), "{reason}");
    assert!(reason.contains("bad datagram"), "{reason}");

    // A control frame announcing more than the limit: 1009 before the body is read.
    let seat = wt_seat(s.addr, &room, "oversize").await;
    let mut oversize = WtPeer::join(&seat, "oversize").await;
    oversize
        .send
        .write_all(&(1u32 << 30).to_le_bytes())
        .await
        .unwrap();
    let (code, reason) = oversize.expect_close().await;
    assert_eq!(code, u32::from(close::TOO_BIG), "{reason}");

    // A datagram holding a Hello (not inputs): 1008.
    let seat = wt_seat(s.addr, &room, "control-in-datagram").await;
    let mut wrong = WtPeer::join(&seat, "control-in-datagram").await;
    let hello = encode_client(&ClientMsg::Leave);
    wrong.session.send_datagram(hello.into()).unwrap();
    let (code, reason) = wrong.expect_close().await;
    assert_eq!(code, u32::from(close::POLICY), "{reason}");
    assert!(reason.contains("inputs only"), "{reason}");

    // The others never noticed.
    assert!(matches!(
        calm.next_snapshot().await,
        ServerMsg::Snapshot { .. }
    ));
    let _ = ws.next_snapshot().await;
    assert!(metric(s.addr, "tickcast_frames_rejected_total").await >= 3.0);
}

#[tokio::test]
async fn a_session_without_a_control_stream_is_closed_and_its_ticket_still_plays_over_ws() {
    let dir = std::env::temp_dir().join(format!("tickcast-wt-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("hello.toml");
    std::fs::write(&file, "hello_timeout_secs = 1.0\n").unwrap();
    let s = TestServer::start(&["--config", file.to_str().unwrap()]).await;
    let room = create_room(s.addr, r#"{"max_players":1}"#).await;
    let seat = wt_seat(s.addr, &room, "idle").await;
    let session = connect(&seat, &format!("/wt?ticket={}", seat.ticket))
        .await
        .expect("session accepted");
    let closed = tokio::time::timeout(WAIT, session.closed())
        .await
        .expect("closed in time");
    let (code, reason) = close_of(closed);
    assert_eq!(code, u32::from(close::POLICY), "{reason}");
    assert_eq!(reason, "no control stream");
    let series = "tickcast_webtransport_refused_total{reason=\"no_control_stream\"}";
    assert_eq!(metric(s.addr, series).await, 1.0);
    // The ticket is used at the Hello only: the session given up left it good, and
    // the page's WebSocket fallback plays with it.
    let ws = tickcast_tests::player::open(s.addr, &format!("/ws?ticket={}", seat.ticket)).await;
    let _ = Player::hello(ws, HelloAuth::Ticket(seat.ticket.clone()), "idle").await;
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn a_native_connection_opening_a_second_stream_is_closed() {
    // The endpoint's initial stream limits are HTTP/3's (browsers need them), so the
    // native rule "one control stream" is enforced by the server itself.
    let s = TestServer::start(&[]).await;
    let room = create_room(s.addr, "{}").await;
    let seat = tickcast_tests::quic_player::quic_seat(s.addr, &room, "native").await;
    let (mut peer, _) = tickcast_tests::quic_player::QuicPeer::join(s.addr, &seat, "native").await;
    let mut stray = peer.conn.open_uni().await.expect("a stray stream");
    stray.write_all(b"hello?").await.expect("write");
    let (close, _) = peer.expect_close().await;
    assert_eq!(close.code, close::POLICY, "{}", close.reason);
    assert_eq!(close.reason, "a native connection opens one stream");
}
