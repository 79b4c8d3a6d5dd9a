//! Record framing: `len:u32le crc:u32le kind:u8 payload`, and the file prefix.
//!
//! Framing knows lengths and checksums, not what payloads mean: [`read_frame`] hands
//! back a checked `(kind, payload)` or the reason the bytes at an offset are not one.

use super::bounds;
use super::reader::StopReason;
use super::{FORMAT_VERSION, MAGIC, MAX_RECORD_LEN, OLDEST_FORMAT_VERSION};

/// Bytes before the first record: magic and format version.
pub(crate) const PREFIX_LEN: usize = MAGIC.len() + 2;
/// Bytes of a record before its kind: length and checksum.
pub(crate) const FRAME_HEAD: usize = 8;

/// Record kinds (see the module docs of [`crate::replay`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Header = 1,
    Ticks = 2,
    Hash = 3,
    Keyframe = 4,
    End = 5,
    Checkpoint = 6,
    Player = 7,
}

impl Kind {
    /// The kind's name, for errors.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Kind::Header => "header",
            Kind::Ticks => "ticks",
            Kind::Hash => "hash",
            Kind::Keyframe => "keyframe",
            Kind::End => "end",
            Kind::Checkpoint => "checkpoint",
            Kind::Player => "player",
        }
    }

    /// The kind `b` in a file of format `version`.
    pub(crate) fn from_u8(b: u8, version: u16) -> Option<Kind> {
        if version < 3 && b > 5 {
            return None;
        }
        Some(match b {
            1 => Kind::Header,
            2 => Kind::Ticks,
            3 => Kind::Hash,
            4 => Kind::Keyframe,
            5 => Kind::End,
            6 => Kind::Checkpoint,
            7 => Kind::Player,
            _ => return None,
        })
    }
}

/// The file prefix of format `version`.
pub(crate) fn write_prefix(out: &mut Vec<u8>, version: u16) {
    out.extend_from_slice(&MAGIC);
    out.extend_from_slice(&version.to_le_bytes());
}

/// Check the file prefix; `Ok(version)` means the first record starts at
/// [`PREFIX_LEN`].
pub(crate) fn read_prefix(bytes: &[u8]) -> Result<u16, StopReason> {
    // Compare what is there: a file cut inside the magic is truncated, not foreign.
    let n = bytes.len().min(MAGIC.len());
    if bytes.get(..n) != MAGIC.get(..n) {
        return Err(StopReason::BadMagic);
    }
    let version = bytes
        .get(MAGIC.len()..PREFIX_LEN)
        .and_then(|v| <[u8; 2]>::try_from(v).ok())
        .map(u16::from_le_bytes)
        .ok_or(StopReason::Truncated {
            needed: PREFIX_LEN,
            available: bytes.len(),
        })?;
    if !(OLDEST_FORMAT_VERSION..=FORMAT_VERSION).contains(&version) {
        return Err(StopReason::UnsupportedVersion(version));
    }
    Ok(version)
}

/// Append one record.
pub(crate) fn write_record(out: &mut Vec<u8>, kind: Kind, payload: &[u8]) {
    let len = payload.len().saturating_add(1);
    let mut crc = crc32fast::Hasher::new();
    crc.update(&[kind as u8]);
    crc.update(payload);
    out.extend_from_slice(&u32::try_from(len).unwrap_or(u32::MAX).to_le_bytes());
    out.extend_from_slice(&crc.finalize().to_le_bytes());
    out.push(kind as u8);
    out.extend_from_slice(payload);
}

/// A checked record: its kind, payload, and where the next record starts.
pub(crate) struct Frame<'a> {
    pub kind: Kind,
    pub payload: &'a [u8],
    pub next: usize,
}

fn le_u32(bytes: &[u8], at: usize) -> Option<u32> {
    let end = at.checked_add(4)?;
    bytes
        .get(at..end)
        .and_then(|b| <[u8; 4]>::try_from(b).ok())
        .map(u32::from_le_bytes)
}

