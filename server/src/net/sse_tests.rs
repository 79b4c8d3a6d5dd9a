//! Viewer rules: lag skips to a catch-up keyframe, write timeouts free the place,
//! the resume cursor comes from the header or the query.

use super::*;
use crate::spectators::test_events::{publish, publish_with_catchup};
use crate::spectators::{EntryKind, SpectatorConfig, SpectatorCounter};

fn text(b: Option<Bytes>) -> String {
    String::from_utf8(b.unwrap().to_vec()).unwrap()
}

#[tokio::test]
async fn a_lagging_spectator_skips_to_a_catchup_keyframe() {
    let config = SpectatorConfig {
        lag_events: 2,
        ..SpectatorConfig::default()
    };
    let metrics = Metrics::default();
    let hub = Hub::new(config, 60, SpectatorCounter::default());
    publish(&hub, 6, EntryKind::Keyframe);
    let mut v = Viewer::new(
        hub.subscribe(None).unwrap(),
        Format::Json,
        Duration::from_secs(60),
    );
    assert_eq!(
        text(v.next(&viewer_counters(&metrics)).await),
        "Keyframe 6\n\n"
    );
    // The spectator does not read while more events pass than its channel holds;
    // the channel keeps the newest two (deltas 48 and 54), which it must skip.
    for t in [12, 18, 24, 30, 36, 42, 48, 54] {
        publish(&hub, t, EntryKind::Delta);
    }
    assert!(
        futures_util::FutureExt::now_or_never(v.next(&viewer_counters(&metrics))).is_none(),
        "deltas after a lag are not sent"
    );
    assert!(
        hub.take_catchup_request(),
        "the viewer asked for a catch-up"
    );
    // The task renders the next frame as a delta and a catch-up keyframe.
    publish(&hub, 60, EntryKind::Game);
    publish_with_catchup(&hub, 60);
    publish(&hub, 66, EntryKind::Delta);
    // Both wait for the viewer: they go out in one chunk.
    assert_eq!(
        text(v.next(&viewer_counters(&metrics)).await),
        "Catch-up 60\n\nDelta 66\n\n"
    );
    publish(&hub, 72, EntryKind::End);
    assert_eq!(text(v.next(&viewer_counters(&metrics)).await), "End 72\n\n");
    assert!(
        v.next(&viewer_counters(&metrics)).await.is_none(),
        "the stream ends after end"
    );
    assert_eq!(metrics.spectator.catchup_keyframes.get(), 1);
}

#[tokio::test]
async fn a_viewer_that_takes_nothing_is_dropped_after_the_timeout() {
    let metrics = Arc::new(Metrics::default());
    let hub = Hub::new(SpectatorConfig::default(), 60, SpectatorCounter::default());
    publish(&hub, 6, EntryKind::Keyframe);
    let sub = hub.subscribe(None).unwrap();
    sub.arm_write_timeout(metrics.spectator.write_timeouts.clone());
    let mut v = Viewer::new(sub, Format::Json, Duration::from_secs(60));
    let held = hub.subscribe(None).unwrap();
    assert_eq!(hub.spectators(), 2);
    assert_eq!(
        text(v.next(&viewer_counters(&metrics)).await),
        "Keyframe 6\n\n"
    );
    // Delta 12 is published (the hub notes it at its next scan, 8 s on) and nobody
    // takes it for the write timeout (30 s) after that.
    publish(&hub, 12, EntryKind::Delta);
    let now = tokio::time::Instant::now();
    assert_eq!(hub.scan_seats(now + Duration::from_secs(8)), 0);
    assert_eq!(hub.scan_seats(now + Duration::from_secs(37)), 0);
    assert_eq!(hub.scan_seats(now + Duration::from_secs(45)), 1);
    assert_eq!(hub.spectators(), 1, "the place is free again");
    assert_eq!(metrics.spectator.write_timeouts.get(), 1);
    assert!(
        v.next(&viewer_counters(&metrics)).await.is_none(),
        "its stream ends"
    );
    drop(v);
    assert_eq!(hub.spectators(), 1, "a place is given back once");
    // A subscription that is not armed (a cluster hold) is never dropped.
    drop(held);
    assert_eq!(hub.spectators(), 0);
}

#[tokio::test]
async fn a_viewer_that_is_behind_gets_what_waits_in_one_chunk() {
    let metrics = Metrics::default();
    let hub = Hub::new(SpectatorConfig::default(), 60, SpectatorCounter::default());
    publish(&hub, 6, EntryKind::Keyframe);
    let mut v = Viewer::new(
        hub.subscribe(None).unwrap(),
        Format::Json,
        Duration::from_secs(60),
    );
    publish(&hub, 12, EntryKind::Game);
    publish(&hub, 12, EntryKind::Delta);
    assert_eq!(
        text(v.next(&viewer_counters(&metrics)).await),
        "Keyframe 6\n\nGame 12\n\nDelta 12\n\n"
    );
    publish(&hub, 18, EntryKind::Delta);
    assert_eq!(
        text(v.next(&viewer_counters(&metrics)).await),
        "Delta 18\n\n"
    );
}

#[test]
fn the_cursor_comes_from_the_header_then_the_query() {
    let mut h = HeaderMap::new();
    assert_eq!(cursor(&h, None), Cursor::Fresh);
    assert_eq!(cursor(&h, Some("41")), Cursor::After(EventId(41)));
    assert_eq!(cursor(&h, Some("")), Cursor::Fresh);
    assert_eq!(cursor(&h, Some("x")), Cursor::Unreadable);
    h.insert("last-event-id", HeaderValue::from_static("7"));
    assert_eq!(cursor(&h, Some("41")), Cursor::After(EventId(7)));
    h.insert("last-event-id", HeaderValue::from_static("-3"));
    assert_eq!(cursor(&h, None), Cursor::Unreadable);
}
