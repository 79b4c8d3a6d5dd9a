//! The arena's binary spectator frames (`?format=binary`, see
//! [`crate::spectate::binary`]) made from and read into its [`Snapshot`]s:
//! [`binary_sse`] writes a frame of its own model ([`super::Feed::frame_both`]),
//! [`BinaryState`] rebuilds the snapshot a binary viewer sees.

use super::{ArenaEvent, GameBatch};
use crate::sim::{GameEvent, Snapshot, apply_delta};
use crate::spectate::binary::{BinaryError, BinaryKeyframe, decode};
use crate::spectate::{PlayerName, SseEvent};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;

/// The SSE text of `frame` (a keyframe or delta event) in the binary format, with
/// `body` its range-coded snapshot body; other events are the same in both formats.
pub fn binary_sse(frame: &ArenaEvent, body: &[u8]) -> String {
    let id = frame.id().map(|i| i.0).unwrap_or(0);
    match frame {
        ArenaEvent::Keyframe(k) => {
            let data = BinaryKeyframe {
                tick_rate: k.tick_rate,
                map: k.map.clone(),
                body: STANDARD.encode(body),
                players: k.players.clone(),
                game: String::new(),
            };
            let json = serde_json::to_string(&data).unwrap_or_default();
            format!("event: keyframe\nid: {id}\ndata: {json}\n\n")
        }
        ArenaEvent::Delta(_) => {
            format!(
                "event: delta\nid: {id}\ndata: {}\n\n",
                STANDARD.encode(body)
            )
        }
        other => other.to_sse(),
    }
}

/// What a binary viewer holds: the newest snapshot and the keyframe's settings.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BinaryState {
    pub snapshot: Option<Snapshot>,
    pub tick_rate: u16,
    pub map: String,
    /// Who is in the room: the newest keyframe's players, kept current by the
    /// `game` events since (names learned, `left` players gone), by id.
    pub players: Vec<PlayerName>,
}

impl BinaryState {
    /// Apply one binary-format event (`name` from `event:`, `data` as sent). A
    /// keyframe replaces the snapshot and the roster; a delta applies on the
    /// snapshot it names (skipped when not newer); `game` keeps the roster current;
    /// `reset` drops everything; others change nothing.
    pub fn apply(&mut self, name: &str, data: &str) -> Result<(), BinaryError> {
        match name {
            "keyframe" => {
                let k: BinaryKeyframe =
                    serde_json::from_str(data).map_err(BinaryError::KeyframeJson)?;
                let snapshot = apply_delta(None, &decode("keyframe", &k.body)?)?;
                if self
                    .snapshot
                    .as_ref()
                    .is_some_and(|s| s.tick >= snapshot.tick)
                {
                    return Ok(());
                }
                self.snapshot = Some(snapshot);
                self.tick_rate = k.tick_rate;
                self.map = k.map;
                self.players = k.players;
                Ok(())
            }
            "game" => {
                if let ArenaEvent::Game(batch) = ArenaEvent::parse("game", data)? {
                    self.learn(&batch);
                }
                Ok(())
            }
            "delta" => {
                let body = decode("delta", data)?;
                let base = self.snapshot.as_ref().ok_or(BinaryError::NoKeyframe)?;
                let next = apply_delta(Some(base), &body)?;
                self.snapshot = Some(next);
                Ok(())
            }
            "reset" => {
                *self = BinaryState::default();
                Ok(())
            }
            other => ArenaEvent::parse(other, data)
                .map(|_| ())
                .map_err(Into::into),
        }
    }
}

