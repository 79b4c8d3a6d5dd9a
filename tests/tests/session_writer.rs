//! The seated session's writer against the real binary over real sockets: players of
//! one baseline get the same shared snapshot body with their own per-player fields,
//! and the one re-armed idle timer closes a silent player while a talking one stays
//! (whose inputs the room read itself); on a plain connection the room reads a
//! player's inputs at its tick and applies them in order, and hands the session
//! what is not an input.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use futures_util::SinkExt;
use std::collections::HashMap;
use std::time::Duration;
use tickcast_shared::codec::encode_client;
use tickcast_shared::protocol::{ClientMsg, InputSeq, NetId, ServerMsg, Tick};
use tickcast_shared::sim::apply_delta;
use tickcast_shared::sim::{Buttons, PlayerInput};
use tickcast_tests::http::metric;
use tickcast_tests::player::{CloseInfo, Player, create_room, expect_close};
use tickcast_tests::server::TestServer;
use tokio_tungstenite::tungstenite::Message;

/// One snapshot message as a player got it.
struct Got {
    baseline: Option<Tick>,
    last_input: InputSeq,
    body: Vec<u8>,
}

/// The next snapshot message of `p`, undecoded (no ack, no input sent).
async fn raw_snapshot(p: &mut Player) -> (Tick, Got) {
    loop {
        if let ServerMsg::Snapshot {
            tick,
            baseline,
            last_input,
            body,
            ..
        } = p.next_msg().await
        {
            let got = Got {
                baseline,
                last_input,
                body,
            };
            return (tick, got);
        }
    }
}

#[tokio::test]
async fn players_of_one_baseline_share_the_body_and_keep_their_own_fields() {
    let s = TestServer::start(&[]).await;
    let room = create_room(s.addr, r#"{"drones":20}"#).await;
    let mut mover = Player::join(s.addr, &room, "mover").await;
    let mut still = Player::join(s.addr, &room, "still").await;
    let (mut a, mut b) = (HashMap::new(), HashMap::new());
    for _ in 0..20 {
        // The mover sends inputs (so its `last_input` grows), the other sends none.
        for _ in 0..3 {
            mover.send_input(PlayerInput::default(), None).await;
        }
        let (tick, got) = raw_snapshot(&mut mover).await;
        a.insert(tick, got);
        let (tick, got) = raw_snapshot(&mut still).await;
        b.insert(tick, got);
    }
    let mut shared = 0;
    for (tick, x) in &a {
        let Some(y) = b.get(tick) else { continue };
        if x.baseline == y.baseline {
            assert_eq!(x.body, y.body, "tick {tick:?}: one body per baseline");
            shared += 1;
        }
    }
    assert!(
        shared > 0,
        "no tick where both players had the same baseline"
    );
    assert!(
        a.values().any(|g| g.last_input > InputSeq(0)),
        "mover's inputs"
    );
    assert!(b.values().all(|g| g.last_input == InputSeq(0)), "no inputs");
    // Every keyframe body decodes on its own (deltas need the chain, checked by
    // the client tests).
    for got in a
        .values()
        .chain(b.values())
        .filter(|g| g.baseline.is_none())
    {
        apply_delta(None, &got.body).expect("a keyframe decodes");
    }
    s.stop().await;
}

#[tokio::test]
async fn a_silent_player_is_closed_for_idleness_while_a_talking_one_stays() {
    let s = TestServer::start(&["--idle-timeout-secs=1"]).await;
    let room = create_room(s.addr, "{}").await;
    let mut talker = Player::join(s.addr, &room, "talker").await;
    let mut silent = Player::join(s.addr, &room, "silent").await;
    // 60 acknowledged snapshots at 20 Hz: three idle periods of talking, so the idle
    // timer fires at least twice while the talker is heard and must re-arm.
    for _ in 0..60 {
        talker.next_snapshot().await;
    }
    // The silent one neither read nor wrote since its Hello.
    assert_eq!(
        expect_close(&mut silent.ws).await,
        CloseInfo {
            code: 1001,
            reason: "idle timeout".into()
        }
    );
    talker.next_snapshot().await;
    s.stop().await;
}

/// Send `n` inputs pressing `buttons`, about one per tick, reading what comes.
async fn press(p: &mut Player, buttons: Buttons, n: usize) {
    let mut every = tokio::time::interval(Duration::from_millis(30));
    for _ in 0..n {
        every.tick().await;
        let input = PlayerInput { buttons, aim: 0.0 };
        p.send_input(input, None).await;
        // Apply what arrived (the socket must not fill; deltas need their bases).
        while tokio::time::timeout(Duration::from_millis(1), p.next_snapshot_quiet())
            .await
            .is_ok()
        {}
    }
}

/// Whether the player's entity moves within the next snapshots.
async fn moves(p: &mut Player) -> bool {
    let id = NetId(p.entity);
    let first = p.next_snapshot_quiet().await;
    let at = first.get(id).map(|e| (e.x, e.y));
    for _ in 0..40 {
        let snap = p.next_snapshot_quiet().await;
        if snap.get(id).map(|e| (e.x, e.y)) != at {
            return true;
        }
    }
    false
}

#[tokio::test]
async fn the_room_reads_inputs_itself_applies_them_in_order_and_hands_back_the_rest() {
    let s = TestServer::start(&[]).await;
    let room = create_room(s.addr, "{}").await;
    let mut p = Player::join(s.addr, &room, "mover").await;
    let series = "tickcast_ws_direct_inputs_total";
    assert_eq!(metric(s.addr, series).await, 0.0);
    press(&mut p, Buttons(Buttons::RIGHT), 20).await;
    assert!(moves(&mut p).await, "the inputs were applied");
    assert_eq!(
        metric(s.addr, series).await,
        20.0,
        "every input was read by the room"
    );
    // A ping is the session's: answered, and the room reads the inputs after it.
    let ping = ClientMsg::Ping { nonce: 99 };
    p.ws.send(Message::Binary(encode_client(&ping).into()))
        .await
        .unwrap();
    loop {
        if let ServerMsg::Pong { nonce, .. } = p.next_msg().await {
            assert_eq!(nonce, 99);
            break;
        }
    }
    press(&mut p, Buttons(Buttons::LEFT), 5).await;
    assert!(
        moves(&mut p).await,
        "the inputs after the ping were applied"
    );
    assert_eq!(metric(s.addr, series).await, 25.0);
    s.stop().await;
}
