//! What one viewer is sent of its room's events: the rules shared by both writers
//! (the HTTP response body in `net::sse` and the direct writers of
//! [`super::fanout`]).
//!
//! A viewer that fell behind (or waits for its first keyframe) skips: only a
//! keyframe or `end` passes, and a delta is replaced by its catch-up keyframe when
//! the hub rendered one (else the viewer asks for one and the delta is dropped).

use super::hub::Hub;
use super::ring::{Entry, EntryKind};
use bytes::Bytes;
use prometheus_client::metrics::counter::Counter;
use std::sync::Arc;
use tickcast_shared::spectate::Format;

/// The counters a viewer's skips are reported in.
#[derive(Debug, Clone, Default)]
pub struct ViewerCounters {
    /// Catch-up keyframes sent in place of a delta.
    pub catchup_keyframes: Counter,
    /// Viewers that fell behind and began skipping to a keyframe.
    pub lag_skips: Counter,
}

/// One viewer's place in the rules: its format, whether it skips, whether its
/// stream is over.
#[derive(Debug)]
pub struct Pass {
    format: Format,
    skipping: bool,
    done: bool,
}

impl Pass {
    /// A viewer in `format`; `await_keyframe` when its backlog holds no keyframe.
    pub fn new(format: Format, await_keyframe: bool) -> Pass {
        Pass {
            format,
            skipping: await_keyframe,
            done: false,
        }
    }

    /// `end` went out: nothing more is written.
    pub fn is_done(&self) -> bool {
        self.done
    }

    /// What to write for `entry` of `hub`, if anything, updating the lag state.
    pub fn pass(
        &mut self,
        entry: &Arc<Entry>,
        hub: &Hub,
        counters: &ViewerCounters,
    ) -> Option<Bytes> {
        if self.done {
            return None;
        }
        let text = if !self.skipping || matches!(entry.kind, EntryKind::Keyframe | EntryKind::End) {
            entry.text_in(self.format).clone()
        } else if entry.kind == EntryKind::Delta {
            match hub.catchup_for(entry.id) {
                Some(key) => {
                    counters.catchup_keyframes.inc();
                    key.text_in(self.format).clone()
                }
                None => {
                    hub.request_catchup();
                    return None;
                }
            }
        } else {
            return None;
        };
        self.skipping = false;
        self.done = entry.kind == EntryKind::End;
        Some(text)
    }

    /// The viewer fell behind: skip ahead, and ask `hub` for a keyframe of the next
    /// frame.
    pub fn lagged(&mut self, hub: &Hub, counters: &ViewerCounters) {
        if !self.skipping {
            counters.lag_skips.inc();
        }
        self.skipping = true;
        hub.request_catchup();
    }
}
