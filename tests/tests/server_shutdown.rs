//! Graceful shutdown of the real binary: SIGTERM closes players with 1001 and a
//! reason, and the process exits 0.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use tickcast_tests::player::{Player, create_room, expect_close};
use tickcast_tests::server::TestServer;

#[tokio::test]
async fn sigterm_closes_players_with_1001_and_exits_zero() {
    let s = TestServer::start(&[]).await;
    let room = create_room(s.addr, "{}").await;
    let mut p = Player::join(s.addr, &room, "last").await;
    p.next_snapshot().await;
    let status = tokio::spawn(s.terminate());
    let close = expect_close(&mut p.ws).await;
    assert_eq!(close.code, 1001);
    assert_eq!(close.reason, "server shutting down");
    let status = status.await.unwrap();
    assert!(status.success(), "exit status {status:?}");
}
