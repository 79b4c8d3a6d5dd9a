//! [`verify`]: re-simulate a replay and check every recorded hash, keyframe and
//! checkpoint.

use super::MAX_RECORD_LEN;
use super::reader::{Gap, Stop};
use super::resim::{Replayed, Resim};
use crate::codec::{apply_delta, decode_value, encode_value};
use crate::protocol::Tick;
use crate::sim::WorldState;

/// The outcome of [`verify`].
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct VerifyReport {
    /// Ticks re-simulated (the recorded ticks of the undamaged part).
    pub ticks: u32,
    /// Recorded state hashes compared with the re-simulated World's.
    pub hashes_checked: u32,
    /// Recorded keyframes compared with the re-simulated World's snapshot.
    pub keyframes_checked: u32,
    /// Recorded checkpoints compared with the re-simulated World's full state.
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
}

impl VerifyReport {
    /// No mismatch and no damage (a recording without its end record is still ok).
    pub fn is_ok(&self) -> bool {
        self.mismatches == 0 && self.stopped_at.is_none() && self.gaps.is_empty()
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

/// Re-simulate `bytes` from tick 0 and compare every recorded hash, keyframe and
/// checkpoint (a checkpoint must equal the re-simulated World's
/// [`WorldState`](crate::sim::WorldState) exactly, bit for bit).
/// Never panics; damage ends the check where it starts and is reported.
pub fn verify(bytes: &[u8]) -> VerifyReport {
    let mut report = VerifyReport::default();
    let mut resim = match Resim::new(bytes) {
        Ok(resim) => resim,
        Err(stop) => {
            report.stopped_at = Some(stop);
            return report;
        }
    };
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
                let same = apply_delta(None, &body).is_ok_and(|s| s == resim.world().snapshot());
                if !same {
                    report.mismatch(tick);
                }
            }
            Replayed::Checkpoint { tick, body } => {
                report.checkpoints_checked = report.checkpoints_checked.saturating_add(1);
                let same = decode_value::<WorldState>(&body, MAX_RECORD_LEN as usize)
                    .is_ok_and(|s| same_state(&s, &resim.world().save_state()));
                if !same {
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

/// Equal to the bit: the encoded bytes are compared, so `-0.0` differs from `0.0`
/// (the state hash tells them apart too) and a NaN equals only the same NaN.
fn same_state(a: &WorldState, b: &WorldState) -> bool {
    encode_value(a) == encode_value(b)
}
