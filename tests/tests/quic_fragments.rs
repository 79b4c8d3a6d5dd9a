//! Snapshot fragments over QUIC, against the real server and the client library: a
//! 1 000-drone room's snapshots are larger than one datagram, so they travel as
//! datagram fragments (counted in `/metrics`) and never on a stream, and the client
//! reassembles and applies them (deltas too, so its acks got through), also behind
//! a lossy link conditioner.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use tickcast_client::{Client, ClientConfig, LinkSpec, RoomId, Transport};
use tickcast_shared::sim::PlayerInput;
use tickcast_tests::http::get_text;
use tickcast_tests::player::{WAIT, create_room};
use tickcast_tests::server::TestServer;

/// The QUIC snapshot counters of `/metrics`: (whole datagrams, fragmented, streams).
async fn snapshot_paths(addr: std::net::SocketAddr) -> (u64, u64, u64) {
    let (_, text) = get_text(addr, "/metrics").await;
    let value = |name: &str| -> u64 {
        text.lines()
            .find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.trim().parse().ok())
            .unwrap_or_else(|| panic!("no {name} in /metrics"))
    };
    (
        value("tickcast_quic_snapshot_datagrams_total"),
        value("tickcast_quic_snapshots_fragmented_total"),
        value("tickcast_quic_snapshot_streams_total"),
    )
}

/// Play with `config` until `want` snapshots were applied (inputs on schedule, so
/// snapshots are acknowledged); returns the client.
async fn play_until(s: &TestServer, room: &RoomId, config: &ClientConfig, want: u64) -> Client {
    let mut client = Client::join(&s.url, room, "big", config).await.unwrap();
    tokio::time::timeout(WAIT * 2, async {
        loop {
            let counts = client.view_counts();
            if counts.keyframes + counts.deltas >= want {
                return;
            }
            let due = client.next_input_at();
            tokio::select! {
                update = client.next_update() => match update {
                    Ok(_) => {}
                    Err(e) if e.is_recoverable() => {}
                    Err(e) => panic!("{e}"),
                },
                _ = tokio::time::sleep_until(due) => {
                    for _ in 0..client.inputs_due(tokio::time::Instant::now()) {
                        client.send_input(PlayerInput::default()).await.unwrap();
                    }
                }
            }
        }
    })
    .await
    .expect("snapshots applied within the wait");
    client
}

#[tokio::test]
async fn a_thousand_drone_room_stays_on_datagrams_in_fragments() {
    let s = TestServer::start(&[]).await;
    let room = RoomId(create_room(s.addr, r#"{"drones":1000}"#).await);
    let config = ClientConfig {
        transport: Transport::Quic,
        ..ClientConfig::default()
    };
    let client = play_until(&s, &room, &config, 30).await;
    let world = client.world().expect("a world");
    assert!(world.entities.len() >= 1000, "{}", world.entities.len());
    let counts = client.view_counts();
    assert!(counts.deltas > 0, "acks arrive: deltas follow the keyframe");
    let (_, fragmented, streams) = snapshot_paths(s.addr).await;
    assert!(
        fragmented >= 30,
        "snapshots went as fragments: {fragmented}"
    );
    assert_eq!(streams, 0, "no snapshot needed a stream");
    client.leave().await.unwrap();
    s.stop().await;
}

#[tokio::test]
async fn lost_fragmented_snapshots_cost_only_themselves_behind_a_lossy_link() {
    let s = TestServer::start(&[]).await;
    let room = RoomId(create_room(s.addr, r#"{"drones":1000}"#).await);
    let config = ClientConfig {
        transport: Transport::Quic,
        link: Some("latency=10ms,loss=20%".parse::<LinkSpec>().unwrap()),
        ..ClientConfig::default()
    };
    let client = play_until(&s, &room, &config, 30).await;
    let counts = client.view_counts();
    assert!(
        counts.deltas > 0,
        "deltas against older baselines still apply"
    );
    let (_, fragmented, streams) = snapshot_paths(s.addr).await;
    assert!(fragmented > 30, "more were sent than applied: {fragmented}");
    assert_eq!(streams, 0);
    client.leave().await.unwrap();
    s.stop().await;
}