/// Read the record at `at` of a file of format `version`; `Ok(None)` at the exact
/// end of the bytes.
pub(crate) fn read_frame(
    bytes: &[u8],
    at: usize,
    version: u16,
) -> Result<Option<Frame<'_>>, StopReason> {
    let available = bytes.len().saturating_sub(at);
    if available == 0 {
        return Ok(None);
    }
    let truncated = |needed: usize| StopReason::Truncated { needed, available };
    let (Some(len), Some(crc)) = (le_u32(bytes, at), le_u32(bytes, at.saturating_add(4))) else {
        return Err(truncated(FRAME_HEAD));
    };
    if len == 0 || len > MAX_RECORD_LEN {
        return Err(StopReason::BadLength(len));
    }
    let body_at = at.saturating_add(FRAME_HEAD);
    // The kind's own bound, before the checksum pass over the body.
    if let Some(kind) = bytes.get(body_at).and_then(|b| Kind::from_u8(*b, version)) {
        bounds::check_record_len(kind, len).map_err(StopReason::OutOfBounds)?;
    }
    let needed = FRAME_HEAD.saturating_add(len as usize);
    let body = body_at
        .checked_add(len as usize)
        .and_then(|end| bytes.get(body_at..end))
        .ok_or_else(|| truncated(needed))?;
    let actual = crc32fast::hash(body);
    if actual != crc {
        return Err(StopReason::BadChecksum {
            stored: crc,
            actual,
        });
    }
    let (&kind, payload) = body.split_first().ok_or(StopReason::BadLength(len))?;
    let kind = Kind::from_u8(kind, version).ok_or(StopReason::UnknownKind(kind))?;
    Ok(Some(Frame {
        kind,
        payload,
        next: at.saturating_add(needed),
    }))
}

/// Little-endian `u32` at the start of a payload, and the rest.
pub(crate) fn split_u32(payload: &[u8]) -> Option<(u32, &[u8])> {
    let (head, rest) = payload.split_at_checked(4)?;
    Some((u32::from_le_bytes(head.try_into().ok()?), rest))
}

/// Little-endian `u64` that is the whole of `rest`.
pub(crate) fn exact_u64(rest: &[u8]) -> Option<u64> {
    Some(u64::from_le_bytes(rest.try_into().ok()?))
}

/// The first offset at or after `from` where a whole checkpoint record of a tick at
/// or after `min_tick` starts, with that tick: where reading can resume after
/// damage (the input model starts afresh at a checkpoint). Checksumming candidates
/// spends `budget` (bytes); `None` when none is found or the budget runs out.
pub(crate) fn find_checkpoint(
    bytes: &[u8],
    from: usize,
    version: u16,
    min_tick: u32,
    budget: &mut u64,
) -> Option<(usize, u32)> {
    if version < 3 {
        return None;
    }
    let kind = Kind::Checkpoint as u8;
    let mut at = from;
    while at.checked_add(FRAME_HEAD + 5)? <= bytes.len() {
        let here = at;
        at += 1;
        if bytes.get(here + FRAME_HEAD) != Some(&kind) {
            continue;
        }
        let (Some(len), Some(tick)) = (le_u32(bytes, here), le_u32(bytes, here + FRAME_HEAD + 1))
        else {
            continue;
        };
        if !(5..=MAX_RECORD_LEN).contains(&len) || tick < min_tick {
            continue;
        }
        let Some(body) = (here + FRAME_HEAD)
            .checked_add(len as usize)
            .and_then(|end| bytes.get(here + FRAME_HEAD..end))
        else {
            continue;
        };
        *budget = budget.checked_sub(u64::from(len))?;
        if le_u32(bytes, here + 4) == Some(crc32fast::hash(body)) {
            return Some((here, tick));
        }
    }
    None
}
