//! The room core runs a game that is not the arena ([`crate::test_game::Dots`]):
//! inputs as the schema's values, snapshots coded with the game's own schema,
//! events naming players through the schema's player references.

use super::core_tests::{Room, config};
use crate::test_game::Dots;
use tickcast_shared::codec::{DeltaLimits, RowCodec, apply_rows, decode_server};
use tickcast_shared::game::{Game, GameEntry, InputValues};
use tickcast_shared::protocol::{InputCmd, InputSeq, ServerMsg};

#[test]
fn the_core_runs_another_game_on_its_own_schema() {
    let config_json = serde_json::json!({ "seats": 4 });
    let game = (GameEntry::of::<Dots>().create)(&config_json, 1).unwrap();
    let mut room = Room::with_game(config(4), game);
    let w = room.join("ada");
    for seq in 1..=6 {
        let cmd = InputCmd {
            seq: InputSeq(seq),
            ack: None,
            input: InputValues(vec![1]),
            view: None,
        };
        room.handle(super::core::Command::Input {
            player: w.player,
            conn: w.conn,
            cmd,
        });
        room.step();
    }
    for _ in 0..12 {
        room.step();
    }
    // Each push is an event naming the player: the recorder and spectators learn
    // who it is from the schema's player reference.
    assert!(
        room.fx
            .named
            .iter()
            .filter(|p| p.player == w.player)
            .count()
            >= 6
    );
    // The newest snapshot decodes with the game's schema: the dot counted the 6
    // pushes and the 8 starved ticks that repeated the last one (`repeat_ticks`).
    let codec = RowCodec::new(Dots::schema());
    let (_, frame) = room.fx.snapshots.last().expect("snapshots were sent");
    let Ok(ServerMsg::Snapshot { body, baseline, .. }) = decode_server(&frame.encode(), 1 << 20)
    else {
        panic!("not a snapshot");
    };
    assert_eq!(baseline, None, "nothing acknowledged: a keyframe");
    let rows = apply_rows(&codec, None, &body, &DeltaLimits::default()).unwrap();
    let dot = rows
        .rows
        .iter()
        .find(|r| r.id == w.entity)
        .expect("the dot");
    assert_eq!(dot.values[0], 6 + 8);
    assert_eq!(dot.values[1], w.player.0 as i32, "owner");
}
