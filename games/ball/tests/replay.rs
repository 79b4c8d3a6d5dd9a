//! The ball game in replays (format 5), through the public replay API only: a
//! recorded match reads back with exactly the commands it was stepped with (random
//! input values included, in or out of their fields' domains), verifies by
//! re-simulation, seeks from its checkpoints, and a tampered input is a mismatch.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{options, random_commands};
use tickcast_ball::Ball;
use tickcast_ball::rng::Pcg32;
use tickcast_shared::codec::RowSnapshot;
use tickcast_shared::game::erased::Running;
use tickcast_shared::game::{DynGame, Game, GameEntry};
use tickcast_shared::protocol::Tick;
use tickcast_shared::replay::{
    Record, RecordPolicy, ReplayHeader, ReplayIndex, ReplayReader, ReplayWriter, Resim, SeekIndex,
    TickCommands, TickItem, verify,
};

fn games() -> Vec<GameEntry> {
    vec![GameEntry::of::<Ball>()]
}

fn view(game: &dyn DynGame) -> RowSnapshot {
    let mut rows = Vec::new();
    game.view(&mut rows);
    RowSnapshot {
        tick: game.tick(),
        rows,
    }
}

/// A recorded match of `ticks` ticks of random commands; the commands, the hash
/// after each tick and the bytes. With `tamper`, the file gets other input values
/// from that tick on than the game stepped with.
fn record(ticks: u32, seed: u64, tamper: Option<u32>) -> (Vec<TickCommands>, Vec<u64>, Vec<u8>) {
    let entry = GameEntry::of::<Ball>();
    let config = (entry.configure)(&options(60, 20, serde_json::json!({ "minutes": 2 }))).unwrap();
    let mut game = (entry.create)(&config, seed).unwrap();
    let header = ReplayHeader {
        room_name: "ball match".into(),
        map_name: "pitch".into(),
        ..ReplayHeader::of_game(&entry, &config, seed, 60)
    };
    let mut writer = ReplayWriter::new(&header, Ball::schema());
    let policy = RecordPolicy::for_tick_rate(60);
    let mut rng = Pcg32::new(seed);
    let mut present = Vec::new();
    let (mut all, mut hashes, mut bytes) = (Vec::new(), vec![game.state_hash()], Vec::new());
    writer.push_hash(Tick(0), game.state_hash()).unwrap();
    writer.push_keyframe(&view(game.as_ref())).unwrap();
    writer.push_checkpoint(Tick(0), &game.save()).unwrap();
    for t in 0..ticks {
        let ball = game.as_any().downcast_ref::<Running<Ball>>().unwrap();
        let commands = random_commands(ball.game(), &mut rng, &mut present);
        game.step(&commands);
        let mut recorded = commands.clone();
        if tamper.is_some_and(|at| t >= at) {
            for (_, values) in &mut recorded.inputs {
                for v in &mut values.0 {
                    *v = v.wrapping_add(5) ^ 7;
                }
            }
        }
        writer.push_tick(&recorded).unwrap();
        let now = game.tick();
        hashes.push(game.state_hash());
        if policy.wants_hash(now.0) {
            writer.push_hash(now, game.state_hash()).unwrap();
        }
        if policy.wants_keyframe(now.0) {
            writer.push_keyframe(&view(game.as_ref())).unwrap();
        }
        if policy.wants_checkpoint(now.0) {
            writer.push_checkpoint(now, &game.save()).unwrap();
        }
        bytes.extend(writer.take_bytes());
        all.push(commands);
    }
    writer.end().unwrap();
    bytes.extend(writer.take_bytes());
    (all, hashes, bytes)
}

#[test]
fn a_ball_match_reads_back_verifies_and_seeks() {
    let (commands, hashes, bytes) = record(1500, 3, None);
    let read: Vec<TickCommands> = ReplayReader::open(&bytes)
        .unwrap()
        .flat_map(|r| match r {
            Record::Ticks { items, .. } => items,
            _ => Vec::new(),
        })
        .flat_map(|item| match item {
            TickItem::Empty(n) => vec![TickCommands::default(); n as usize],
            TickItem::Input(t) => vec![t],
        })
        .collect();
    assert_eq!(read, commands);
    let index = ReplayIndex::build(&bytes).unwrap();
    assert_eq!((index.header.game.as_str(), index.ticks), ("ball", 1500));
    assert_eq!(index.header.build, Ball::build());
    assert!(index.complete && index.players > 0);
    let report = verify(&bytes, &games());
    assert!(report.is_ok() && report.complete, "{report:?}");
    assert_eq!(
        (
            report.ticks,
            report.hashes_checked,
            report.checkpoints_checked
        ),
        (1500, 26, 6)
    );
    let seek = SeekIndex::build(&bytes).unwrap();
    for target in [1, 299, 300, 777, 1500] {
        let resim = Resim::seek_from(&bytes, &games(), &seek, Tick(target)).unwrap();
        assert_eq!(
            resim.game().state_hash(),
            hashes[target as usize],
            "{target}"
        );
    }
}

#[test]
fn a_tampered_ball_input_is_a_mismatch() {
    let (commands, _, _) = record(600, 5, None);
    let at = commands.iter().position(|c| !c.inputs.is_empty()).unwrap() as u32 + 100;
    let at = (at..600)
        .find(|t| !commands[*t as usize].inputs.is_empty())
        .unwrap();
    let (_, _, bytes) = record(600, 5, Some(at));
    let report = verify(&bytes, &games());
    assert!(report.mismatches > 0 && !report.is_ok(), "{report:?}");
    assert!(report.first_mismatch.unwrap() > Tick(at), "{report:?}");
}
