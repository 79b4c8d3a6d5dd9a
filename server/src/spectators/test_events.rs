//! Events for the spectator tests (hub, viewers, writers): an entry of a kind at a
//! tick, its text naming both (`"Delta 12\n\n"`), so a test reads what was sent.

use super::{Entry, EntryKind, Hub};
use bytes::Bytes;
use tickcast_shared::protocol::Tick;
use tickcast_shared::spectate::EventId;

/// The id of the event of `kind` at `tick`.
pub fn id_of(tick: u32, kind: EntryKind) -> EventId {
    match kind {
        EntryKind::Game => EventId::game(Tick(tick)),
        EntryKind::End => EventId::end(Tick(tick)),
        EntryKind::Keyframe | EntryKind::Delta => EventId::frame(Tick(tick)),
    }
}

/// The event of `kind` at `tick` with `text`.
pub fn entry(tick: u32, kind: EntryKind, text: impl Into<Bytes>) -> Entry {
    Entry::same(id_of(tick, kind), kind, text.into())
}

/// Publish the event of `kind` at `tick`, its text `"{kind:?} {tick}\n\n"`.
pub fn publish(hub: &Hub, tick: u32, kind: EntryKind) {
    hub.publish(entry(tick, kind, format!("{kind:?} {tick}\n\n")));
}

/// Publish the delta of `tick` with a catch-up keyframe for it (`"Catch-up {tick}"`),
/// as the spectator task does when a viewer asked for one.
pub fn publish_with_catchup(hub: &Hub, tick: u32) {
    hub.publish_with_catchup(
        entry(tick, EntryKind::Delta, format!("Delta {tick}\n\n")),
        Some(entry(
            tick,
            EntryKind::Keyframe,
            format!("Catch-up {tick}\n\n"),
        )),
    );
}