impl BinaryState {
    /// Keep the roster current with one tick's game events.
    fn learn(&mut self, batch: &GameBatch) {
        for who in &batch.players {
            match self.players.binary_search_by_key(&who.player, |p| p.player) {
                Ok(i) => self.players[i].name.clone_from(&who.name),
                Err(i) => self.players.insert(i, who.clone()),
            }
        }
        for event in &batch.events {
            if let GameEvent::Left { player } = *event {
                self.players.retain(|p| p.player != player);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::spectate::{Feed, MapView, SpecEntity, SpecState};
    use crate::sim::{Map, TickInput, World, WorldConfig};
    use crate::spectate::Format;

    #[test]
    fn binary_frames_rebuild_what_json_frames_rebuild() {
        let map = Map::default_map();
        let mut world = World::new(map.clone(), WorldConfig::new(60, 40), 5);
        let mut feed = Feed::new(MapView::of(&map), 60, 60);
        let (mut json, mut binary) = (SpecState::new(), BinaryState::default());
        for t in 1..=200u32 {
            world.step(&TickInput::default());
            if t % 6 != 0 {
                continue;
            }
            let (event, body) = feed.frame_both(world.snapshot());
            json.apply(&event).unwrap();
            let text = binary_sse(&event, &body);
            let data = text.lines().find_map(|l| l.strip_prefix("data: ")).unwrap();
            binary.apply(event.name(), data).unwrap();
            let snap = binary.snapshot.as_ref().unwrap();
            assert_eq!(Some(snap.tick), json.tick);
            let rebuilt: Vec<SpecEntity> = snap.entities.iter().map(SpecEntity::of).collect();
            let want: Vec<SpecEntity> = json.entities.values().copied().collect();
            assert_eq!(rebuilt, want, "tick {t}");
        }
        assert_eq!(binary.map, "arena");
    }

    #[test]
    fn hostile_data_is_an_error() {
        let mut s = BinaryState::default();
        assert!(matches!(
            s.apply("delta", "AAAA"),
            Err(BinaryError::NoKeyframe)
        ));
        assert!(matches!(
            s.apply("keyframe", r#"{"tick_rate":60,"map":"a","body":"!!"}"#),
            Err(BinaryError::Base64(_))
        ));
        assert!(
            s.apply("keyframe", r#"{"tick_rate":60,"map":"a","body":"AAAA"}"#)
                .is_err()
        );
        assert!(s.apply("keyframe", "not json").is_err());
        assert!(s.apply("boom", "{}").is_err());
        assert_eq!(Format::parse(Some("binary")), Some(Format::Binary));
        assert_eq!(Format::parse(None), Some(Format::Json));
        assert_eq!(Format::parse(Some("xml")), None);
    }

    #[test]
    fn the_roster_comes_with_keyframes_and_follows_game_events() {
        use crate::protocol::{PlayerId, Tick};
        use crate::sim::GameEvent;
        use crate::sim::spectate::Keyframe;
        let name = |p: u32, n: &str| PlayerName {
            player: PlayerId(p),
            name: n.into(),
        };
        let key = ArenaEvent::Keyframe(Keyframe {
            tick: Tick(6),
            tick_rate: 60,
            map: "arena".into(),
            entities: Vec::new(),
            players: vec![name(1, "ann"), name(3, "cy")],
        });
        let text = binary_sse(&key, &crate::sim::encode_delta(None, &Snapshot::default()));
        let data = text.lines().find_map(|l| l.strip_prefix("data: ")).unwrap();
        let mut s = BinaryState::default();
        s.apply("keyframe", data).unwrap();
        assert_eq!(s.players, vec![name(1, "ann"), name(3, "cy")]);
        let batch = |events: Vec<GameEvent>, players: Vec<PlayerName>| {
            let game = ArenaEvent::Game(GameBatch {
                tick: Tick(7),
                events,
                players,
            });
            let text = game.to_sse();
            text.lines()
                .find_map(|l| l.strip_prefix("data: "))
                .unwrap()
                .to_owned()
        };
        let joined = GameEvent::Joined {
            player: PlayerId(2),
            entity: crate::protocol::NetId(9),
        };
        s.apply("game", &batch(vec![joined], vec![name(2, "bo")]))
            .unwrap();
        assert_eq!(
            s.players,
            vec![name(1, "ann"), name(2, "bo"), name(3, "cy")]
        );
        let left = GameEvent::Left {
            player: PlayerId(1),
        };
        s.apply("game", &batch(vec![left], vec![name(1, "ann")]))
            .unwrap();
        assert_eq!(s.players, vec![name(2, "bo"), name(3, "cy")]);
    }
}
