//! A viewer who comes mid-match is told who is in the room by its first keyframe,
//! in both formats, before any game event names them.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod sse_common;

use sse_common::{ITEM_WAIT, Spectator, events_path, room};
use tickcast_shared::protocol::PlayerId;
use tickcast_shared::sim::PlayerInput;
use tickcast_shared::sim::spectate::{ArenaEvent, BinaryState};
use tickcast_shared::spectate::PlayerName;
use tickcast_tests::player::Player;
use tickcast_tests::server::TestServer;
use tickcast_tests::sse::{SseClient, SseItem};

#[tokio::test]
async fn a_viewer_who_comes_mid_match_gets_the_players_names_in_its_first_keyframe() {
    let server = TestServer::start(&[]).await;
    let room = room(&server, 2).await;
    let id = room.id.to_string();
    let mut ann = Player::join(server.addr, &id, "ann").await;
    let mut bob = Player::join(server.addr, &id, "bob").await;
    for p in [&mut ann, &mut bob] {
        let snap = p.next_snapshot().await;
        p.send_input(PlayerInput::default(), Some(snap.tick)).await;
    }
    let mut expected = vec![
        PlayerName {
            player: PlayerId(ann.player),
            name: "ann".into(),
        },
        PlayerName {
            player: PlayerId(bob.player),
            name: "bob".into(),
        },
    ];
    expected.sort_by_key(|p| p.player);

    // JSON: the first event after `retry:` is the keyframe, naming both.
    let mut json = Spectator::connect(&server, &events_path(&room), None).await;
    let first = loop {
        if let Some(ev) = json.step().await {
            break ev;
        }
    };
    let ArenaEvent::Keyframe(k) = first else {
        panic!("a stream starts with a keyframe: {first:?}")
    };
    assert_eq!(k.players, expected);

    // Binary: the keyframe's wrapper carries the same roster.
    let path = format!("{}?format=binary", events_path(&room));
    let mut binary = SseClient::connect(server.addr, &path, None).await.unwrap();
    let mut state = BinaryState::default();
    loop {
        let item = tokio::time::timeout(ITEM_WAIT, binary.next())
            .await
            .unwrap();
        if let Some(SseItem::Event { event, data, .. }) = item.unwrap() {
            state.apply(&event, &data).unwrap();
            if event == "keyframe" {
                break;
            }
        }
    }
    assert_eq!(state.players, expected);
    server.stop().await;
}
