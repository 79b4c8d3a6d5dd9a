//! The spectator feed over a real socket against the real binary: status and
//! headers, `retry:`, ids, keep-alive comments, 404 for unknown rooms, the
//! spectator count in the room object and in /metrics.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod sse_common;

use sse_common::{ITEM_WAIT, Spectator, events_path, room, server_with};
use std::time::Duration;
use tickcast_client::lobby::Lobby;
use tickcast_shared::sim::spectate::ArenaEvent;
use tickcast_tests::server::TestServer;
use tickcast_tests::sse::{SseClient, SseItem};

#[tokio::test]
async fn a_stream_has_headers_retry_ids_and_keepalives() {
    let server = TestServer::start(&["--sse-keepalive-ms", "100"]).await;
    let room = room(&server, 10).await;
    let mut s = Spectator::connect(&server, &events_path(&room), None).await;
    assert_eq!(s.client.header("content-type"), Some("text/event-stream"));
    assert_eq!(s.client.header("cache-control"), Some("no-cache"));
    let first = loop {
        if let Some(ev) = s.step().await {
            break ev;
        }
    };
    assert!(
        matches!(first, ArenaEvent::Keyframe(ref k) if k.entities.len() == 10),
        "a fresh stream starts with a keyframe of the room: {first:?}"
    );
    s.frames(5).await;
    while s.comments < 2 {
        s.step().await;
    }
    // Deltas chain: each one's base is the previous frame.
    assert!(s.seen.iter().filter(|(n, _)| n == "delta").count() >= 4);
    let state = s.state.clone();
    assert_eq!(state.entities.len(), 10);
    server.stop().await;
}

/// The first items of a stream: `retry:` then a keyframe of `drones` entities.
async fn starts_with_a_keyframe(c: &mut SseClient, drones: usize) {
    let mut items = Vec::new();
    while items.len() < 2 {
        match tokio::time::timeout(ITEM_WAIT, c.next())
            .await
            .unwrap()
            .unwrap()
        {
            Some(SseItem::Comment(_)) => {}
            Some(item) => items.push(item),
            None => panic!("the stream ended early: {items:?}"),
        }
    }
    assert!(matches!(items[0], SseItem::Retry(_)), "{items:?}");
    let SseItem::Event { event, data, .. } = &items[1] else {
        panic!("{items:?}")
    };
    assert_eq!(event, "keyframe");
    let keyframe: serde_json::Value = serde_json::from_str(data).unwrap();
    assert_eq!(keyframe["entities"].as_array().unwrap().len(), drones);
}

#[tokio::test]
async fn a_stream_asked_for_on_a_kept_alive_connection_is_taken_over_after_its_head() {
    let server = TestServer::start(&[]).await;
    let room = room(&server, 3).await;
    let tcp = tokio::net::TcpStream::connect(server.addr).await.unwrap();
    let mut health = SseClient::request(tcp, server.addr, "/healthz", None)
        .await
        .unwrap();
    assert_eq!(health.status, 200);
    health.body_text().await.unwrap();
    assert_ne!(health.header("connection"), Some("close"), "kept alive");
    let tcp = health.into_stream();
    let mut c = SseClient::request(tcp, server.addr, &events_path(&room), None)
        .await
        .unwrap();
    assert_eq!(c.status, 200);
    assert_eq!(c.header("content-type"), Some("text/event-stream"));
    // Written by a fan-out writer: no HTTP framing, the body runs until the close.
    assert_eq!(c.header("connection"), Some("close"));
    assert_eq!(c.header("transfer-encoding"), None);
    assert_eq!(c.header("content-length"), None);
    starts_with_a_keyframe(&mut c, 3).await;
    server.stop().await;
}

#[tokio::test]
async fn a_head_request_for_a_stream_gets_the_head_alone() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let server = TestServer::start(&[]).await;
    let room = room(&server, 2).await;
    let mut tcp = tokio::net::TcpStream::connect(server.addr).await.unwrap();
    // The next request on the connection must be answered right after the head.
    let path = events_path(&room);
    let host = server.addr;
    let requests = format!(
        "HEAD {path} HTTP/1.1\r\nHost: {host}\r\n\r\nGET /healthz HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
    );
    tcp.write_all(requests.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    tokio::time::timeout(ITEM_WAIT, tcp.read_to_end(&mut answer))
        .await
        .unwrap()
        .unwrap();
    let text = String::from_utf8_lossy(&answer);
    let (head, rest) = text.split_once("\r\n\r\n").unwrap();
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    assert!(head.contains("content-type: text/event-stream"), "{head}");
    assert!(
        rest.starts_with("HTTP/1.1 200"),
        "no event text after the HEAD answer: {rest:?}"
    );
    server.stop().await;
}

#[tokio::test]
async fn without_fanout_writers_the_stream_is_a_chunked_body_with_the_same_events() {
    let (server, _dir) = server_with("no-writers", "viewers_per_writer = 0", &[]).await;
    let room = room(&server, 4).await;
    let mut c = SseClient::connect(server.addr, &events_path(&room), None)
        .await
        .unwrap();
    assert_eq!(c.status, 200);
    assert_eq!(c.header("transfer-encoding"), Some("chunked"));
    starts_with_a_keyframe(&mut c, 4).await;
    server.stop().await;
}

