//! [`verify`]: re-simulate a replay and check every recorded hash, keyframe and
//! checkpoint; or say why it cannot be re-simulated here (an unknown game, another
//! build of the game).

use super::frame::PREFIX_LEN;
use super::open::OpenError;
use super::reader::{Gap, ReplayReader, Stop, StopReason};
use super::resim::{Replayed, Resim};
use crate::codec::{DeltaLimits, RowCodec, apply_rows};
use crate::game::GameEntry;
use crate::protocol::Tick;

/// The outcome of [`verify`].
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct VerifyReport {
    /// The recorded game (`None` when the header does not read).
    pub game: Option<String>,
    /// Ticks re-simulated (the recorded ticks of the undamaged part).
    pub ticks: u32,
    /// Recorded state hashes compared with the re-simulated game's.
    pub hashes_checked: u32,
    /// Recorded keyframes compared with the re-simulated game's view.
    pub keyframes_checked: u32,
    /// Recorded checkpoints compared with the re-simulated game's saved state.
    pub checkpoints_checked: u32,
    /// Hashes, keyframes and checkpoints that differ (one that does not decode
    /// counts).
    pub mismatches: u32,
    /// Tick of the first mismatch.
    pub first_mismatch: Option<Tick>,
    /// The end record was reached: the recording is whole.
    pub complete: bool,
    /// Where and why reading stopped, if the bytes are damaged (a torn tail, a bad
    /// checksum, an unreadable header...) and no checkpoint after it let reading
    /// resume.
    pub stopped_at: Option<Stop>,
    /// Damage skipped: reading resumed at a later checkpoint and the ticks between
    /// were not checked (they are lost).
    pub gaps: Vec<Gap>,
    /// The recorded game is not in the catalog: nothing was re-simulated.
    pub unknown_game: bool,
    /// The game here is another build than the recording's: nothing was
    /// re-simulated (a divergence would say nothing about the recording).
    pub build_mismatch: Option<BuildMismatch>,
}

/// The builds of a replay that was not re-simulated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuildMismatch {
    pub recorded: String,
    pub running: String,
}

impl VerifyReport {
    /// Re-simulated with no mismatch and no damage (a recording without its end
    /// record is still ok).
    pub fn is_ok(&self) -> bool {
        self.mismatches == 0
            && self.stopped_at.is_none()
            && self.gaps.is_empty()
            && !self.unknown_game
            && self.build_mismatch.is_none()
    }

    /// The first damage in the file: the first gap, else where reading stopped.
    pub fn first_damage(&self) -> Option<&Stop> {
        self.gaps
            .first()
            .map(|g| &g.damage)
            .or(self.stopped_at.as_ref())
    }

    fn mismatch(&mut self, tick: Tick) {
        self.mismatches = self.mismatches.saturating_add(1);
        self.first_mismatch.get_or_insert(tick);
    }
}

/// Re-simulate `bytes` with its game from `games` from tick 0 and compare every
/// recorded hash, keyframe (the view rows, decoded) and checkpoint (the saved
/// state, equal to the byte). Never panics; damage ends the check where it starts
/// and is reported; an unknown game or another build is reported without
/// re-simulating.
pub fn verify(bytes: &[u8], games: &[GameEntry]) -> VerifyReport {
    let mut report = VerifyReport {
        game: ReplayReader::open(bytes)
            .ok()
            .map(|r| r.header().game.clone()),
        ..VerifyReport::default()
    };
    let mut resim = match Resim::new(bytes, games) {
        Ok(resim) => resim,
        Err(e) => {
            match e.clone() {
                OpenError::Damaged(stop) => report.stopped_at = Some(stop),
                OpenError::UnknownGame(_) => report.unknown_game = true,
                OpenError::BuildMismatch {
                    recorded, running, ..
                } => report.build_mismatch = Some(BuildMismatch { recorded, running }),
                OpenError::Unplayable { .. } => {
                    let reason = StopReason::Malformed(e.to_string());
                    report.stopped_at = Some(Stop {
                        offset: PREFIX_LEN,
                        reason,
                    });
                }
            }
            return report;
        }
    };
    let codec = RowCodec::new(resim.entry().schema());
    let limits = DeltaLimits::default();
    while let Some(event) = resim.next() {
        match event {
            Replayed::Step { tick, .. } => report.ticks = tick.0,
            Replayed::Hash {
                tick,
                recorded,
                actual,
            } => {
                report.hashes_checked = report.hashes_checked.saturating_add(1);
                if recorded != actual {
                    report.mismatch(tick);
                }
            }
            Replayed::Keyframe { tick, body } => {
                report.keyframes_checked = report.keyframes_checked.saturating_add(1);
                let same =
                    apply_rows(&codec, None, &body, &limits).is_ok_and(|s| s == resim.view());
                if !same {
                    report.mismatch(tick);
                }
            }
            Replayed::Checkpoint { tick, body } => {
                report.checkpoints_checked = report.checkpoints_checked.saturating_add(1);
                // Equal to the byte: `-0.0` differs from `0.0` (the state hash
                // tells them apart too) and a NaN equals only the same NaN.
                if body != resim.game().save() {
                    report.mismatch(tick);
                }
            }
            Replayed::Gap(gap) => report.gaps.push(gap),
            Replayed::End { .. } | Replayed::Player { .. } => {}
        }
    }
    report.complete = resim.is_complete();
    report.stopped_at = resim.stop().cloned();
    report
}
