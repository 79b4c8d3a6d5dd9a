//! The arena on the generic spectator frames ([`RowFeed`]) loses nothing against its
//! own model ([`Feed`]) on a scripted match (joins, fire, kills, a leave): the
//! binary bodies are bit for bit the same, the JSON frames rebuild the same world
//! in [`SpecState`], the binary frames in [`BinaryState`], and the `game` events
//! read back as the same [`GameEvent`]s.

use super::*;
use crate::codec::RowSnapshot;
use crate::game::Game;
use crate::protocol::{PlayerId, Tick};
use crate::sim::{Arena, Buttons, Map, PlayerInput, TickInput, World, WorldConfig, legacy};
use crate::spectate::{BinaryKeyframe, PlayerName, RowFeed, SseEvent};
use std::sync::Arc;

/// `(event name, data)` of one SSE text.
fn fields(sse: &str) -> (String, String) {
    let get = |p: &str| {
        sse.lines()
            .find_map(|l| l.strip_prefix(p))
            .unwrap_or_default()
            .to_owned()
    };
    (get("event: "), get("data: "))
}

/// The scripted match: `(tick, events, snapshot at frame ticks)` per step.
fn script() -> Vec<(Tick, Vec<GameEvent>, Option<crate::sim::Snapshot>)> {
    let map = Map::default_map();
    let mut world = World::new(map, WorldConfig::new(60, 12), 11);
    let mut out = Vec::new();
    for t in 1..=240u32 {
        let mut input = TickInput::default();
        if t == 3 {
            input.joins = vec![PlayerId(1), PlayerId(2)];
        }
        if t == 140 {
            input.leaves = vec![PlayerId(1)];
        }
        let aim = if t % 40 < 20 { 3.0 } else { 0.5 };
        let fire = PlayerInput {
            buttons: Buttons(Buttons::FIRE | Buttons::DOWN),
            aim,
        };
        input.inputs = vec![(PlayerId(1), fire), (PlayerId(2), fire)];
        let events = world.step(&input);
        let snapshot = (t % 6 == 0).then(|| world.snapshot());
        out.push((world.tick(), events, snapshot));
    }
    out
}

#[test]
fn the_arena_on_row_frames_loses_nothing() {
    let map = Map::default_map();
    let names = vec![PlayerName {
        player: PlayerId(1),
        name: "ann".into(),
    }];
    let mut legacy_feed = Feed::new(MapView::of(&map), 60, 60);
    let mut rows = RowFeed::new(Arena::schema(), &map.name, 60, 60);
    legacy_feed.set_players(names.clone());
    rows.set_players(names.clone());
    let (mut want, mut got) = (SpecState::new(), SpecState::new());
    let (mut want_bin, mut got_bin) = (BinaryState::default(), BinaryState::default());
    let (mut keyframes, mut deltas, mut games) = (0, 0, 0);
    for (tick, events, snapshot) in script() {
        let event_rows: Vec<_> = events.iter().map(Arena::event_row).collect();
        if let Some(old) = game_event(tick, &events, &names) {
            let new = rows.game(tick, &event_rows, &names).unwrap();
            let (name, data) = fields(&new);
            assert_eq!(ArenaEvent::parse(&name, &data).unwrap(), old, "{new}");
            games += 1;
        }
        let Some(snapshot) = snapshot else { continue };
        let row_snapshot: RowSnapshot = legacy::rows(&snapshot);
        let (old, body) = legacy_feed.frame_both(snapshot);
        let new = rows.frame(Arc::new(row_snapshot)).unwrap();
        assert_eq!(new.id, old.id().unwrap());
        // Binary: the same bodies, bit for bit.
        let old_binary = binary_sse(&old, &body);
        let (name, data) = fields(&new.binary);
        let (old_name, old_data) = fields(&old_binary);
        assert_eq!(name, old_name);
        if new.keyframe {
            keyframes += 1;
            let a: BinaryKeyframe = serde_json::from_str(&data).unwrap();
            let b: BinaryKeyframe = serde_json::from_str(&old_data).unwrap();
            assert_eq!((&a.body, &a.map, &a.players), (&b.body, &b.map, &b.players));
            assert_eq!((a.tick_rate, a.game.as_str()), (b.tick_rate, "arena"));
        } else {
            deltas += 1;
            assert_eq!(new.binary, old_binary, "tick {}", tick.0);
        }
        want_bin.apply(&old_name, &old_data).unwrap();
        got_bin.apply(&name, &data).unwrap();
        assert_eq!(got_bin.snapshot, want_bin.snapshot);
        // JSON: the generic frame rebuilds the world the arena's own frame does.
        want.apply(&old).unwrap();
        let (name, data) = fields(&new.json);
        let parsed = ArenaEvent::parse(&name, &data).unwrap();
        got.apply(&parsed).unwrap();
        assert_eq!(got, want, "tick {}", tick.0);
        if let ArenaEvent::Delta(d) = &parsed {
            assert!(d.moved.is_empty(), "moves are in `changed`");
        }
    }
    assert!(
        keyframes >= 4 && deltas > 20 && games >= 2,
        "{keyframes} {deltas} {games}"
    );
    assert_eq!(want.entities.len(), got.entities.len());
}
