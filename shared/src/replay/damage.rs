//! Damage: where and why reading stopped ([`Stop`], [`StopReason`]) and the damage a
//! reader skipped by resuming at a later checkpoint ([`Gap`]), with the bounds on
//! that search.

use super::bounds::BoundsError;
use crate::protocol::Tick;
use thiserror::Error;

/// Damage that reading skipped, resuming at a checkpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Gap {
    /// Where and why the damaged part starts.
    pub damage: Stop,
    /// The ticks recorded before the damage.
    pub from: Tick,
    /// The tick of the checkpoint reading resumed at.
    pub to: Tick,
    /// Byte offset of that checkpoint record.
    pub resumed_at: usize,
}

impl std::fmt::Display for Gap {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}; ticks {}..{} lost, resumed at byte {}",
            self.damage, self.from.0, self.to.0, self.resumed_at
        )
    }
}

/// Bytes of candidate records a reader may checksum while looking for a checkpoint
/// after damage, over its whole life.
pub const RESYNC_BUDGET: u64 = 256 * 1024 * 1024;
/// Most gaps a reader skips before it stops for good.
pub const MAX_GAPS: usize = 4096;

/// Why reading stopped before the end of the bytes.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum StopReason {
    #[error("truncated: the record needs {needed} bytes, {available} remain")]
    Truncated { needed: usize, available: usize },
    #[error("not a tickcast replay (bad magic)")]
    BadMagic,
    #[error("unsupported replay format version {0}")]
    UnsupportedVersion(u16),
    #[error("bad record length {0}")]
    BadLength(u32),
    #[error("checksum mismatch (stored {stored:#010x}, computed {actual:#010x})")]
    BadChecksum { stored: u32, actual: u32 },
    #[error("unknown record kind {0}")]
    UnknownKind(u8),
    #[error("the first record is not a header")]
    MissingHeader,
    #[error("malformed record: {0}")]
    Malformed(String),
    #[error("record for tick {found} where tick {expected} was expected")]
    OutOfOrder { expected: u32, found: u32 },
    #[error("data after the end record")]
    AfterEnd,
    #[error("out of bounds: {0}")]
    OutOfBounds(BoundsError),
}

/// Where and why reading stopped.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("replay damaged at byte {offset}: {reason}")]
pub struct Stop {
    /// Byte offset of the first record that could not be read.
    pub offset: usize,
    pub reason: StopReason,
}
