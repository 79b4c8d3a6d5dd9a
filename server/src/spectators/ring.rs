//! The retained events of one room: each event as sent ([`Entry`], rendered once and
//! shared by every viewer), and the ring of recent ones that `Last-Event-ID` resumes
//! from.
//!
//! The ring keeps [`SpectatorConfig::retain_secs`](super::SpectatorConfig) of events
//! and at most `retain_bytes` of text, but never less than its newest keyframe and
//! what follows. Its `floor` is the newest id it has let go of: a resume after an id
//! at or above the floor is exact; below it (or unknown) the stream restarts.

use bytes::Bytes;
use std::collections::VecDeque;
use std::sync::Arc;
use tickcast_shared::spectate::{EventId, Format};

/// What an event is, for resume and lag handling.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryKind {
    Keyframe,
    Delta,
    Game,
    End,
}

/// One event as sent: its SSE `id`, its kind and its whole SSE text in each format
/// (`game`, `end`: the same bytes twice).
#[derive(Debug)]
pub struct Entry {
    pub id: EventId,
    pub kind: EntryKind,
    /// The JSON format.
    pub text: Bytes,
    /// The binary format (`?format=binary`).
    pub binary: Bytes,
}

impl Entry {
    /// An event whose text is the same in both formats.
    pub fn same(id: EventId, kind: EntryKind, text: Bytes) -> Entry {
        Entry {
            id,
            kind,
            binary: text.clone(),
            text,
        }
    }

    /// The text in `format`.
    pub fn text_in(&self, format: Format) -> &Bytes {
        match format {
            Format::Json => &self.text,
            Format::Binary => &self.binary,
        }
    }

    /// Bytes this entry keeps (both formats, once when shared).
    pub(crate) fn size(&self) -> usize {
        if self.text.as_ptr() == self.binary.as_ptr() {
            self.text.len()
        } else {
            self.text.len() + self.binary.len()
        }
    }

    pub fn is_frame(&self) -> bool {
        matches!(self.kind, EntryKind::Keyframe | EntryKind::Delta)
    }
}

/// How a subscription starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Start {
    /// Exactly after the id the client gave.
    Resumed(EventId),
    /// At the keyframe with this id (the newest retained one), because no id was
    /// given or it could not be resumed.
    Keyframe(EventId),
    /// At the next keyframe to come (none is retained).
    NextKeyframe,
}

/// Recent events, oldest first, bounded in time, bytes and count.
#[derive(Debug, Default)]
pub(crate) struct Ring {
    entries: VecDeque<Arc<Entry>>,
    /// Text bytes of `entries`.
    bytes: usize,
    /// Every published event with an id above this is in `entries` (`None`: the
    /// ring is empty since it started or went idle; no resume is exact).
    floor: Option<EventId>,
}

/// The bounds of a [`Ring`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct Bounds {
    pub ticks: u32,
    pub bytes: usize,
    pub entries: usize,
}

impl Ring {
    /// Forget everything (nobody watched for the retention window).
    pub fn clear(&mut self) {
        *self = Ring::default();
    }

    /// The newest retained id.
    pub fn newest(&self) -> Option<EventId> {
        self.entries.back().map(|e| e.id)
    }

    /// Append `entry`, then drop the oldest events past `bounds`, keeping the newest
    /// keyframe and everything after it.
    pub fn push(&mut self, entry: Arc<Entry>, bounds: Bounds) {
        if self.floor.is_none() {
            self.floor = Some(EventId(entry.id.0.saturating_sub(1)));
        }
        self.bytes = self.bytes.saturating_add(entry.size());
        let newest_tick = entry.id.tick().0;
        self.entries.push_back(entry);
        let mut last_key = self
            .entries
            .iter()
            .rposition(|e| e.kind == EntryKind::Keyframe);
        while let Some(front) = self.entries.front() {
            let too_old = front.id.tick().0.saturating_add(bounds.ticks) < newest_tick;
            let over = self.entries.len() > bounds.entries || self.bytes > bounds.bytes;
            if !(too_old || over) || last_key == Some(0) {
                return;
            }
            if let Some(gone) = self.entries.pop_front() {
                self.bytes = self.bytes.saturating_sub(gone.size());
                self.floor = Some(gone.id);
            }
            last_key = last_key.map(|k| k.saturating_sub(1));
        }
    }

    /// What a spectator resuming after `last` is sent first: exactly the events
    /// after it when the ring holds every one of them; otherwise the newest retained
    /// keyframe and what follows (or nothing, to wait for the next keyframe).
    pub fn backlog(&self, last: Option<EventId>) -> (Vec<Arc<Entry>>, Start) {
        let newest = self.newest();
        let exact = last
            .filter(|&id| self.floor.is_some_and(|f| f <= id) && newest.is_some_and(|n| id <= n));
        if let Some(id) = exact {
            let backlog = self.entries.iter().filter(|e| e.id > id).cloned().collect();
            return (backlog, Start::Resumed(id));
        }
        match self
            .entries
            .iter()
            .rposition(|e| e.kind == EntryKind::Keyframe)
        {
            Some(k) => {
                let backlog: Vec<Arc<Entry>> = self.entries.iter().skip(k).cloned().collect();
                let id = backlog.first().map_or(EventId(0), |e| e.id);
                (backlog, Start::Keyframe(id))
            }
            None => (Vec::new(), Start::NextKeyframe),
        }
    }
}
