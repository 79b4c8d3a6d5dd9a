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

/// The QUIC path gets the same close code and reason as a WebSocket player.
#[tokio::test]
async fn sigterm_closes_quic_players_with_1001_and_a_reason() {
    use tickcast_client::reconnect::ReconnectPolicy;
    use tickcast_client::{Client, ClientConfig, ClientError, Transport};
    let s = TestServer::start(&[]).await;
    let config = ClientConfig {
        transport: Transport::Quic,
        reconnect: ReconnectPolicy {
            enabled: false,
            ..ReconnectPolicy::default()
        },
        ..ClientConfig::default()
    };
    let mut client = Client::matchmake(&s.url, "quic-last", &config)
        .await
        .expect("a QUIC player");
    let status = tokio::spawn(s.terminate());
    let closed = tokio::time::timeout(std::time::Duration::from_secs(20), async {
        loop {
            match client.next_update().await {
                Ok(_) => {}
                Err(e) if e.is_recoverable() => {}
                Err(e) => return e,
            }
        }
    })
    .await
    .expect("the QUIC player is closed in time");
    match closed {
        ClientError::Closed { code, reason } => {
            assert_eq!(code, 1001, "{reason}");
            assert_eq!(reason, "server shutting down");
        }
        other => panic!("expected a close with a code, got {other}"),
    }
    assert!(status.await.unwrap().success());
}
