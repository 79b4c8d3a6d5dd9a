//! A finished room ends its stream with `event: end`, then answers `204` to every
//! reconnect (so browsers stop retrying), with or without `Last-Event-ID`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod sse_common;

use sse_common::{Spectator, events_path, room};
use tickcast_shared::sim::spectate::ArenaEvent;
use tickcast_tests::server::TestServer;
use tickcast_tests::sse::SseClient;

#[tokio::test]
async fn a_finished_room_ends_the_stream_then_answers_204() {
    // A room without players finishes after a second.
    let server = TestServer::start(&["--empty-room-secs", "1"]).await;
    let room = room(&server, 3).await;
    let path = events_path(&room);
    let mut s = Spectator::connect(&server, &path, None).await;
    let end = loop {
        if let Some(ArenaEvent::End(end)) = s.step().await {
            break end;
        }
    };
    assert!(s.state.ended);
    assert!(end.tick.0 >= s.state.tick.unwrap().0);
    assert_eq!(
        s.client.next().await.unwrap(),
        None,
        "the stream closes after end"
    );
    let last = end.tick.0.to_string();
    for id in [None, Some(last.as_str())] {
        let c = SseClient::connect(server.addr, &path, id).await.unwrap();
        assert_eq!(c.status, 204, "reconnect with id {id:?}");
    }
    server.stop().await;
}
