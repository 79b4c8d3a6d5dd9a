//! [`ReplayIndex`]: what a replay holds, read without simulating (the summary a
//! replay list shows, the keyframe ticks where a playback may start). It needs no
//! game: the header describes the recorded one.

use super::ReplayHeader;
use super::inputs::TickItem;
use super::reader::{Gap, Record, ReplayReader, Stop};
use crate::protocol::PlayerIdentity;
use crate::protocol::{PlayerId, Tick};
use std::collections::BTreeSet;

/// What a replay holds, read without simulating.
#[derive(Debug, Clone, PartialEq)]
pub struct ReplayIndex {
    pub header: ReplayHeader,
    /// Ticks recorded (in the undamaged part).
    pub ticks: u32,
    /// Ticks that have a keyframe, ascending.
    pub keyframes: Vec<Tick>,
    /// Ticks that have a checkpoint, ascending.
    pub checkpoints: Vec<Tick>,
    /// Who the players were (player records, in join order; none in version 2).
    pub roster: Vec<PlayerIdentity>,
    /// Number of hash records.
    pub hashes: u32,
    /// Distinct players that joined.
    pub players: u32,
    /// The end record was read.
    pub complete: bool,
    /// Where reading stopped at damage, if it did.
    pub stop: Option<Stop>,
    /// Damage skipped (reading resumed at a later checkpoint), in file order.
    pub gaps: Vec<Gap>,
    /// Bytes read (up to where reading stopped).
    pub valid_len: usize,
}

impl ReplayIndex {
    /// Read every record.
    pub fn build(bytes: &[u8]) -> Result<ReplayIndex, Stop> {
        let mut reader = ReplayReader::open(bytes)?;
        let mut keyframes = Vec::new();
        let mut checkpoints = Vec::new();
        let mut roster = Vec::new();
        let mut hashes = 0u32;
        let mut players = BTreeSet::<PlayerId>::new();
        for record in reader.by_ref() {
            match record {
                Record::Ticks { items, .. } => {
                    for item in items {
                        if let TickItem::Input(t) = item {
                            players.extend(t.joins);
                        }
                    }
                }
                Record::Hash { .. } => hashes = hashes.saturating_add(1),
                Record::Keyframe { tick, .. } => keyframes.push(tick),
                Record::Checkpoint { tick, .. } => checkpoints.push(tick),
                Record::Player { info, .. } => roster.push(info),
                Record::End { .. } | Record::Gap(_) => {}
            }
        }
        Ok(ReplayIndex {
            header: reader.header().clone(),
            ticks: reader.ticks().0,
            keyframes,
            checkpoints,
            roster,
            hashes,
            players: u32::try_from(players.len()).unwrap_or(u32::MAX),
            complete: reader.is_complete(),
            stop: reader.stop().cloned(),
            gaps: reader.gaps().to_vec(),
            valid_len: reader.offset(),
        })
    }

    /// The latest keyframe tick at or before `tick`.
    pub fn keyframe_at_or_before(&self, tick: Tick) -> Option<Tick> {
        latest_at_or_before(&self.keyframes, tick)
    }

    /// Recorded match time in milliseconds at the header's tick rate.
    pub fn duration_ms(&self) -> u64 {
        u64::from(self.ticks) * 1000 / u64::from(self.header.tick_rate.max(1))
    }
}

impl ReplayIndex {
    /// Every damage in the file (skipped gaps, then where reading stopped), as text;
    /// `None` for an undamaged file.
    pub fn damage(&self) -> Option<String> {
        let mut parts: Vec<String> = self.gaps.iter().map(ToString::to_string).collect();
        parts.extend(self.stop.iter().map(ToString::to_string));
        (!parts.is_empty()).then(|| parts.join("; "))
    }
}

/// The latest of the ascending `ticks` at or before `tick`.
pub(super) fn latest_at_or_before(ticks: &[Tick], tick: Tick) -> Option<Tick> {
    let after = ticks.partition_point(|k| *k <= tick);
    after.checked_sub(1).and_then(|i| ticks.get(i)).copied()
}
