//! Rooms that can't be guessed, over real HTTP against the real binary: random,
//! non-sequential room ids; private rooms reachable only with their invite code.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use tickcast_shared::codec::encode_client;
use tickcast_shared::protocol::{ClientMsg, HelloAuth};
use tickcast_tests::http::{get, post};
use tickcast_tests::player::{Player, WAIT};
use tickcast_tests::server::TestServer;
use tokio_tungstenite::tungstenite::Message;

#[tokio::test]
async fn room_ids_are_random_text_and_counting_finds_nothing() {
    let s = TestServer::start(&[]).await;
    let mut ids = Vec::new();
    for _ in 0..20 {
        let (status, room) = post(s.addr, "/api/rooms", "{}").await;
        assert_eq!(status, 201, "{room}");
        let id = room["id"].as_str().expect("a string id").to_owned();
        assert_eq!(id.len(), 13, "{id}");
        assert!(
            id.bytes()
                .all(|b| b.is_ascii_lowercase() || (b'2'..=b'7').contains(&b)),
            "{id}"
        );
        ids.push(id);
    }
    let mut unique = ids.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), ids.len(), "ids repeat: {ids:?}");
    assert_ne!(unique, ids, "ids come out in creation order: {ids:?}");
    // Guessing small numbers (the old sequential ids) finds nothing.
    for guess in ["0", "1", "2", "3", "20", "21"] {
        let (status, body) = get(s.addr, &format!("/api/rooms/{guess}")).await;
        assert_eq!(status, 404, "{guess}: {body}");
        let (status, _) = post(
            s.addr,
            &format!("/api/rooms/{guess}/join"),
            r#"{"name":"g"}"#,
        )
        .await;
        assert_eq!(status, 404, "{guess}");
        let (status, _) = get(s.addr, &format!("/api/rooms/{guess}/events")).await;
        assert_eq!(status, 404, "{guess}");
    }
    // The list still shows rooms oldest first.
    let (_, list) = get(s.addr, "/api/rooms").await;
    let listed: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert_eq!(listed, ids.iter().map(String::as_str).collect::<Vec<_>>());
}

/// The status of `GET path`.
async fn status(addr: std::net::SocketAddr, path: &str) -> u16 {
    get(addr, path).await.0
}

