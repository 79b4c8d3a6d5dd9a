//! A mirror's catch-up keyframes: a viewer lagging behind a mirror gets the same
//! keyframe the owner would send it, rendered here from the room as the relayed
//! binary frames rebuild it ([`RowState`]: the game's rows), with no request to the
//! owner and no extra bytes through Redis (a keyframe is only the rows, the tick
//! rate, the map's name and the roster, which the relayed keyframes and `game`
//! events keep current, so the bytes equal the owner's).

use crate::spectators::{Entry, EntryKind};
use bytes::Bytes;
use tickcast_shared::spectate::{EventId, RowState};

/// The frame `id` of the room `state` holds as a catch-up keyframe (both formats).
/// `None` when the state is not at that frame.
pub(super) fn catchup_keyframe(state: &RowState, id: EventId) -> Option<Entry> {
    let tick = state.snapshot.as_ref()?.tick;
    if EventId::frame(tick) != id {
        return None;
    }
    let key = state.keyframe()?;
    Some(Entry {
        id,
        kind: EntryKind::Keyframe,
        text: Bytes::from(key.json),
        binary: Bytes::from(key.binary),
    })
}

/// The `event:` name and `data:` of one event's SSE text (one data line).
pub(super) fn sse_fields(text: &[u8]) -> Option<(&str, &str)> {
    let text = std::str::from_utf8(text).ok()?;
    let mut name = None;
    let mut data = None;
    for line in text.lines() {
        if let Some(v) = line.strip_prefix("event: ") {
            name = Some(v);
        } else if let Some(v) = line.strip_prefix("data: ") {
            data = Some(v);
        }
    }
    Some((name?, data?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use tickcast_shared::codec::{DeltaLimits, RowSnapshot};
    use tickcast_shared::game::{DynGame, GameEntry, StepCommands};
    use tickcast_shared::protocol::{PlayerId, Tick};
    use tickcast_shared::spectate::RowFeed;

    /// The owner's feed and a mirror's state over a match of `entry`'s game with
    /// two players: every delta's catch-up keyframe is the owner's, byte for byte.
    fn mirror_renders_the_owners_keyframes(entry: GameEntry) {
        let options = tickcast_shared::game::RoomOptions {
            tick_rate: 60,
            seats: 8,
            npcs: 10,
            ..Default::default()
        };
        let config = (entry.configure)(&options).unwrap();
        let mut game: Box<dyn DynGame> = (entry.create)(&config, 7).unwrap();
        let schema = game.schema();
        let mut owner = RowFeed::new(schema, "m", 60, 300);
        let mut mirror = RowState::new(schema, DeltaLimits::default());
        let mut deltas = 0;
        for t in 1..=120u32 {
            let mut commands = StepCommands::default();
            if t == 2 {
                commands.joins = vec![PlayerId(1), PlayerId(2)];
            }
            let _ = game.step(&commands);
            if t % 6 != 0 {
                continue;
            }
            let mut rows = Vec::new();
            game.view(&mut rows);
            let snapshot = Arc::new(RowSnapshot {
                tick: Tick(t),
                rows,
            });
            let frame = owner.frame(snapshot).unwrap();
            let (name, data) = sse_fields(frame.binary.as_bytes()).unwrap();
            mirror.apply(name, data).unwrap();
            if frame.keyframe {
                continue;
            }
            deltas += 1;
            // What the owner's task renders for a lagging viewer at this delta.
            let want = owner.keyframe().unwrap();
            let got = catchup_keyframe(&mirror, frame.id).unwrap();
            assert_eq!((got.id, got.kind), (frame.id, EntryKind::Keyframe));
            assert_eq!(&got.text[..], want.json.as_bytes());
            assert_eq!(&got.binary[..], want.binary.as_bytes());
            assert!(catchup_keyframe(&mirror, EventId(frame.id.0 + 4)).is_none());
        }
        assert!(deltas > 10);
    }

    #[test]
    fn a_mirror_renders_the_catchup_keyframe_the_owner_would() {
        mirror_renders_the_owners_keyframes(GameEntry::of::<tickcast_shared::sim::Arena>());
        mirror_renders_the_owners_keyframes(GameEntry::of::<crate::test_game::Dots>());
        assert_eq!(sse_fields(b"event: x\n\n"), None);
    }
}
