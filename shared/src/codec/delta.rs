//! Bit-packed snapshot deltas against a baseline (a keyframe is a delta against none).

use super::snapshot::Snapshot;
use thiserror::Error;

/// Why a delta body could not be applied.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DeltaError {
    #[error("delta body is truncated")]
    Truncated,
    #[error("delta body is malformed: {0}")]
    Malformed(&'static str),
    #[error("delta needs a baseline but none was given")]
    MissingBaseline,
}

/// Encode `current` as a delta against `baseline` (`None`: a keyframe).
pub fn encode_delta(baseline: Option<&Snapshot>, current: &Snapshot) -> Vec<u8> {
    todo!("{baseline:?} {current:?}")
}

/// Rebuild the snapshot that `encode_delta(baseline, current)` encoded.
pub fn apply_delta(baseline: Option<&Snapshot>, bytes: &[u8]) -> Result<Snapshot, DeltaError> {
    todo!("{baseline:?} {bytes:?}")
}
