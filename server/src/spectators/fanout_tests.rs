//! The fan-out writers with sockets played by [`FakeSocket`] (a receive window the
//! test drains by hand) and tokio's paused clock: every viewer gets every event
//! once and in order, a viewer that joins late continues exactly after its backlog,
//! a full socket queues and then skips to a keyframe, and a viewer that leaves gives
//! its place back and ends its writer.

use super::*;
use crate::fake_socket::FakeSocket;
use crate::spectators::direct::{DirectViewer, KEEPALIVE};
use crate::spectators::test_events::{publish, publish_with_catchup};
use crate::spectators::{EntryKind, Hub, SpectatorConfig, SpectatorCounter};
use bytes::Bytes;
use tickcast_shared::spectate::Format;

fn hub(config: SpectatorConfig) -> Arc<Hub> {
    Hub::new(config, 60, SpectatorCounter::default())
}

/// A direct viewer of `hub` writing to a fake socket with `room` bytes.
fn attach(hub: &Arc<Hub>, room: usize) -> (FakeSocket, tokio::sync::oneshot::Receiver<()>) {
    let socket = FakeSocket::with_room(room);
    let sub = hub.subscribe(None).unwrap();
    let first = vec![Bytes::from_static(b"retry\n")];
    let (viewer, left) = DirectViewer::new(sub, Format::Json, Box::new(socket.clone()), first);
    hub.attach_direct(viewer, &ViewerCounters::default());
    (socket, left)
}

/// Let the writers run.
async fn settle() {
    for _ in 0..8 {
        tokio::task::yield_now().await;
    }
}

#[tokio::test(start_paused = true)]
async fn every_viewer_gets_every_event_once_and_a_late_one_continues_after_its_backlog() {
    let hub = hub(SpectatorConfig {
        viewers_per_writer: 2,
        ..SpectatorConfig::default()
    });
    publish(&hub, 6, EntryKind::Keyframe);
    let early: Vec<_> = (0..3).map(|_| attach(&hub, 1 << 20)).collect();
    settle().await;
    assert_eq!(hub.writers(), 2, "two viewers per writer");
    publish(&hub, 12, EntryKind::Game);
    publish(&hub, 12, EntryKind::Delta);
    // Subscribed now, started by its writer only after two more events: the
    // events between come from its own subscription, then the writer's, once each.
    let sub = hub.subscribe(None).unwrap();
    let late = FakeSocket::with_room(1 << 20);
    let (viewer, _left) = DirectViewer::new(sub, Format::Json, Box::new(late.clone()), vec![]);
    publish(&hub, 18, EntryKind::Delta);
    hub.attach_direct(viewer, &ViewerCounters::default());
    publish(&hub, 24, EntryKind::Delta);
    settle().await;
    for (socket, _) in &early {
        assert_eq!(
            socket.text(),
            "retry\nKeyframe 6\n\nGame 12\n\nDelta 12\n\nDelta 18\n\nDelta 24\n\n"
        );
    }
    assert_eq!(
        late.text(),
        "Keyframe 6\n\nGame 12\n\nDelta 12\n\nDelta 18\n\nDelta 24\n\n"
    );
    assert_eq!(
        hub.writers(),
        2,
        "the late viewer joined the writer with room"
    );
}

#[tokio::test(start_paused = true)]
async fn a_full_socket_queues_whole_events_then_skips_to_a_catchup_keyframe() {
    let counters = ViewerCounters::default();
    let hub = hub(SpectatorConfig {
        lag_events: 3,
        ..SpectatorConfig::default()
    });
    publish(&hub, 6, EntryKind::Keyframe);
    // Room for "retry\n" and half of the keyframe.
    let socket = FakeSocket::with_room(10);
    let sub = hub.subscribe(None).unwrap();
    let first = vec![Bytes::from_static(b"retry\n")];
    let (viewer, _left) = DirectViewer::new(sub, Format::Json, Box::new(socket.clone()), first);
    hub.attach_direct(viewer, &counters);
    settle().await;
    assert_eq!(socket.text(), "retry\nKeyf");
    // One at a time, so the writer keeps up and only the viewer's queue fills.
    for t in [12, 18, 24, 30, 36] {
        publish(&hub, t, EntryKind::Delta);
        settle().await;
    }
    assert!(
        hub.take_catchup_request(),
        "the queue overflowed: it asked for a catch-up"
    );
    assert_eq!(counters.lag_skips.get(), 1);
    publish_with_catchup(&hub, 42);
    publish(&hub, 48, EntryKind::Delta);
    socket.open(1 << 20);
    settle().await;
    // The keyframe that had begun to go out is finished; the deltas queued after it
    // are dropped, the catch-up keyframe stands in for delta 42, and it continues.
    assert_eq!(
        socket.text(),
        "retry\nKeyframe 6\n\nCatch-up 42\n\nDelta 48\n\n"
    );
    assert_eq!(counters.catchup_keyframes.get(), 1);
}

