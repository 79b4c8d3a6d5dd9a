//! Shared steps of the SSE tests (each test crate uses a part of them): a server with a room of drones, and spectators
//! that rebuild what they watch with the reference `SpecState`.

#![allow(dead_code)]

use std::time::Duration;
use tickcast_client::lobby::{CreateRoom, Lobby, RoomInfo};
use tickcast_shared::sim::spectate::{ArenaEvent, SpecState};
use tickcast_shared::spectate::SseEvent;
use tickcast_tests::server::TestServer;
use tickcast_tests::sse::{SseClient, SseItem};

/// Longest wait for one stream item (events come at 10 Hz; keep-alives faster).
pub const ITEM_WAIT: Duration = Duration::from_secs(10);

/// A server whose config file holds `[spectators]` with `settings` (TOML lines),
/// plus `args`. The file lives in a temporary directory removed with the guard.
pub async fn server_with(name: &str, settings: &str, args: &[&str]) -> (TestServer, ConfigDir) {
    let dir = std::env::temp_dir().join(format!("tickcast-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let config = dir.join("spectators.toml");
    std::fs::write(&config, format!("[spectators]\n{settings}\n")).unwrap();
    let mut all = vec!["--config", config.to_str().unwrap()];
    all.extend_from_slice(args);
    let server = TestServer::start(&all).await;
    (server, ConfigDir(dir))
}

/// Removes a test's config directory when dropped.
pub struct ConfigDir(std::path::PathBuf);

impl Drop for ConfigDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

pub async fn room(server: &TestServer, drones: u32) -> RoomInfo {
    Lobby::new(&server.url)
        .unwrap()
        .create_room(&CreateRoom {
            name: Some("sse".into()),
            drones: Some(drones),
            ..CreateRoom::default()
        })
        .await
        .unwrap()
}

pub fn events_path(room: &RoomInfo) -> String {
    format!("/api/rooms/{}/events", room.id)
}

/// A spectator: its connection and the world it rebuilt so far.
pub struct Spectator {
    pub client: SseClient,
    pub state: SpecState,
    /// `(event name, id)` of every event received, in order (a `reset`, which has
    /// no id, is recorded with the previous id).
    pub seen: Vec<(String, u64)>,
    pub comments: usize,
}

impl Spectator {
    /// Connect (with `Last-Event-ID` when given), expecting `200` and `retry:` first.
    pub async fn connect(server: &TestServer, path: &str, last_id: Option<&str>) -> Spectator {
        let mut client = SseClient::connect(server.addr, path, last_id)
            .await
            .unwrap();
        if client.status != 200 {
            let status = client.status;
            panic!("status {status}: {:?}", client.body_text().await);
        }
        let first = client.next_within(ITEM_WAIT).await;
        assert!(matches!(first, Some(SseItem::Retry(_))), "{first:?}");
        Spectator {
            client,
            state: SpecState::new(),
            seen: Vec::new(),
            comments: 0,
        }
    }

    /// Read one item and apply it; returns the event, if it was one.
    pub async fn step(&mut self) -> Option<ArenaEvent> {
        match self.client.next_within(ITEM_WAIT).await {
            Some(SseItem::Event { event, id, data }) => {
                let ev = ArenaEvent::parse(&event, &data).unwrap();
                let prev = self.seen.last().map(|(_, id)| *id);
                let id = match ev.id() {
                    Some(want) => {
                        let id: u64 = id
                            .expect("every event but reset has an id")
                            .parse()
                            .unwrap();
                        assert_eq!(id, want.0, "the id of {event} of tick {}", ev.tick().0);
                        if let Some(prev) = prev {
                            assert!(id > prev, "ids increase: {prev} then {id}");
                        }
                        id
                    }
                    None => {
                        assert_eq!(id, None, "a reset has no id");
                        prev.unwrap_or(0)
                    }
                };
                self.state.apply(&ev).unwrap();
                self.seen.push((event, id));
                Some(ev)
            }
            Some(SseItem::Comment(_)) => {
                self.comments += 1;
                None
            }
            Some(SseItem::Retry(r)) => panic!("a second retry: {r}"),
            None => panic!("the stream ended"),
        }
    }

    /// Every event of the stream until `end` (included), applied.
    pub async fn events_until_end(&mut self) -> Vec<ArenaEvent> {
        let mut events = Vec::new();
        loop {
            if let Some(event) = self.step().await {
                let end = matches!(event, ArenaEvent::End(_));
                events.push(event);
                if end {
                    return events;
                }
            }
        }
    }

    /// Read until a frame of tick `tick` or later was applied.
    pub async fn until_tick(&mut self, tick: u32) {
        while self.state.tick.is_none_or(|t| t.0 < tick) {
            self.step().await;
        }
    }

    /// The id of the newest event received.
    pub fn last_id(&self) -> Option<u64> {
        self.seen.last().map(|(_, id)| *id)
    }

    /// Read until the next event (skipping comments).
    pub async fn event(&mut self) -> ArenaEvent {
        loop {
            if let Some(ev) = self.step().await {
                return ev;
            }
        }
    }

    /// Read until `n` frames were applied.
    pub async fn frames(&mut self, n: usize) {
        let mut got = 0;
        while got < n {
            if self.step().await.is_some_and(|e| e.is_frame()) {
                got += 1;
            }
        }
    }
}

/// Every event of a stream (a playback) until `end` (included).
pub async fn all_events(server: &TestServer, path: &str) -> Vec<ArenaEvent> {
    Spectator::connect(server, path, None)
        .await
        .events_until_end()
        .await
}
