//! Fast seeking: [`SeekIndex`] (where the checkpoints and keyframes are, read
//! without decoding inputs or simulating) and [`Resim::seek_from`].
//!
//! Building the index walks the record frames only: lengths, checksums and the
//! tick numbers in each record's first bytes (a ticks record's count says how many
//! ticks it covers), so it costs a checksum pass over the file. A seek then restores
//! the latest checkpoint at or before its target and re-simulates at most one
//! checkpoint interval. A checkpoint that does not decode or restore is skipped for
//! the one before it, down to tick 0; a checkpoint that decodes but lies (a forged
//! file) is what [`verify`](super::verify) reports.

use super::ReplayHeader;
use super::index::latest_at_or_before;
use super::open::OpenError;
use super::reader::{Record, ReplayReader, Stop};
use super::resim::Resim;
use crate::game::GameEntry;
use crate::protocol::{PlayerIdentity, Tick};

/// Seek points of a recording.
#[derive(Debug, Clone, PartialEq)]
pub struct SeekIndex {
    pub header: ReplayHeader,
    /// Ticks in the readable part (as far as record frames are whole and in order).
    pub ticks: u32,
    /// Ticks that have a keyframe, ascending.
    pub keyframes: Vec<Tick>,
    /// Checkpoints: their tick and the byte offset of their record, ascending.
    pub checkpoints: Vec<(Tick, usize)>,
    /// Who the recorded players are (the player records, in file order): what a
    /// playback names players by, wherever it starts.
    pub players: Vec<PlayerIdentity>,
    /// Where the frames stop being readable, if they do before the end.
    pub stop: Option<Stop>,
}

impl SeekIndex {
    /// Walk the record frames of `bytes`; a [`Stop`] when the header does not read.
    pub fn build(bytes: &[u8]) -> Result<SeekIndex, Stop> {
        let mut reader = ReplayReader::open(bytes)?;
        let mut keyframes = Vec::new();
        let mut checkpoints = Vec::new();
        let mut players = Vec::new();
        while let Some((offset, record)) = reader.skim() {
            match record {
                Record::Keyframe { tick, .. } => keyframes.push(tick),
                Record::Checkpoint { tick, .. } => checkpoints.push((tick, offset)),
                Record::Player { info, .. } => players.push(info),
                _ => {}
            }
        }
        Ok(SeekIndex {
            header: reader.header().clone(),
            ticks: reader.ticks().0,
            keyframes,
            checkpoints,
            players,
            stop: reader.stop().cloned(),
        })
    }

    /// The latest keyframe tick at or before `tick`.
    pub fn keyframe_at_or_before(&self, tick: Tick) -> Option<Tick> {
        latest_at_or_before(&self.keyframes, tick)
    }

    /// The checkpoints at or before `tick`, latest first.
    fn checkpoints_before(&self, tick: Tick) -> impl Iterator<Item = (Tick, usize)> + '_ {
        let after = self.checkpoints.partition_point(|(t, _)| *t <= tick);
        self.checkpoints.iter().take(after).rev().copied()
    }
}

impl<'a> Resim<'a> {
    /// A re-simulation of `bytes` (whose game is found in `games`) at `target` (or
    /// at the end of the readable part, if that comes first): restored from the
    /// latest usable checkpoint at or before `target` in `index` (built from the
    /// same bytes), else from tick 0, then stepped forward.
    pub fn seek_from(
        bytes: &'a [u8],
        games: &[GameEntry],
        index: &SeekIndex,
        target: Tick,
    ) -> Result<Self, OpenError> {
        for (tick, offset) in index.checkpoints_before(target) {
            if let Some(mut resim) = Resim::at_checkpoint(bytes, games, offset, tick)? {
                resim.seek(target);
                return Ok(resim);
            }
        }
        let mut resim = Resim::new(bytes, games)?;
        resim.seek(target);
        Ok(resim)
    }
}
