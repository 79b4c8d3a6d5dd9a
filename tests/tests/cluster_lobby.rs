//! Cluster mode, one lobby: three real server nodes on a real redis-server list
//! each other's rooms, hand out tickets for the owning node, use tickets once across
//! the cluster, and matchmake race-free across nodes.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod cluster_common;

use cluster_common::{id_text, ids, node, node_with_quic, refused_upgrade};
use std::collections::{BTreeMap, BTreeSet};
use tickcast_shared::protocol::HelloAuth;
use tickcast_tests::http::{get, post};
use tickcast_tests::player::{Player, open};
use tickcast_tests::redis::RedisServer;
use tickcast_tests::server::{TestServer, bots_report};

/// The path part of an absolute `ws://host:port/path` URL, checking the host.
fn ws_path<'a>(ws_url: &'a str, node: &TestServer) -> &'a str {
    let prefix = format!("ws://{}", node.addr);
    ws_url
        .strip_prefix(&prefix)
        .unwrap_or_else(|| panic!("{ws_url} is not on {prefix}"))
}

#[tokio::test]
async fn every_node_lists_every_room_and_tickets_name_the_owner() {
    let redis = RedisServer::start().await;
    let n1 = node(&redis, "n1", &[]).await;
    let n2 = node(&redis, "n2", &[]).await;
    let n3 = node(&redis, "n3", &[]).await;

    let (status, room) = post(n1.addr, "/api/rooms", r#"{"name":"duel"}"#).await;
    assert_eq!(status, 201, "{room}");
    assert_eq!(
        (room["node"].as_str(), room["url"].as_str()),
        (Some("n1"), Some(n1.url.as_str()))
    );
    let id = id_text(&room["id"]);
    let (_, hidden) = post(n2.addr, "/api/rooms", r#"{"private":true}"#).await;

    for n in [&n1, &n2, &n3] {
        let (status, list) = get(n.addr, "/api/rooms").await;
        assert_eq!(status, 200);
        assert_eq!(ids(&list), vec![id.clone()], "private rooms are not listed");
        assert_eq!(list[0]["node"], "n1");
        assert_eq!(list[0]["url"], n1.url.as_str());
        assert!(list[0].get("provisional").is_none());
    }
    let (status, one) = get(n3.addr, &format!("/api/rooms/{id}")).await;
    assert_eq!(
        (status, one["name"].as_str(), one["node"].as_str()),
        (200, Some("duel"), Some("n1"))
    );
    // A private room: found and joined from any node with its invite, else 404.
    let hidden_id = id_text(&hidden["id"]);
    let code = hidden["invite"]
        .as_str()
        .expect("a private room's invite")
        .to_owned();
    assert!(hidden.get("invite_sha256").is_none(), "{hidden}");
    let (status, _) = get(n3.addr, &format!("/api/rooms/{hidden_id}")).await;
    assert_eq!(status, 404);
    let (status, _) = get(n3.addr, &format!("/api/rooms/{hidden_id}?invite=nope")).await;
    assert_eq!(status, 404);
    let (status, private) = get(n3.addr, &format!("/api/rooms/{hidden_id}?invite={code}")).await;
    assert_eq!(
        (status, private["node"].as_str()),
        (200, Some("n2")),
        "{private}"
    );
    assert!(private.get("invite_sha256").is_none(), "{private}");
    let join = format!("/api/rooms/{hidden_id}/join");
    let (status, _) = post(n1.addr, &join, r#"{"name":"x"}"#).await;
    assert_eq!(status, 404, "no invite");
    let (status, _) = post(n1.addr, &join, r#"{"name":"x","invite":"wrong"}"#).await;
    assert_eq!(status, 404, "wrong invite");
    let (status, seat) = post(
        n1.addr,
        &join,
        &format!(r#"{{"name":"x","invite":"{code}"}}"#),
    )
    .await;
    assert_eq!(status, 200, "{seat}");
    assert_eq!(seat["room"]["node"], "n2");

    let (status, nodes) = get(n2.addr, "/api/nodes").await;
    assert_eq!(status, 200);
    let listed: Vec<(&str, &str, bool)> = nodes
        .as_array()
        .unwrap()
        .iter()
        .map(|n| {
            (
                n["id"].as_str().unwrap(),
                n["url"].as_str().unwrap(),
                n["draining"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        listed,
        vec![
            ("n1", n1.url.as_str(), false),
            ("n2", n2.url.as_str(), false),
            ("n3", n3.url.as_str(), false)
        ]
    );
    assert_eq!(nodes[0]["rooms"], 1);
    assert_eq!(nodes[1]["rooms"], 1);

    // A join on n2 names n1; the ticket works there, once.
    let (status, seat) = post(
        n2.addr,
        &format!("/api/rooms/{id}/join"),
        r#"{"name":"ann"}"#,
    )
    .await;
    assert_eq!(status, 200, "{seat}");
    let ticket = seat["ticket"].as_str().unwrap().to_owned();
    let path = ws_path(seat["ws_url"].as_str().unwrap(), &n1).to_owned();
    assert_eq!(seat["room"]["node"], "n1");
    let ws = open(n1.addr, &path).await;
    let _ann = Player::hello(ws, HelloAuth::Ticket(ticket.clone()), "ann").await;
    let (status, again) = refused_upgrade(n1.addr, &path).await;
    assert_eq!(status, 401, "a used ticket is refused: {again}");
    assert!(
        again["error"].as_str().unwrap().contains("unknown"),
        "{again}"
    );

    // A ticket presented at another node is refused there and still good at its own.
    let (_, seat) = post(
        n3.addr,
        &format!("/api/rooms/{id}/join"),
        r#"{"name":"bob"}"#,
    )
    .await;
    let ticket = seat["ticket"].as_str().unwrap().to_owned();
    let path = ws_path(seat["ws_url"].as_str().unwrap(), &n1).to_owned();
    let (status, wrong) = refused_upgrade(n3.addr, &path).await;
    assert_eq!(status, 401);
    assert!(
        wrong["error"].as_str().unwrap().contains("node n1"),
        "{wrong}"
    );
    let ws = open(n1.addr, &path).await;
    let _bob = Player::hello(ws, HelloAuth::Ticket(ticket), "bob").await;

    // The players show up in every node's listing within a heartbeat or two.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let (_, list) = get(n3.addr, "/api/rooms").await;
        if list[0]["players"] == 2 {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "players never listed: {list}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }

    for (path, body, want) in [
        ("/api/rooms/999999/join", r#"{"name":"a"}"#, 404),
        ("/api/matchmake", r#"{"name":"a","map":"nowhere"}"#, 422),
        ("/api/matchmake", r#"{"name":""}"#, 422),
    ] {
        let (status, answer) = post(n2.addr, path, body).await;
        assert_eq!(status, want, "{path} {body}: {answer}");
        assert!(answer["error"].is_string(), "{answer}");
    }
}

#[tokio::test]
async fn alone_there_are_no_nodes() {
    let s = TestServer::start(&[]).await;
    let (status, body) = get(s.addr, "/api/nodes").await;
    assert_eq!(status, 404);
    assert!(
        body["error"].as_str().unwrap().contains("--redis"),
        "{body}"
    );
}

#[tokio::test]
async fn concurrent_matchmaking_over_three_nodes_fills_four_rooms_of_sixteen() {
    let redis = RedisServer::start().await;
    // All 65 players ask from one address: its ticket limits let them.
    let args = [
        "--max-tickets-per-ip",
        "128",
        "--max-tickets-per-ip-per-room",
        "16",
    ];
    let nodes = [
        node(&redis, "n1", &args).await,
        node(&redis, "n2", &args).await,
        node(&redis, "n3", &args).await,
    ];
    let calls = (0..64).map(|i| {
        let addr = nodes[i % 3].addr;
        tokio::spawn(
            async move { post(addr, "/api/matchmake", &format!(r#"{{"name":"p{i}"}}"#)).await },
        )
    });
    let mut per_room: BTreeMap<String, Vec<serde_json::Value>> = BTreeMap::new();
    for call in calls.collect::<Vec<_>>() {
        let (status, seat) = call.await.unwrap();
        assert_eq!(status, 200, "{seat}");
        per_room
            .entry(id_text(&seat["room"]["id"]))
            .or_default()
            .push(seat);
    }
    assert_eq!(per_room.len(), 4, "rooms: {:?}", per_room.keys());
    let mut owners = BTreeSet::new();
    for (id, seats) in &per_room {
        assert_eq!(seats.len(), 16, "room {id}");
        let owner = seats[0]["room"]["node"].as_str().unwrap().to_owned();
        let n = nodes
            .iter()
            .find(|n| n.url == seats[0]["room"]["url"])
            .unwrap();
        for seat in seats {
            assert_eq!(seat["room"]["node"].as_str(), Some(owner.as_str()));
            ws_path(seat["ws_url"].as_str().unwrap(), n);
        }
        owners.insert(owner);
    }
    assert_eq!(
        owners.len(),
        3,
        "new rooms go to the node with the fewest players"
    );
    let (_, list) = get(nodes[1].addr, "/api/rooms").await;
    let listed: BTreeSet<String> = ids(&list).into_iter().collect();
    assert_eq!(listed, per_room.keys().cloned().collect::<BTreeSet<_>>());
    // All seats are taken: the 65th player opens a fifth room.
    let (status, seat) = post(nodes[2].addr, "/api/matchmake", r#"{"name":"late"}"#).await;
    assert_eq!(status, 200);
    assert!(
        !per_room.contains_key(&id_text(&seat["room"]["id"])),
        "{seat}"
    );
}

#[tokio::test]
async fn clients_follow_the_join_answer_to_the_owning_node_over_ws_and_quic() {
    let redis = RedisServer::start().await;
    let n1 = node_with_quic(&redis, "n1").await;
    let n2 = node_with_quic(&redis, "n2").await;
    let (_, room) = post(n1.addr, "/api/rooms", r#"{"name":"far"}"#).await;
    let id = id_text(&room["id"]);

    // The join answer on n2 names n1's QUIC host and port.
    let (_, seat) = post(n2.addr, &format!("/api/rooms/{id}/join"), r#"{"name":"q"}"#).await;
    let (_, nodes) = get(n2.addr, "/api/nodes").await;
    assert_eq!(seat["quic"]["host"], "127.0.0.1", "{seat}");
    assert_eq!(
        seat["quic"]["port"], nodes[0]["quic"]["port"],
        "{seat} {nodes}"
    );
    assert_ne!(nodes[0]["quic"]["port"], nodes[1]["quic"]["port"]);

    for transport in ["ws", "quic"] {
        let args = [
            "--count",
            "2",
            "--duration",
            "2s",
            "--idle",
            "--room",
            &id,
            "--transport",
            transport,
        ];
        // The bots ask n2's lobby; the room is on n1.
        let report = bots_report(&n2.url, &args).await;
        assert_eq!(report["connected"], 2, "{transport}: {report}");
        assert_eq!(report["decode_errors"], 0, "{transport}: {report}");
        assert!(
            report["snapshots"].as_u64().unwrap() > 0,
            "{transport}: {report}"
        );
    }
    // Nothing was opened on n2.
    let (_, nodes) = get(n1.addr, "/api/nodes").await;
    assert_eq!(
        (nodes[0]["rooms"].as_u64(), nodes[1]["rooms"].as_u64()),
        (Some(1), Some(0))
    );
}
