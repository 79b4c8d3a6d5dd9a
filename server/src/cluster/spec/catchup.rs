//! A mirror's catch-up keyframes: a viewer lagging behind a mirror gets the same
//! keyframe the owner would send it, rendered here from the room as the relayed
//! binary frames rebuild it ([`BinaryState`]), with no request to the owner and no
//! extra bytes through Redis (a keyframe is only the snapshot, the tick rate, the
//! map's name and the roster, which the relayed keyframes and `game` events keep
//! current, so the bytes equal the owner's).

use crate::spectators::{Entry, EntryKind};
use bytes::Bytes;
use tickcast_shared::spectate::{BinaryState, EventId, Feed, MapView, binary_sse};

/// The frame `id` of the room `state` holds as a catch-up keyframe (both formats).
/// `None` when the state is not at that frame.
pub(super) fn catchup_keyframe(state: &BinaryState, id: EventId) -> Option<Entry> {
    let snapshot = state.snapshot.clone()?;
    if EventId::frame(snapshot.tick) != id {
        return None;
    }
    let map = MapView {
        name: state.map.clone(),
        width: 0.0,
        height: 0.0,
        walls: Vec::new(),
    };
    // A fresh feed's first frame is a keyframe.
    let mut feed = Feed::new(map, state.tick_rate, 1);
    feed.set_players(state.players.clone());
    let (key, body) = feed.frame_both(snapshot);
    Some(Entry {
        id,
        kind: EntryKind::Keyframe,
        text: Bytes::from(key.to_sse()),
        binary: Bytes::from(binary_sse(&key, &body)),
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
    use tickcast_shared::sim::{Map, TickInput, World, WorldConfig};
    use tickcast_shared::spectate::SpecEvent;

    #[test]
    fn a_mirror_renders_the_catchup_keyframe_the_owner_would() {
        let map = Map::default_map();
        let mut world = World::new(map.clone(), WorldConfig::new(60, 30), 7);
        let mut owner = Feed::new(MapView::of(&map), 60, 300);
        let mut mirror = BinaryState::default();
        let mut deltas = 0;
        for t in 1..=120u32 {
            world.step(&TickInput::default());
            if t % 6 != 0 {
                continue;
            }
            let (frame, body) = owner.frame_both(world.snapshot());
            let binary = binary_sse(&frame, &body);
            let (name, data) = sse_fields(binary.as_bytes()).unwrap();
            mirror.apply(name, data).unwrap();
            let Some(id) = frame.id().filter(|_| matches!(frame, SpecEvent::Delta(_))) else {
                continue;
            };
            deltas += 1;
            // What the owner's task renders for a lagging viewer at this delta.
            let (k, b) = (owner.keyframe().unwrap(), owner.keyframe_body().unwrap());
            let got = catchup_keyframe(&mirror, id).unwrap();
            assert_eq!((got.id, got.kind), (id, EntryKind::Keyframe));
            assert_eq!(&got.text[..], k.to_sse().as_bytes());
            assert_eq!(&got.binary[..], binary_sse(&k, &b).as_bytes());
            assert!(catchup_keyframe(&mirror, EventId(id.0 + 4)).is_none());
        }
        assert!(deltas > 10);
        assert_eq!(sse_fields(b"event: x\n\n"), None);
    }
}
