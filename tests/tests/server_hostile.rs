//! Hostile clients against the real binary: refused tickets before the upgrade, and
//! every kind of bad frame closes only its own connection with the right code while
//! another player keeps receiving every snapshot.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use futures_util::SinkExt;
use tickcast_shared::codec::encode_client;
use tickcast_shared::game::InputValues;
use tickcast_shared::protocol::{ClientMsg, HelloAuth, InputCmd, InputSeq};
use tickcast_shared::schema::SchemaHash;
use tickcast_tests::player::{Player, create_room, expect_close, open, ticket};
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

#[tokio::test]
async fn missing_unknown_used_and_expired_tickets_get_401() {
    let s = TestServer::start(&["--ticket-ttl-secs", "0.3"]).await;
    let room = create_room(s.addr, "{}").await;
    assert_eq!(
        upgrade_status(s.addr, "/ws").await,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        upgrade_status(s.addr, "/ws?ticket=deadbeef").await,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        upgrade_status(s.addr, "/ws?resume=999.nope").await,
        StatusCode::UNAUTHORIZED
    );

    let (t, path) = ticket(s.addr, &room, "a").await;
    let ws = open(s.addr, &path).await;
    let _p = Player::hello(ws, HelloAuth::Ticket(t), "a").await;
    assert_eq!(
        upgrade_status(s.addr, &path).await,
        StatusCode::UNAUTHORIZED,
        "ticket reuse"
    );

    let (_, path) = ticket(s.addr, &room, "b").await;
    // Ticket expiry is a matter of time by definition: wait past the 0.3 s TTL.
    tokio::time::sleep(std::time::Duration::from_millis(600)).await;
    assert_eq!(
        upgrade_status(s.addr, &path).await,
        StatusCode::UNAUTHORIZED,
        "expired ticket"
    );
}

/// Open a seat and say nothing yet.
async fn raw(
    addr: std::net::SocketAddr,
    room: &str,
    name: &str,
) -> (String, tickcast_tests::player::Ws) {
    let (t, path) = ticket(addr, room, name).await;
    (t, open(addr, &path).await)
}

#[tokio::test]
async fn bad_frames_close_only_their_connection() {
    let s = TestServer::start(&[]).await;
    let room = create_room(s.addr, r#"{"drones":20}"#).await;
    let mut good = Player::join(s.addr, &room, "good").await;
    let first = good.next_snapshot().await.tick.0;

    let bad = tokio::spawn(async move {
        let addr = s.addr;
        let mut codes = Vec::new();
        // Text frame.
        let (_, mut ws) = raw(addr, &room, "t").await;
        ws.send(Message::Text("hello".into())).await.unwrap();
        codes.push(("text", expect_close(&mut ws).await.code));
        // Oversized frame (default limit 4096 bytes).
        let (_, mut ws) = raw(addr, &room, "o").await;
        ws.send(Message::Binary(vec![0u8; 64 * 1024].into()))
            .await
            .unwrap();
        codes.push(("oversized", expect_close(&mut ws).await.code));
        // Garbage bytes.
        let (_, mut ws) = raw(addr, &room, "g").await;
        ws.send(Message::Binary(vec![0xff, 0x13, 0x37].into()))
            .await
            .unwrap();
        codes.push(("garbage", expect_close(&mut ws).await.code));
        // Input before Hello.
        let (_, mut ws) = raw(addr, &room, "i").await;
        ws.send(Message::Binary(encode_client(&ClientMsg::Leave).into()))
            .await
            .unwrap();
        codes.push(("no hello", expect_close(&mut ws).await.code));
        // Wrong protocol version: an Error naming both versions, then a close.
        let (t, mut ws) = raw(addr, &room, "v").await;
        let hello = ClientMsg::Hello {
            version: 999,
            auth: HelloAuth::Ticket(t),
            name: "v".into(),
            schema: None,
        };
        ws.send(Message::Binary(encode_client(&hello).into()))
            .await
            .unwrap();
        let close = expect_close(&mut ws).await;
        assert!(
            close.reason.contains("999")
                && close
                    .reason
                    .contains(&tickcast_shared::protocol::PROTOCOL_VERSION.to_string()),
            "{close:?}"
        );
        codes.push(("version", close.code));
        // A Hello for another game's schema: SchemaMismatch's reason, then a close.
        let (t, mut ws) = raw(addr, &room, "s").await;
        let hello = ClientMsg::Hello {
            version: tickcast_shared::protocol::PROTOCOL_VERSION,
            auth: HelloAuth::Ticket(t),
            name: "s".into(),
            schema: Some(SchemaHash(0x5eed)),
        };
        ws.send(Message::Binary(encode_client(&hello).into()))
            .await
            .unwrap();
        let close = expect_close(&mut ws).await;
        assert!(close.reason.contains("schema mismatch"), "{close:?}");
        codes.push(("schema", close.code));
        // An input with more values than the game's input has.
        let mut p = Player::join(addr, &room, "wide").await;
        let input = ClientMsg::Input(InputCmd {
            seq: InputSeq(1),
            ack: None,
            input: InputValues(vec![1, 2, 3]),
            view: None,
        });
        p.send_raw(Message::Binary(encode_client(&input).into()))
            .await;
        let close = expect_close(&mut p.ws).await;
        assert!(close.reason.contains("3 values"), "{close:?}");
        codes.push(("input values", close.code));
        // A garbage frame after a proper join.
        let mut p = Player::join(addr, &room, "late").await;
        p.send_raw(Message::Binary(vec![7u8; 100].into())).await;
        codes.push(("garbage after join", expect_close(&mut p.ws).await.code));
        codes
    });

    // Meanwhile the good player sees every snapshot: consecutive send ticks.
    let mut last = first;
    let mut count = 0;
    while !bad.is_finished() || count < 40 {
        let tick = good.next_snapshot().await.tick.0;
        assert_eq!(tick, last + 3, "the good player missed a snapshot");
        last = tick;
        count += 1;
        assert!(count < 2000, "bad-frame checks did not finish");
    }
    let codes = bad.await.unwrap();
    assert_eq!(
        codes,
        vec![
            ("text", 1003),
            ("oversized", 1009),
            ("garbage", 1008),
            ("no hello", 1008),
            ("version", 1002),
            ("schema", 1008),
            ("input values", 1008),
            ("garbage after join", 1008)
        ]
    );
}