#[tokio::test(start_paused = true)]
async fn a_viewer_that_leaves_gives_its_place_back_and_its_writer_ends() {
    let hub = hub(SpectatorConfig::default());
    publish(&hub, 6, EntryKind::Keyframe);
    let (socket, left) = attach(&hub, 1 << 20);
    let (stays, _stays_left) = attach(&hub, 1 << 20);
    settle().await;
    assert_eq!((hub.spectators(), hub.writers()), (2, 1));
    socket.break_it();
    publish(&hub, 12, EntryKind::Delta);
    settle().await;
    assert!(
        left.await.is_err(),
        "the connection is told the viewer left"
    );
    assert_eq!(hub.spectators(), 1);
    assert!(stays.text().ends_with("Delta 12\n\n"));
    stays.break_it();
    publish(&hub, 18, EntryKind::Delta);
    settle().await;
    assert_eq!(hub.spectators(), 0);
    publish(&hub, 24, EntryKind::Delta);
    assert_eq!(hub.writers(), 0, "the writer without viewers ended");
    // A new viewer gets a new writer.
    let (again, _) = attach(&hub, 1 << 20);
    publish(&hub, 30, EntryKind::End);
    settle().await;
    assert_eq!(
        again.text(),
        "retry\nKeyframe 6\n\nDelta 12\n\nDelta 18\n\nDelta 24\n\nEnd 30\n\n"
    );
    assert_eq!(hub.spectators(), 0, "after end the stream is over");
}

#[tokio::test(start_paused = true)]
async fn a_quiet_viewer_gets_keepalives_and_a_stalled_one_is_let_go_when_its_connection_ends() {
    let hub = hub(SpectatorConfig {
        keepalive_ms: 1000,
        ..SpectatorConfig::default()
    });
    publish(&hub, 6, EntryKind::Keyframe);
    let (quiet, _quiet_left) = attach(&hub, 1 << 20);
    let (stalled, stalled_left) = attach(&hub, 0);
    settle().await;
    // The first round finds both written to (or given to) since they started; the
    // second writes a keep-alive to the quiet one.
    for ms in [1100, 1000] {
        tokio::time::advance(std::time::Duration::from_millis(ms)).await;
        settle().await;
    }
    let keepalive = std::str::from_utf8(KEEPALIVE).unwrap();
    assert_eq!(quiet.text(), format!("retry\nKeyframe 6\n\n{keepalive}"));
    assert_eq!(stalled.text(), "");
    assert_eq!(hub.spectators(), 2);
    // Its connection is cut (server shutdown): the writer lets it go at once.
    drop(stalled_left);
    settle().await;
    assert_eq!(hub.spectators(), 1);
}

#[tokio::test(start_paused = true)]
async fn after_end_a_viewer_whose_text_does_not_move_for_the_write_timeout_is_let_go() {
    let timeouts = prometheus_client::metrics::counter::Counter::default();
    let hub = hub(SpectatorConfig {
        keepalive_ms: 1000,
        write_timeout_secs: 3,
        ..SpectatorConfig::default()
    });
    publish(&hub, 6, EntryKind::Keyframe);
    let socket = FakeSocket::with_room(4);
    let sub = hub.subscribe(None).unwrap();
    sub.arm_write_timeout(timeouts.clone());
    let (viewer, left) = DirectViewer::new(sub, Format::Json, Box::new(socket.clone()), vec![]);
    hub.attach_direct(viewer, &ViewerCounters::default());
    publish(&hub, 12, EntryKind::End);
    settle().await;
    assert_eq!(socket.text(), "Keyf");
    // The hub publishes nothing more, so only the writer can judge it.
    for _ in 0..2 {
        tokio::time::advance(std::time::Duration::from_millis(1000)).await;
        settle().await;
    }
    socket.open(4);
    for _ in 0..3 {
        tokio::time::advance(std::time::Duration::from_millis(1000)).await;
        settle().await;
    }
    assert_eq!(hub.spectators(), 1, "it moved 2 s ago: not yet");
    tokio::time::advance(std::time::Duration::from_millis(1000)).await;
    settle().await;
    assert_eq!(socket.text(), "Keyframe");
    assert_eq!(hub.spectators(), 0);
    assert_eq!(timeouts.get(), 1);
    assert!(left.await.is_err());
}
