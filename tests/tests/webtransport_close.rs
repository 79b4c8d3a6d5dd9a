//! A WebTransport player (a browser's session) is told why the server let it go, in
//! the same words as a WebSocket or native QUIC player: the close code and reason
//! travel in the session's `CloseWebTransportSession` capsule, which must reach the
//! peer before the connection ends, on SIGTERM (1001 "server shutting down", the
//! endpoint closes only after its sessions said goodbye) and when an operator closes
//! the room (1000 and the operator's reason).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use tickcast_shared::protocol::ServerMsg;
use tickcast_shared::quic::close;
use tickcast_tests::http::post_with;
use tickcast_tests::player::create_room;
use tickcast_tests::server::TestServer;
use tickcast_tests::wt_player::{WtPeer, wt_seat};

#[tokio::test]
async fn sigterm_closes_webtransport_players_with_1001_and_a_reason() {
    let s = TestServer::start(&[]).await;
    let room = create_room(s.addr, "{}").await;
    let seat = wt_seat(s.addr, &room, "wt-last").await;
    let mut peer = WtPeer::join(&seat, "wt-last").await;
    assert!(matches!(
        peer.next_snapshot().await,
        ServerMsg::Snapshot { .. }
    ));
    let status = tokio::spawn(s.terminate());
    let (code, reason) = peer.expect_close().await;
    assert_eq!(code, u32::from(close::GOING_AWAY), "{reason}");
    assert_eq!(reason, "server shutting down");
    assert!(status.await.unwrap().success());
}

#[tokio::test]
async fn an_operators_close_reaches_a_webtransport_player_with_1000_and_its_reason() {
    let file = tickcast_tests::jwt::config("wt-close", "[auth]\nadmin_token = \"op-token\"\n");
    let s = TestServer::start(&["--config", &file]).await;
    // The server has read it.
    let _ = std::fs::remove_file(&file);
    let room = create_room(s.addr, "{}").await;
    let seat = wt_seat(s.addr, &room, "wt-stays").await;
    let mut peer = WtPeer::join(&seat, "wt-stays").await;
    assert!(matches!(
        peer.next_snapshot().await,
        ServerMsg::Snapshot { .. }
    ));
    let admin = [("authorization", "Bearer op-token")];
    let path = format!("/api/admin/rooms/{room}/close");
    let (status, info) = post_with(s.addr, &path, "", &admin).await;
    assert_eq!(status, 200, "{info}");
    let (code, reason) = peer.expect_close().await;
    assert_eq!(code, u32::from(close::NORMAL), "{reason}");
    assert_eq!(reason, "room closed by the operator");
}