#[tokio::test]
async fn a_private_room_is_reachable_only_with_its_invite() {
    let dir = std::env::temp_dir().join(format!(
        "tickcast-lobby-ids-{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
    ));
    let replays = dir.join("replays");
    let s = TestServer::start(&[
        "--replay-dir",
        replays.to_str().unwrap(),
        "--empty-room-secs",
        "1",
    ])
    .await;
    let (_, public) = post(s.addr, "/api/rooms", "{}").await;
    assert!(
        public.get("invite").is_none(),
        "public rooms have no invite: {public}"
    );
    let (status_code, room) = post(s.addr, "/api/rooms", r#"{"private":true}"#).await;
    assert_eq!(status_code, 201, "{room}");
    let id = room["id"].as_str().unwrap().to_owned();
    let invite = room["invite"].as_str().expect("an invite code").to_owned();
    assert!(invite.len() >= 32, "{invite}");

    // Without the invite (or with a wrong one) the room does not exist.
    let (code, missing) = get(s.addr, "/api/rooms/aaaaaaaaaaaaa").await;
    let (code2, hidden) = get(s.addr, &format!("/api/rooms/{id}")).await;
    assert_eq!((code, code2), (404, 404));
    assert_eq!(hidden, missing, "the same answer as for no room");
    let wrong = format!("{}0", &invite[..invite.len() - 1]);
    let wrong = if wrong == invite {
        format!("{}1", &invite[..invite.len() - 1])
    } else {
        wrong
    };
    assert_eq!(
        status(s.addr, &format!("/api/rooms/{id}?invite={wrong}")).await,
        404
    );
    assert_eq!(
        status(s.addr, &format!("/api/rooms/{id}/events")).await,
        404
    );
    assert_eq!(
        status(s.addr, &format!("/api/rooms/{id}/events?invite={wrong}")).await,
        404
    );
    let join = format!("/api/rooms/{id}/join");
    let (code, body) = post(s.addr, &join, r#"{"name":"x"}"#).await;
    assert_eq!((code, body["error"].as_str()), (404, Some("no such room")));
    let (code, _) = post(
        s.addr,
        &join,
        &format!(r#"{{"name":"x","invite":"{wrong}"}}"#),
    )
    .await;
    assert_eq!(code, 404);
    let (_, list) = get(s.addr, "/api/rooms").await;
    assert!(
        !list.to_string().contains(&id),
        "private rooms are not listed: {list}"
    );

    // With it: lookup, spectating, joining (body or query).
    let (code, info) = get(s.addr, &format!("/api/rooms/{id}?invite={invite}")).await;
    assert_eq!(
        (code, info["private"].as_bool()),
        (200, Some(true)),
        "{info}"
    );
    let sse = tickcast_tests::sse::SseClient::connect(
        s.addr,
        &format!("/api/rooms/{id}/events?invite={invite}"),
        None,
    )
    .await
    .unwrap();
    assert_eq!(sse.status, 200);
    drop(sse);
    let (code, seat) = post(
        s.addr,
        &format!("{join}?invite={invite}"),
        r#"{"name":"q"}"#,
    )
    .await;
    assert_eq!(code, 200, "{seat}");
    let (code, seat) = post(
        s.addr,
        &join,
        &format!(r#"{{"name":"b","invite":"{invite}"}}"#),
    )
    .await;
    assert_eq!(code, 200, "{seat}");
    let ws = tickcast_tests::player::open(s.addr, seat["ws_url"].as_str().unwrap()).await;
    let ticket = seat["ticket"].as_str().unwrap().to_owned();
    let mut p = Player::hello(ws, HelloAuth::Ticket(ticket), "b").await;
    p.next_snapshot().await;
    p.send_raw(Message::Binary(encode_client(&ClientMsg::Leave).into()))
        .await;
    // Matchmaking never seats anyone in a private room.
    let (_, mm) = post(s.addr, "/api/matchmake", r#"{"name":"m"}"#).await;
    assert_ne!(mm["room"]["id"].as_str(), Some(id.as_str()));

    // Its recording: not listed, and served only with the invite.
    let deadline = std::time::Instant::now() + WAIT * 3;
    let replay = loop {
        let file = std::fs::read_dir(&replays).ok().and_then(|entries| {
            entries
                .flatten()
                .filter_map(|e| e.path().file_stem()?.to_str().map(str::to_owned))
                .find(|stem| stem.ends_with(&id))
        });
        if let Some(stem) = file {
            let (code, bytes) = tickcast_tests::http::request_raw(
                s.addr,
                "GET",
                &format!("/api/replays/{stem}?invite={invite}"),
                None,
            )
            .await;
            if code == 200 && bytes.len() > 64 {
                break stem;
            }
        }
        assert!(std::time::Instant::now() < deadline, "no recording of {id}");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    };
    assert_eq!(status(s.addr, &format!("/api/replays/{replay}")).await, 404);
    assert_eq!(
        status(s.addr, &format!("/api/replays/{replay}?invite={wrong}")).await,
        404
    );
    assert_eq!(
        status(s.addr, &format!("/api/replays/{replay}/events")).await,
        404
    );
    let (_, listed) = get(s.addr, "/api/replays").await;
    assert!(!listed.to_string().contains(&id), "{listed}");
    let events = tickcast_tests::sse::SseClient::connect(
        s.addr,
        &format!("/api/replays/{replay}/events?invite={invite}"),
        None,
    )
    .await
    .unwrap();
    assert_eq!(events.status, 200);
    drop(events);
    s.stop().await;
    let _ = std::fs::remove_dir_all(&dir);
}