#[tokio::test]
async fn an_unknown_room_is_a_json_404() {
    let server = TestServer::start(&[]).await;
    let mut c = SseClient::connect(server.addr, "/api/rooms/no-such-room/events", None)
        .await
        .unwrap();
    assert_eq!(c.status, 404);
    assert!(
        c.header("content-type")
            .is_some_and(|v| v.starts_with("application/json"))
    );
    let body: serde_json::Value = serde_json::from_str(&c.body_text().await.unwrap()).unwrap();
    assert!(body["error"].is_string(), "{body}");
    server.stop().await;
}

/// Poll `f` until it is true or `ITEM_WAIT` passed (the server updates counts when
/// it notices a closed socket, which no event of ours can signal).
async fn eventually(mut f: impl AsyncFnMut() -> bool) -> bool {
    let deadline = tokio::time::Instant::now() + ITEM_WAIT;
    while tokio::time::Instant::now() < deadline {
        if f().await {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    false
}

#[tokio::test]
async fn spectators_are_counted_in_the_room_and_in_metrics() {
    let server = TestServer::start(&["--sse-keepalive-ms", "100"]).await;
    let lobby = Lobby::new(&server.url).unwrap();
    let room = room(&server, 2).await;
    assert_eq!(room.spectators, 0);
    let mut a = Spectator::connect(&server, &events_path(&room), None).await;
    let mut b = Spectator::connect(&server, &events_path(&room), None).await;
    a.frames(1).await;
    b.frames(1).await;
    assert_eq!(lobby.room(&room.id).await.unwrap().spectators, 2);
    let metrics = lobby.metrics_text().await.unwrap();
    assert!(
        metrics.lines().any(|l| l == "tickcast_spectators 2"),
        "{metrics}"
    );
    drop(a);
    // The server notices the closed socket when it next writes (keep-alive: 100 ms).
    assert!(eventually(async || lobby.room(&room.id).await.unwrap().spectators == 1).await);
    drop(b);
    assert!(
        eventually(async || lobby
            .metrics_text()
            .await
            .unwrap()
            .lines()
            .any(|l| l == "tickcast_spectators 0"))
        .await
    );
    server.stop().await;
}

#[tokio::test]
async fn a_broadcast_delay_keeps_the_feed_behind_the_room() {
    // One second at 60 Hz: a frame of tick t goes out once the room is at t + 60.
    let (server, _dir) = server_with("sse-delay", "delay_ms = 1000", &[]).await;
    let lobby = Lobby::new(&server.url).unwrap();
    let room = room(&server, 3).await;
    let mut s = Spectator::connect(&server, &events_path(&room), None).await;
    for _ in 0..3 {
        s.frames(1).await;
        let shown = u64::from(s.state.tick.unwrap().0);
        let now = lobby.room(&room.id).await.unwrap().tick;
        assert!(
            now >= shown + 60,
            "frame of tick {shown} shown at room tick {now}"
        );
    }
    server.stop().await;
}

#[tokio::test]
async fn the_binary_format_rebuilds_what_the_json_format_rebuilds() {
    use tickcast_shared::sim::spectate::{BinaryState, SpecEntity};
    use tickcast_tests::sse::SseItem;
    let server = TestServer::start(&[]).await;
    let room = room(&server, 20).await;
    let path = events_path(&room);
    let mut bad = SseClient::connect(server.addr, &format!("{path}?format=xml"), None)
        .await
        .unwrap();
    assert_eq!(bad.status, 400);
    assert!(bad.body_text().await.unwrap().contains("format"));

    let mut json = Spectator::connect(&server, &path, None).await;
    let mut bin = SseClient::connect(server.addr, &format!("{path}?format=binary"), None)
        .await
        .unwrap();
    assert_eq!(bin.status, 200);
    let mut state = BinaryState::default();
    let mut frames = 0;
    while frames < 20 {
        match bin.next_within(ITEM_WAIT).await {
            Some(SseItem::Event { event, id, data }) => {
                if event == "delta" {
                    assert!(!data.starts_with('{'), "a binary delta is base64: {data}");
                }
                state.apply(&event, &data).unwrap();
                let tick = state.snapshot.as_ref().unwrap().tick;
                assert_eq!(
                    id.unwrap().parse::<u64>().unwrap() / 4,
                    u64::from(tick.0),
                    "{event}"
                );
                frames += 1;
            }
            Some(_) => {}
            None => panic!("binary stream ended"),
        }
    }
    let snap = state.snapshot.clone().unwrap();
    json.until_tick(snap.tick.0).await;
    // The JSON viewer may be past the binary one: read the binary one up to it.
    while state.snapshot.as_ref().unwrap().tick < json.state.tick.unwrap() {
        if let Some(SseItem::Event { event, data, .. }) = bin.next_within(ITEM_WAIT).await {
            state.apply(&event, &data).unwrap();
        }
    }
    let snap = state.snapshot.unwrap();
    assert_eq!(Some(snap.tick), json.state.tick);
    let rebuilt: Vec<SpecEntity> = snap.entities.iter().map(SpecEntity::of).collect();
    let want: Vec<SpecEntity> = json.state.entities.values().copied().collect();
    assert_eq!(rebuilt, want);
    assert_eq!(state.map, "arena");
    server.stop().await;
}
