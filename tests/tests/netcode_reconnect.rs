//! The native client reconnects by itself: a TCP proxy between the client and the
//! real server cuts every connection mid-match; the client comes back through the
//! proxy with its resume token, as the same player, and plays on.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::net::SocketAddr;
use tickcast_client::{Client, ClientConfig, Update};
use tickcast_shared::protocol::HelloAuth;
use tickcast_shared::sim::PlayerInput;
use tickcast_tests::player::{WAIT, create_room, ticket};
use tickcast_tests::server::TestServer;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

/// A loopback TCP proxy to `upstream`; sending on the returned channel cuts every
/// connection open at that moment (new ones are forwarded as before).
async fn proxy(upstream: SocketAddr) -> (SocketAddr, watch::Sender<u32>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (cut, cuts) = watch::channel(0u32);
    tokio::spawn(async move {
        while let Ok((mut client, _)) = listener.accept().await {
            let mut cuts = cuts.clone();
            cuts.borrow_and_update();
            tokio::spawn(async move {
                let Ok(mut server) = TcpStream::connect(upstream).await else {
                    return;
                };
                tokio::select! {
                    _ = tokio::io::copy_bidirectional(&mut client, &mut server) => {}
                    _ = cuts.changed() => {}
                }
            });
        }
    });
    (addr, cut)
}

/// Read updates (answering snapshots with an idle input) until `stop` says so.
async fn until(client: &mut Client, mut stop: impl FnMut(&Update) -> bool) -> Update {
    tokio::time::timeout(WAIT, async {
        loop {
            let update = client.next_update().await.expect("no final error");
            if let Update::Snapshot { .. } = update {
                client.send_input(PlayerInput::default()).await.unwrap();
            }
            if stop(&update) {
                return update;
            }
        }
    })
    .await
    .expect("within the wait")
}

#[tokio::test]
async fn a_cut_connection_comes_back_as_the_same_player() {
    let s = TestServer::start(&[]).await;
    let room = create_room(s.addr, r#"{"drones":4}"#).await;
    let (proxied, cut) = proxy(s.addr).await;
    let (ticket, ws_url) = ticket(s.addr, &room, "cut").await;
    // The lobby answers a path; the socket goes to the proxy.
    let url = format!("ws://{proxied}{ws_url}");
    let mut client = Client::connect_url(
        &url,
        HelloAuth::Ticket(ticket),
        "cut",
        &ClientConfig::default(),
    )
    .await
    .unwrap();
    let player = client.welcome().player;
    until(&mut client, |u| matches!(u, Update::Snapshot { .. })).await;
    let before = client.world().unwrap().tick;

    cut.send_modify(|n| *n += 1);
    let back = until(&mut client, |u| matches!(u, Update::Reconnected { .. })).await;
    assert!(matches!(back, Update::Reconnected { attempts } if attempts >= 1));
    assert_eq!(client.welcome().player, player, "the same player");
    assert_eq!(client.net_stats().reconnects, 1);
    until(&mut client, |u| {
        matches!(u, Update::Snapshot { keyframe: true, .. })
    })
    .await;
    assert!(client.world().unwrap().tick > before);
    assert!(client.own().is_some(), "its entity is still in the world");
    assert_eq!(
        client.net_stats().keyframes_resent,
        1,
        "a resume restarts with a keyframe"
    );
    client.leave().await.unwrap();
    s.stop().await;
}

#[tokio::test]
async fn with_reconnect_off_a_cut_is_the_end() {
    let s = TestServer::start(&[]).await;
    let room = create_room(s.addr, "{}").await;
    let (proxied, cut) = proxy(s.addr).await;
    let (ticket, ws_url) = ticket(s.addr, &room, "once").await;
    let url = format!("ws://{proxied}{ws_url}");
    let mut config = ClientConfig::default();
    config.reconnect.enabled = false;
    let mut client = Client::connect_url(&url, HelloAuth::Ticket(ticket), "once", &config)
        .await
        .unwrap();
    until(&mut client, |u| matches!(u, Update::Snapshot { .. })).await;
    cut.send_modify(|n| *n += 1);
    let ended = tokio::time::timeout(WAIT, async {
        loop {
            if let Err(e) = client.next_update().await {
                return e;
            }
        }
    })
    .await
    .expect("the drop is reported");
    assert!(!ended.is_recoverable(), "{ended}");
    assert_eq!(client.net_stats().reconnects, 0);
    s.stop().await;
}
