//! Per-session limits against the real binary over real sockets: resume tokens are
//! checked before the upgrade, the Hello deadline is absolute (pings do not extend
//! it, and the seat comes back), a flooder's inputs are dropped at its session
//! while a normal player beside it keeps moving, and a client closed while it is
//! still sending gets its close frame (a lingering close, not a reset).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use futures_util::{SinkExt, StreamExt};
use std::time::{Duration, Instant};
use tickcast_shared::codec::encode_client;
use tickcast_shared::game::Game;
use tickcast_shared::protocol::{ClientMsg, HelloAuth, InputCmd, InputSeq, NetId};
use tickcast_shared::sim::{Arena, Buttons, PlayerInput};
use tickcast_tests::http::{metric, post};
use tickcast_tests::player::{Player, WAIT, create_room, open, open_with_receive_buffer, ticket};
use tickcast_tests::server::TestServer;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::http::StatusCode;

async fn upgrade_status(addr: std::net::SocketAddr, path: &str) -> StatusCode {
    match tokio_tungstenite::connect_async(format!("ws://{addr}{path}")).await {
        Ok(_) => StatusCode::SWITCHING_PROTOCOLS,
        Err(tokio_tungstenite::tungstenite::Error::Http(res)) => res.status(),
        Err(e) => panic!("unexpected error: {e}"),
    }
}

/// A config file with `text` in the temporary directory (removed once the server
/// has read it).
fn config(text: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let path = std::env::temp_dir().join(format!(
        "tickcast-session-limits-{}-{nanos}.toml",
        std::process::id()
    ));
    std::fs::write(&path, text).unwrap();
    path.to_str().unwrap().to_owned()
}

#[tokio::test]
async fn forged_resume_tokens_get_401_before_the_upgrade() {
    let s = TestServer::start(&[]).await;
    let room = create_room(s.addr, "{}").await;
    let p = Player::join(s.addr, &room, "real").await;
    let token = p.resume_token.clone();
    let last = token.chars().last().unwrap();
    let flipped = if last == '0' { '1' } else { '0' };
    let tampered = format!("{}{flipped}", &token[..token.len() - 1]);
    let zeros = "0".repeat(32);
    for bogus in [
        "1.anything".to_owned(),
        format!("{room}.anything"),
        format!("{room}.{zeros}.{zeros}"),
        tampered,
        format!("{token}.x"),
    ] {
        assert_eq!(
            upgrade_status(s.addr, &format!("/ws?resume={bogus}")).await,
            StatusCode::UNAUTHORIZED,
            "{bogus}"
        );
    }
    assert!(token.starts_with(&format!("{room}.")), "{token}");
}

