//! Playback of a recording of a game that is not the arena (the engine's test game):
//! frames on the live grid, game events naming the recorded players, the end; a
//! playback started later continues exactly like one from the start.

use super::*;
use crate::test_game::{Dots, DotsConfig};
use tickcast_shared::codec::RowSnapshot;
use tickcast_shared::game::{DynGame, Game, InputValues, StepCommands};
use tickcast_shared::protocol::PlayerId;
use tickcast_shared::replay::{ReplayHeader, ReplayWriter};

fn games() -> Vec<GameEntry> {
    vec![GameEntry::of::<Dots>()]
}

fn view(game: &dyn DynGame) -> RowSnapshot {
    let mut rows = Vec::new();
    game.view(&mut rows);
    RowSnapshot {
        tick: game.tick(),
        rows,
    }
}

/// A replay of 400 ticks: two players pushing now and then; with `checkpoints`,
/// one every 100 ticks; a keyframe every 300 (as a room records with the default
/// spectator settings).
fn replay(checkpoints: bool) -> Vec<u8> {
    let entry = GameEntry::of::<Dots>();
    let config = serde_json::to_value(DotsConfig { seats: 4 }).unwrap();
    let mut game = (entry.create)(&config, 9).unwrap();
    let header = ReplayHeader {
        room_name: "r".into(),
        room_id: "abcdefghijklm".into(),
        map_name: "field".into(),
        ..ReplayHeader::of_game(&entry, &config, 9, 60)
    };
    let mut w = ReplayWriter::new(&header, Dots::schema());
    w.push_keyframe(&view(game.as_ref())).unwrap();
    for t in 0..400u32 {
        let mut input = StepCommands::<InputValues>::default();
        if t == 0 {
            input.joins = vec![PlayerId(1), PlayerId(2)];
            for (p, name) in [(1, "ann"), (2, "bo")] {
                w.push_player(&PlayerIdentity {
                    player: PlayerId(p),
                    sub: Some(format!("sub-{p}")),
                    name: name.into(),
                })
                .unwrap();
            }
        }
        for p in [1u32, 2] {
            let push = (t / 7 + p) % 3 == 0;
            input
                .inputs
                .push((PlayerId(p), InputValues(vec![i32::from(push)])));
        }
        game.step(&input);
        w.push_tick(&input).unwrap();
        let now = game.tick().0;
        if checkpoints && now % 100 == 0 {
            w.push_checkpoint(game.tick(), &game.save()).unwrap();
        }
        if now % 300 == 0 {
            w.push_keyframe(&view(game.as_ref())).unwrap();
        }
    }
    w.end().unwrap();
    w.take_bytes()
}

/// An SSE event's name, id and data.
fn parse(event: &Bytes) -> (String, Option<u64>, serde_json::Value) {
    let text = std::str::from_utf8(event).unwrap();
    let field = |name: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(name))
            .map(str::to_owned)
    };
    let data = field("data: ").unwrap_or_default();
    (
        field("event: ").unwrap_or_default(),
        field("id: ").and_then(|i| i.parse().ok()),
        serde_json::from_str(&data).unwrap_or(serde_json::Value::String(data)),
    )
}

fn collect(pb: &mut Playback<'_>) -> Vec<Bytes> {
    std::iter::from_fn(|| pb.next_tick_text(Format::Json))
        .flat_map(|(_, e)| e)
        .collect()
}

#[test]
fn frames_fall_on_the_live_grid_and_the_stream_ends() {
    let bytes = replay(false);
    let config = SpectatorConfig::default(); // 10 Hz: every 6 ticks, keyframes every 300
    let mut pb = Playback::new(&bytes, &games(), &config).unwrap();
    let (name, _, data) = parse(&pb.keyframe_text(Format::Json));
    assert_eq!(
        (name.as_str(), &data["tick"], &data["game"]),
        ("keyframe", &0.into(), &"dots".into())
    );
    let events: Vec<_> = collect(&mut pb).iter().map(parse).collect();
    let frames: Vec<(u64, bool)> = events
        .iter()
        .filter(|(name, ..)| name == "keyframe" || name == "delta")
        .map(|(name, _, data)| (data["tick"].as_u64().unwrap(), name == "keyframe"))
        .collect();
    assert_eq!(frames.len(), 400 / 6);
    assert!(
        frames
            .iter()
            .all(|(t, key)| t % 6 == 0 && *key == (t % 300 == 0))
    );
    // Game events name the recorded players (by name, never by `sub`).
    let games: Vec<&serde_json::Value> = events
        .iter()
        .filter(|(name, ..)| name == "game")
        .map(|(_, _, data)| data)
        .collect();
    assert!(!games.is_empty());
    for batch in games {
        let named = batch["players"].as_array().unwrap();
        assert!(!named.is_empty(), "{batch}");
        for who in named {
            let pair = (
                who["player"].as_u64().unwrap(),
                who["name"].as_str().unwrap(),
            );
            assert!([(1, "ann"), (2, "bo")].contains(&pair), "{batch}");
        }
        assert_eq!(batch["events"][0]["type"], "pushed", "{batch}");
    }
    let (name, _, data) = events.last().unwrap();
    assert_eq!(name, "end");
    assert_eq!(
        (&data["tick"], &data["reason"]),
        (&400.into(), &"end of replay".into())
    );
    assert!(pb.next_tick_text(Format::Json).is_none());
}

#[test]
fn a_playback_started_later_continues_exactly_like_one_from_the_start() {
    let config = SpectatorConfig::default();
    let bytes = replay(false);
    let mut whole = Playback::new(&bytes, &games(), &config).unwrap();
    whole.keyframe_text(Format::Json);
    let all = collect(&mut whole);
    let tick_of = |e: &Bytes| parse(e).1.map_or(u32::MAX, |id| EventId(id).tick().0);
    for checkpoints in [false, true] {
        let bytes = replay(checkpoints);
        let index = SeekIndex::build(&bytes).unwrap();
        assert_eq!(index.checkpoints.len(), if checkpoints { 4 } else { 0 });
        // 252: on the frame grid, between checkpoints (re-simulated from 200).
        for start in [300, 252] {
            let resim = Resim::seek_from(&bytes, &games(), &index, Tick(start)).unwrap();
            let mut late = Playback::at(resim, &index.players, &config);
            assert_eq!(late.tick(), Tick(start));
            let first = late.keyframe_text(Format::Json);
            if start == 300 {
                let live = all
                    .iter()
                    .find(|e| tick_of(e) == 300 && parse(e).0 == "keyframe");
                assert_eq!(Some(&first), live);
            }
            let rest = collect(&mut late);
            let want: Vec<&Bytes> = all.iter().filter(|e| tick_of(e) > start).collect();
            assert_eq!(
                rest.iter().collect::<Vec<_>>(),
                want,
                "{checkpoints} {start}"
            );
        }
    }
}

#[test]
fn a_replay_of_a_game_the_server_lacks_does_not_play() {
    let bytes = replay(false);
    let Err(e) = Playback::new(&bytes, &[], &SpectatorConfig::default()) else {
        panic!("played without its game");
    };
    assert_eq!(e.to_string(), "unknown game dots");
}
