//! Rooms that can't be guessed, over real HTTP against the real binary: random,
//! non-sequential room ids; private rooms reachable only with their invite code.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use tickcast_tests::http::{get, post};
use tickcast_tests::server::TestServer;

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