#[tokio::test]
async fn pings_before_hello_do_not_hold_a_seat_past_the_deadline() {
    let file = config("hello_timeout_secs = 1.0\n");
    let s = TestServer::start(&["--config", &file]).await;
    // The server has read it.
    let _ = std::fs::remove_file(&file);
    let room = create_room(s.addr, r#"{"max_players":1}"#).await;
    let (_, path) = ticket(s.addr, &room, "holder").await;
    let mut ws = open(s.addr, &path).await;
    // The room is full while the holder's seat is taken.
    let join = format!("/api/rooms/{room}/join");
    let (status, _) = post(s.addr, &join, r#"{"name":"next"}"#).await;
    assert_eq!(status, 409);
    // Keep pinging (and reading pongs) until the server closes.
    let closed = tokio::time::timeout(WAIT, async {
        let mut every = tokio::time::interval(Duration::from_millis(100));
        loop {
            tokio::select! {
                _ = every.tick() => {
                    if ws.send(Message::Ping(vec![1, 2, 3].into())).await.is_err() {
                        return None;
                    }
                }
                msg = ws.next() => match msg {
                    Some(Ok(Message::Close(frame))) => return frame,
                    Some(Ok(_)) => continue,
                    _ => return None,
                },
            }
        }
    })
    .await
    .expect("the server closes a socket that never says Hello")
    .expect("a close frame");
    assert_eq!(u16::from(closed.code), 1008, "{closed:?}");
    assert!(closed.reason.contains("Hello"), "{closed:?}");
    // The seat came back: someone else can join (bounded wait for the release).
    let deadline = Instant::now() + WAIT;
    loop {
        let (status, body) = post(s.addr, &join, r#"{"name":"next"}"#).await;
        if status == 200 {
            break;
        }
        assert_eq!(status, 409, "{body}");
        assert!(Instant::now() < deadline, "the seat was never given back");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(metric(s.addr, "tickcast_hello_timeouts_total").await >= 1.0);
}

#[tokio::test]
async fn a_flooder_is_cut_off_while_a_normal_player_keeps_moving() {
    // A small shared inbox: without a per-session limit the flood would fill it and
    // the normal player's inputs would be dropped with the flooder's.
    let file = config("room_inbox = 64\n");
    let s = TestServer::start(&["--config", &file]).await;
    // The server has read it.
    let _ = std::fs::remove_file(&file);
    let room = create_room(s.addr, "{}").await;
    let mut normal = Player::join(s.addr, &room, "normal").await;
    let first = normal.next_snapshot().await;
    let start = *first.get(NetId(normal.entity)).expect("own entity");

    let flooder = Player::join(s.addr, &room, "flooder").await;
    let (mut tx, mut rx) = flooder.ws.split();
    let flood = tokio::spawn(async move {
        for seq in 1..=200_000u32 {
            let msg = ClientMsg::Input(InputCmd {
                seq: InputSeq(seq),
                ack: None,
                input: Arena::input_values(&PlayerInput {
                    buttons: Buttons(Buttons::FIRE),
                    aim: 0.0,
                }),
                view: None,
            });
            if tx
                .feed(Message::Binary(encode_client(&msg).into()))
                .await
                .is_err()
            {
                return seq;
            }
            if seq % 64 == 0 && tx.flush().await.is_err() {
                return seq;
            }
        }
        200_000
    });
    let closed = tokio::spawn(async move {
        while let Some(msg) = rx.next().await {
            match msg {
                Ok(Message::Close(frame)) => return frame,
                Ok(_) => continue,
                Err(_) => return None,
            }
        }
        None
    });

    // The normal player holds RIGHT for 20 snapshots (about a second).
    let right = PlayerInput {
        buttons: Buttons(Buttons::RIGHT),
        aim: 0.0,
    };
    let mut last = first.tick;
    let mut now_at = start;
    for _ in 0..20 {
        for _ in 0..3 {
            normal.send_input(right, Some(last)).await;
        }
        let snap = normal.next_snapshot().await;
        last = snap.tick;
        now_at = *snap.get(NetId(normal.entity)).expect("own entity");
    }
    assert!(
        now_at.x > start.x + 16 * 20,
        "the normal player's inputs were applied: {} -> {}",
        start.x,
        now_at.x
    );

    let frame = tokio::time::timeout(WAIT, closed)
        .await
        .expect("the flooder is closed")
        .unwrap()
        .expect("a close frame");
    assert_eq!(u16::from(frame.code), 1008, "{frame:?}");
    assert!(frame.reason.contains("input flood"), "{frame:?}");
    let sent = tokio::time::timeout(WAIT, flood).await.unwrap().unwrap();
    assert!(sent > 1000, "the flooder sent {sent}");
    assert!(metric(s.addr, "tickcast_inputs_rate_limited_total").await > 100.0);
    assert!(metric(s.addr, "tickcast_input_floods_total").await >= 1.0);
    assert_eq!(
        metric(s.addr, "tickcast_inputs_inbox_full_total").await,
        0.0,
        "the flood never reached the shared inbox"
    );
    // The normal player is still in the game.
    normal.next_snapshot().await;
}

#[tokio::test]
async fn a_client_closed_while_it_floods_still_reads_its_close_frame() {
    let s = TestServer::start(&[]).await;
    let room = create_room(s.addr, r#"{"drones":200}"#).await;
    let (ticket, path) = ticket(s.addr, &room, "flooder").await;
    // A small window the client leaves full: the server's snapshots queue up on
    // its side, in front of whatever it sends next.
    let ws = open_with_receive_buffer(s.addr, &path, 4096).await;
    let player = Player::hello(ws, HelloAuth::Ticket(ticket), "flooder").await;
    let queued = async {
        while metric(s.addr, "tickcast_bytes_sent_total{transport=\"ws\"}").await < 48_000.0 {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    };
    tokio::time::timeout(WAIT, queued)
        .await
        .expect("the server writes snapshots");

    // A text frame is refused with 1003; the 2 MB of frames behind it are never read
    // as messages. Without a lingering close the server drops its socket with them
    // unread: the kernel resets the connection and throws away the queued close.
    let (mut tx, mut rx) = player.ws.split();
    let flood = tokio::spawn(async move {
        let junk = "x".repeat(2000);
        for _ in 0..1000 {
            if tx.feed(Message::Text(junk.clone().into())).await.is_err() {
                return;
            }
        }
        let _ = tx.flush().await;
    });
    let closed = async {
        while let Some(msg) = rx.next().await {
            match msg {
                Ok(Message::Close(frame)) => return Ok(frame),
                Ok(_) => continue,
                Err(e) => return Err(e.to_string()),
            }
        }
        Err("the end, without a close".into())
    };
    let frame = tokio::time::timeout(WAIT, closed)
        .await
        .expect("the connection ends in time")
        .expect("a close frame, not a reset")
        .expect("a close frame with a code");
    assert_eq!(u16::from(frame.code), 1003, "{frame:?}");
    assert!(frame.reason.contains("text frames"), "{frame:?}");
    flood.abort();
}
