//! `GET /api/rooms/events` against the real binary over loopback: the full list
//! first, then `room` / `removed` changes with increasing ids; private rooms never
//! appear; a viewer that resumes with its id (header or `?lastEventId=`) gets
//! exactly the changes after it, and one whose id cannot be continued gets
//! `event: reset` and the full list; the viewer cap answers 503 and is counted;
//! in cluster mode a node's stream shows the rooms of every node.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod cluster_common;

use serde_json::Value;
use std::path::PathBuf;
use std::time::Duration;
use tickcast_tests::http::{get, get_text, post, post_with};
use tickcast_tests::redis::RedisServer;
use tickcast_tests::server::TestServer;
use tickcast_tests::sse::{SseClient, SseItem};

const PATH: &str = "/api/rooms/events";
const WAIT: Duration = Duration::from_secs(10);

/// A config file (removed with the guard) holding `text`.
struct ConfigFile(PathBuf);

impl ConfigFile {
    fn new(tag: &str, text: &str) -> ConfigFile {
        let dir =
            std::env::temp_dir().join(format!("tickcast-lobbyev-{tag}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("lobby.toml");
        std::fs::write(&path, text).unwrap();
        ConfigFile(dir)
    }

    fn path(&self) -> String {
        self.0.join("lobby.toml").to_str().unwrap().to_owned()
    }
}

impl Drop for ConfigFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

async fn server(tag: &str, lobby: &str) -> (TestServer, ConfigFile) {
    let text = format!(
        "finished_linger_secs = 0.3\n[auth]\nadmin_token = \"op\"\n\
         [spectators]\nkeepalive_ms = 200\n[lobby]\nevents_interval_ms = 50\n{lobby}\n"
    );
    let file = ConfigFile::new(tag, &text);
    let server = TestServer::start(&["--config", &file.path()]).await;
    (server, file)
}

/// One event: name, id, data.
#[derive(Debug, Clone, PartialEq)]
struct Ev {
    event: String,
    id: Option<u64>,
    data: Value,
}

/// The next event (comments and `retry:` skipped).
async fn next(c: &mut SseClient) -> Ev {
    loop {
        match c.next_within(WAIT).await.expect("the stream goes on") {
            SseItem::Event { event, id, data } => {
                let data = serde_json::from_str(&data).expect("JSON data");
                let id = id.map(|i| i.parse().expect("a numeric id"));
                return Ev { event, id, data };
            }
            SseItem::Comment(_) | SseItem::Retry(_) => {}
        }
    }
}

/// Events until (and with) the first for which `done` holds.
async fn until(c: &mut SseClient, done: impl Fn(&Ev) -> bool) -> Vec<Ev> {
    let mut seen = Vec::new();
    loop {
        let ev = next(c).await;
        let stop = done(&ev);
        seen.push(ev);
        if stop {
            return seen;
        }
    }
}

fn about(ev: &Ev, id: &Value) -> bool {
    ev.data["id"] == *id
}

async fn create(s: &TestServer, body: &str) -> Value {
    let (status, room) = post(s.addr, "/api/rooms", body).await;
    assert_eq!(status, 201, "{room}");
    room
}

async fn connect(s: &TestServer, path: &str, id: Option<&str>) -> SseClient {
    let c = SseClient::connect(s.addr, path, id).await.unwrap();
    assert_eq!(c.status, 200);
    assert_eq!(c.header("content-type"), Some("text/event-stream"));
    c
}

/// `GET /api/rooms` without `tick`, as the stream shows rooms.
async fn listed(s: &TestServer) -> Value {
    let (status, mut list) = get(s.addr, "/api/rooms").await;
    assert_eq!(status, 200);
    for room in list.as_array_mut().unwrap() {
        room.as_object_mut().unwrap().remove("tick");
    }
    list
}

fn assert_increasing(events: &[Ev]) {
    let ids: Vec<u64> = events.iter().filter_map(|e| e.id).collect();
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "ids increase: {ids:?}");
}

#[tokio::test]
async fn the_list_comes_first_then_changes_and_private_rooms_never_appear() {
    let (s, _file) = server("follow", "").await;
    let early = create(&s, r#"{"name":"early"}"#).await;
    let mut c = connect(&s, PATH, None).await;
    let first = next(&mut c).await;
    assert_eq!(first.event, "rooms");
    assert_eq!(first.data, listed(&s).await);
    assert_eq!(first.data[0]["id"], early["id"]);
    assert_eq!(
        c.header("last-event-id").map(str::to_owned),
        first.id.map(|i| i.to_string()),
        "the header names the list's id"
    );

    let hidden = create(&s, r#"{"name":"hidden","private":true}"#).await;
    let open = create(&s, r#"{"name":"open","drones":2}"#).await;
    let mut seen = until(&mut c, |e| e.event == "room" && about(e, &open["id"])).await;
    let added = seen.last().unwrap().clone();
    assert_eq!(added.data["name"], "open");
    assert_eq!(added.data["drones"], 2);
    assert!(added.data.get("tick").is_none(), "{:?}", added.data);
    assert!(added.id.unwrap() > first.id.unwrap());

    // Closing a room: it shows as finished, then it is removed.
    let close = format!("/api/admin/rooms/{}/close", id_of(&open));
    let (status, _) = post_with(s.addr, &close, "", &[("authorization", "Bearer op")]).await;
    assert_eq!(status, 200);
    seen.extend(
        until(&mut c, |e| {
            e.event == "room" && about(e, &open["id"]) && e.data["state"] == "finished"
        })
        .await,
    );
    let removed = until(&mut c, |e| e.event == "removed").await;
    assert_eq!(
        removed.last().unwrap().data,
        serde_json::json!({ "id": open["id"] })
    );
    seen.extend(removed);
    assert_increasing(&seen);
    for ev in &seen {
        assert!(!about(ev, &hidden["id"]), "a private room appeared: {ev:?}");
    }
    // What the stream says is what the list says.
    let (status, _) = get(s.addr, &format!("/api/rooms/{}", id_of(&open))).await;
    assert_eq!(status, 404);
}

fn id_of(room: &Value) -> String {
    match &room["id"] {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

#[tokio::test]
async fn a_resumed_viewer_gets_exactly_the_changes_after_its_id() {
    let (s, _file) = server("resume", "").await;
    let mut steady = connect(&s, PATH, None).await;
    let mut leaving = connect(&s, PATH, None).await;
    let start = next(&mut steady).await;
    assert_eq!(next(&mut leaving).await, start);
    let one = create(&s, r#"{"name":"one"}"#).await;
    let kept = until(&mut leaving, |e| about(e, &one["id"])).await;
    let last = kept.last().unwrap().id.unwrap();
    drop(leaving);
    let two = create(&s, r#"{"name":"two"}"#).await;
    let three = create(&s, r#"{"name":"three"}"#).await;
    let mut steady_seen = until(&mut steady, |e| about(e, &three["id"])).await;
    assert!(steady_seen.iter().any(|e| about(e, &two["id"])));
    steady_seen.retain(|e| e.id.unwrap() > last);
    assert!(steady_seen.len() >= 2, "{steady_seen:?}");

    for by_query in [false, true] {
        let text = last.to_string();
        let mut back = if by_query {
            connect(&s, &format!("{PATH}?lastEventId={text}"), None).await
        } else {
            connect(&s, PATH, Some(&text)).await
        };
        assert_eq!(back.header("last-event-id"), Some(text.as_str()));
        let got = until(&mut back, |e| about(e, &three["id"])).await;
        assert_eq!(got, steady_seen, "exactly the changes after {last}");
    }
    // And the stream goes on live.
    let four = create(&s, r#"{"name":"four"}"#).await;
    let live = until(&mut steady, |e| about(e, &four["id"])).await;
    assert_eq!(live.last().unwrap().event, "room");
}

#[tokio::test]
async fn an_id_that_cannot_be_continued_gets_a_reset_and_the_full_list() {
    let (s, _file) = server("reset", "events_retain = 2").await;
    let mut watch = connect(&s, PATH, None).await;
    let start = next(&mut watch).await;
    let mut last = None;
    for n in 0..4 {
        let room = create(&s, &format!(r#"{{"name":"r{n}"}}"#)).await;
        last = until(&mut watch, |e| about(e, &room["id"])).await.pop();
    }
    let last = last.unwrap().id.unwrap();
    let list = listed(&s).await;
    assert_eq!(list.as_array().unwrap().len(), 4);
    let start_id = start.id.unwrap().to_string();
    let future = (last + 1000).to_string();
    for id in [start_id.as_str(), "not-an-id", future.as_str()] {
        let mut c = connect(&s, PATH, Some(id)).await;
        assert_eq!(c.header("last-event-id"), Some(last.to_string().as_str()));
        let reset = next(&mut c).await;
        assert_eq!(reset.event, "reset", "for {id}");
        assert_eq!(reset.data["requested"], id);
        assert!(reset.data["reason"].is_string());
        let full = next(&mut c).await;
        assert_eq!((full.event.as_str(), full.id), ("rooms", Some(last)));
        assert_eq!(full.data, list);
    }
}

#[tokio::test]
async fn the_viewer_cap_answers_503_and_is_counted() {
    let (s, _file) = server("cap", "events_viewers = 1").await;
    let first = connect(&s, PATH, None).await;
    let mut second = SseClient::connect(s.addr, PATH, None).await.unwrap();
    assert_eq!(second.status, 503);
    let body: Value = serde_json::from_str(&second.body_text().await.unwrap()).unwrap();
    assert!(
        body["error"].as_str().unwrap().contains("limit 1"),
        "{body}"
    );
    let (_, metrics) = get_text(s.addr, "/metrics").await;
    let value = |name: &str| -> Option<f64> {
        metrics
            .lines()
            .find_map(|l| l.strip_prefix(&format!("{name} "))?.parse().ok())
    };
    assert_eq!(value("tickcast_lobby_viewers_refused_total"), Some(1.0));
    assert_eq!(value("tickcast_lobby_viewers"), Some(1.0));
    // A viewer that leaves frees its place (noticed at the next keep-alive write).
    drop(first);
    let mut admitted = false;
    for _ in 0..50 {
        let c = SseClient::connect(s.addr, PATH, None).await.unwrap();
        if c.status == 200 {
            admitted = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(admitted, "the place was freed");
}

#[tokio::test]
async fn in_cluster_mode_a_node_streams_the_rooms_of_every_node() {
    let redis = RedisServer::start().await;
    let file = ConfigFile::new("cluster", "[lobby]\nevents_interval_ms = 50\n");
    let path = file.path();
    let n1 = cluster_common::node(&redis, "n1", &["--config", &path]).await;
    let n2 = cluster_common::node(&redis, "n2", &["--config", &path]).await;
    let mut c = connect(&n1, PATH, None).await;
    let first = next(&mut c).await;
    assert_eq!(
        (first.event.as_str(), first.data.clone()),
        ("rooms", serde_json::json!([]))
    );
    let hidden = create(&n2, r#"{"private":true}"#).await;
    let there = create(&n2, r#"{"name":"on n2"}"#).await;
    let seen = until(&mut c, |e| about(e, &there["id"])).await;
    let added = seen.last().unwrap();
    assert_eq!(added.event, "room");
    assert_eq!(
        (added.data["node"].as_str(), added.data["name"].as_str()),
        (Some("n2"), Some("on n2"))
    );
    assert!(seen.iter().all(|e| !about(e, &hidden["id"])), "{seen:?}");
    assert_increasing(&seen);
}
