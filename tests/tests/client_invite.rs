//! Private rooms from the native client: `Client::join` with
//! `ClientConfig::invite`, and `bots --room ID --invite CODE`. Without the code
//! the room does not exist for the client (404).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use tickcast_client::{Client, ClientConfig, RoomId, Update};
use tickcast_tests::http::post;
use tickcast_tests::player::WAIT;
use tickcast_tests::server::{TestServer, bots_report};

/// A private room's id and invite code.
async fn private_room(addr: std::net::SocketAddr) -> (String, String) {
    let (status, room) = post(addr, "/api/rooms", r#"{"private":true,"drones":2}"#).await;
    assert_eq!(status, 201, "{room}");
    let id = room["id"].as_str().unwrap().to_owned();
    let invite = room["invite"].as_str().expect("an invite code").to_owned();
    (id, invite)
}

#[tokio::test]
async fn the_client_joins_a_private_room_with_its_invite_only() {
    let s = TestServer::start(&[]).await;
    let (id, invite) = private_room(s.addr).await;
    let room = RoomId(id);
    let Err(err) = Client::join(&s.url, &room, "guess", &ClientConfig::default()).await else {
        panic!("a seat without the invite");
    };
    assert!(err.to_string().contains("404"), "{err}");
    let wrong = ClientConfig {
        invite: Some("not-the-code".into()),
        ..ClientConfig::default()
    };
    let Err(err) = Client::join(&s.url, &room, "guess", &wrong).await else {
        panic!("a seat with a wrong invite");
    };
    assert!(err.to_string().contains("404"), "{err}");
    let config = ClientConfig {
        invite: Some(invite),
        ..ClientConfig::default()
    };
    let mut client = Client::join(&s.url, &room, "guest", &config).await.unwrap();
    assert_eq!(client.welcome().map, "arena");
    tokio::time::timeout(WAIT, async {
        loop {
            if let Update::Snapshot { .. } = client.next_update().await.unwrap() {
                return;
            }
        }
    })
    .await
    .unwrap();
    client.leave().await.unwrap();
}

#[tokio::test]
async fn bots_take_seats_in_a_private_room_with_invite() {
    let s = TestServer::start(&[]).await;
    let (id, invite) = private_room(s.addr).await;
    let args = [
        "--count",
        "2",
        "--duration",
        "2s",
        "--idle",
        "--room",
        &id,
        "--invite",
        &invite,
    ];
    let report = bots_report(&s.url, &args).await;
    assert_eq!(report["connected"], 2, "{report}");
    assert!(report["snapshots"].as_u64().unwrap() > 0, "{report}");
}
