//! The link conditioner and the input timeline against the real server.
//!
//! - Over WebSocket (TCP) a lost packet is a retransmission delay, never a gap: with
//!   every packet "lost" the client still applies every snapshot it is sent, in order,
//!   and its inputs are all consumed.
//! - Over QUIC a lost datagram is gone: with every packet lost no snapshot arrives,
//!   while the control stream (pongs) still works.
//! - The bots binary with `--link` and its `--json` report of the netcode figures.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use tickcast_client::{Client, ClientConfig, LinkSpec, RoomId, Transport, Update};
use tickcast_shared::sim::PlayerInput;
use tickcast_tests::player::{WAIT, create_room};
use tickcast_tests::server::{TestServer, bots_report};

fn lossy(transport: Transport) -> ClientConfig {
    ClientConfig {
        transport,
        link: Some("latency=5ms,loss=100%".parse::<LinkSpec>().unwrap()),
        ..ClientConfig::default()
    }
}

#[tokio::test]
async fn over_websocket_loss_delays_but_loses_nothing() {
    let s = TestServer::start(&[]).await;
    let room = RoomId(create_room(s.addr, r#"{"drones":4}"#).await);
    let mut client = Client::join(&s.url, &room, "tcp", &lossy(Transport::WebSocket))
        .await
        .unwrap();
    let mut sent = 0u32;
    tokio::time::timeout(WAIT, async {
        while client.last_input().0 < 20 {
            let due = client.next_input_at();
            tokio::select! {
                update = client.next_update() => { update.unwrap(); }
                _ = tokio::time::sleep_until(due), if sent < 20 => {
                    for _ in 0..client.inputs_due(tokio::time::Instant::now()) {
                        client.send_input(PlayerInput::default()).await.unwrap();
                        sent += 1;
                    }
                }
            }
        }
    })
    .await
    .expect("every input consumed despite the losses");
    let counts = client.view_counts();
    assert!(counts.keyframes + counts.deltas > 0);
    assert_eq!(counts.skipped(), 0, "nothing lost or out of order");
    assert_eq!(client.net_stats().snapshots_lost, 0);
    assert_eq!(client.net_stats().keyframes_resent, 0);
    client.leave().await.unwrap();
    s.stop().await;
}

#[tokio::test]
async fn over_quic_a_lost_datagram_is_gone_but_the_control_stream_is_not() {
    let s = TestServer::start(&[]).await;
    let room = RoomId(create_room(s.addr, r#"{"drones":4}"#).await);
    let mut client = Client::join(&s.url, &room, "udp", &lossy(Transport::Quic))
        .await
        .unwrap();
    client.ping().await.unwrap();
    let rtt = tokio::time::timeout(WAIT, async {
        loop {
            match client.next_update().await {
                Ok(Update::Pong { rtt: Some(rtt), .. }) => return rtt,
                Ok(Update::Snapshot { tick, .. }) => panic!("snapshot {tick:?} got through"),
                Ok(_) => {}
                Err(e) if e.is_recoverable() => {}
                Err(e) => panic!("{e}"),
            }
        }
    })
    .await
    .expect("the pong arrives on the reliable stream");
    assert!(rtt >= std::time::Duration::from_millis(10), "{rtt:?}");
    assert!(client.world().is_none(), "no snapshot datagram got through");
    client.leave().await.unwrap();
    s.stop().await;
}

#[tokio::test]
async fn bots_report_the_netcode_figures_behind_a_conditioned_link() {
    let s = TestServer::start(&[]).await;
    let room = create_room(s.addr, r#"{"drones":8}"#).await;
    let args = [
        "--count",
        "2",
        "--duration",
        "4s",
        "--room",
        &room,
        "--link",
        "good",
    ];
    let report = bots_report(&s.url, &args).await;
    assert_eq!(report["connected"], 2, "{report}");
    assert_eq!(report["disconnects"], 0, "{report}");
    assert!(report["frames"].as_u64().unwrap() > 0, "{report}");
    assert!(
        report["input_delay_ticks_p99"].as_f64().is_some(),
        "input delays measured: {report}"
    );
    for key in [
        "corrections_per_sec",
        "correction_p99",
        "extrapolated_pct",
        "snapshots_lost",
        "keyframes_resent",
        "reconnects",
    ] {
        assert!(report.get(key).is_some(), "{key} missing: {report}");
    }
    assert!(report["rtt_ms_p50"].as_f64().unwrap() >= 60.0, "{report}");
    s.stop().await;
}
