//! Snapshot fragments: a snapshot envelope larger than one QUIC datagram is split
//! into datagrams that each carry a [`HEADER`]-byte header and a slice of it, and
//! the client reassembles them. Unreliable like a whole datagram: a lost fragment
//! loses that snapshot (the client acknowledges what it applied, so the next delta
//! uses an older baseline).
//!
//! Header: [`MAGIC`] (a byte no envelope starts with: bincode would read it as
//! message variant 240), the snapshot's sequence number on this connection (u32 LE,
//! increasing), the fragment's index and the fragment count (u16 LE each). Every
//! fragment but the last carries the same payload length.
//!
//! [`Reassembler`] is bounded: at most `max_in_flight` snapshots are assembled at
//! once (a new one evicts the oldest), fragments of a snapshot older than the newest
//! one completed are dropped, and counts and sizes are checked against the limits
//! before anything is allocated.

use std::collections::VecDeque;
use thiserror::Error;

/// First byte of every fragment datagram.
pub const MAGIC: u8 = 0xF0;
/// Bytes of the fragment header.
pub const HEADER: usize = 9;

/// Whether a datagram is a fragment (else it is one whole envelope).
pub fn is_fragment(datagram: &[u8]) -> bool {
    datagram.first() == Some(&MAGIC)
}

/// Why an envelope could not be split.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum SplitError {
    #[error("a datagram of {0} bytes cannot carry a fragment")]
    DatagramTooSmall(usize),
    #[error("{needed} fragments needed, at most {max} allowed")]
    TooManyFragments { needed: usize, max: usize },
}

/// `envelope` as fragment datagrams of at most `max_datagram` bytes each (at most
/// `max_fragments` of them) for snapshot `seq`.
pub fn split(
    seq: u32,
    envelope: &[u8],
    max_datagram: usize,
    max_fragments: u16,
) -> Result<Vec<Vec<u8>>, SplitError> {
    let room = max_datagram
        .checked_sub(HEADER)
        .filter(|r| *r > 0)
        .ok_or(SplitError::DatagramTooSmall(max_datagram))?;
    let needed = envelope.len().div_ceil(room).max(1);
    let max = usize::from(max_fragments);
    let count = u16::try_from(needed)
        .ok()
        .filter(|_| needed <= max)
        .ok_or(SplitError::TooManyFragments { needed, max })?;
    let mut out = Vec::with_capacity(needed);
    for (index, chunk) in (0u16..).zip(envelope.chunks(room)) {
        let mut d = Vec::with_capacity(HEADER + chunk.len());
        d.push(MAGIC);
        d.extend_from_slice(&seq.to_le_bytes());
        d.extend_from_slice(&index.to_le_bytes());
        d.extend_from_slice(&count.to_le_bytes());
        d.extend_from_slice(chunk);
        out.push(d);
    }
    Ok(out)
}

/// A fragment datagram that was not used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum FragmentError {
    #[error("fragment header malformed")]
    Malformed,
    #[error("fragment count {count} over the limit of {max}")]
    TooManyFragments { count: u16, max: u16 },
    #[error("reassembled snapshot would exceed {max} bytes")]
    TooLarge { max: usize },
    #[error("fragment disagrees with the earlier fragments of its snapshot")]
    Inconsistent,
    #[error("fragment of an older snapshot")]
    Stale,
}

/// What the reassembler holds for one snapshot.
struct Partial {
    seq: u32,
    parts: Vec<Option<Vec<u8>>>,
    have: usize,
    bytes: usize,
    /// Payload length of every fragment but the last (from the first non-last seen).
    stride: Option<usize>,
}

/// Reassembles snapshots from fragment datagrams (see the module docs).
pub struct Reassembler {
    in_flight: VecDeque<Partial>,
    max_in_flight: usize,
    max_fragments: u16,
    max_bytes: usize,
    newest_done: Option<u32>,
    /// Snapshots given up: evicted for a newer one, or overtaken by one completed.
    pub lost: u64,
}

impl Reassembler {
    /// At most `max_in_flight` snapshots at once, `max_fragments` fragments and
    /// `max_bytes` bytes each.
    pub fn new(max_in_flight: usize, max_fragments: u16, max_bytes: usize) -> Reassembler {
        Reassembler {
            in_flight: VecDeque::new(),
            max_in_flight: max_in_flight.max(1),
            max_fragments,
            max_bytes,
            newest_done: None,
            lost: 0,
        }
    }

    /// Snapshots being assembled now.
    pub fn in_flight(&self) -> usize {
        self.in_flight.len()
    }

    /// Take one fragment datagram; the whole envelope when it completes one.
    pub fn push(&mut self, datagram: &[u8]) -> Result<Option<Vec<u8>>, FragmentError> {
        let (seq, index, count, payload) = parse(datagram)?;
        if count > self.max_fragments {
            return Err(FragmentError::TooManyFragments {
                count,
                max: self.max_fragments,
            });
        }
        if self.newest_done.is_some_and(|done| seq <= done) {
            return Err(FragmentError::Stale);
        }
        let last = index + 1 == count;
        let slot = match self.in_flight.iter().position(|p| p.seq == seq) {
            Some(slot) => slot,
            None => self.open(seq, count)?,
        };
        let max_bytes = self.max_bytes;
        let Some(p) = self.in_flight.get_mut(slot) else {
            return Err(FragmentError::Inconsistent);
        };
        if p.parts.len() != usize::from(count) {
            return Err(FragmentError::Inconsistent);
        }
        if !last {
            match p.stride {
                Some(s) if s != payload.len() => return Err(FragmentError::Inconsistent),
                _ => p.stride = Some(payload.len()),
            }
        }
        let Some(part) = p.parts.get_mut(usize::from(index)) else {
            return Err(FragmentError::Malformed);
        };
        if part.is_some() {
            return Ok(None); // a duplicate
        }
        if p.bytes.saturating_add(payload.len()) > max_bytes {
            self.in_flight.remove(slot);
            self.lost += 1;
            return Err(FragmentError::TooLarge { max: max_bytes });
        }
        p.bytes += payload.len();
        p.have += 1;
        *part = Some(payload.to_vec());
        if p.have < p.parts.len() {
            return Ok(None);
        }
        let Some(done) = self.in_flight.remove(slot) else {
            return Err(FragmentError::Inconsistent);
        };
        // Older snapshots still assembling can no longer be applied.
        let before = self.in_flight.len();
        self.in_flight.retain(|p| p.seq > seq);
        self.lost += (before - self.in_flight.len()) as u64;
        self.newest_done = Some(seq);
        let mut envelope = Vec::with_capacity(done.bytes);
        for part in done.parts.into_iter().flatten() {
            envelope.extend_from_slice(&part);
        }
        Ok(Some(envelope))
    }

    /// Start assembling `seq` (evicting the oldest when full); its slot.
    fn open(&mut self, seq: u32, count: u16) -> Result<usize, FragmentError> {
        // Even the smallest fragments of `count` could not fit the limit.
        if usize::from(count).saturating_sub(1) > self.max_bytes {
            return Err(FragmentError::TooLarge {
                max: self.max_bytes,
            });
        }
        if self.in_flight.len() >= self.max_in_flight {
            let oldest = self
                .in_flight
                .iter()
                .enumerate()
                .min_by_key(|(_, p)| p.seq)
                .map(|(i, _)| i);
            if let Some(i) = oldest {
                if self.in_flight.get(i).is_some_and(|p| p.seq > seq) {
                    // Older than everything in flight: not worth a slot.
                    return Err(FragmentError::Stale);
                }
                self.in_flight.remove(i);
                self.lost += 1;
            }
        }
        self.in_flight.push_back(Partial {
            seq,
            parts: vec![None; usize::from(count)],
            have: 0,
            bytes: 0,
            stride: None,
        });
        Ok(self.in_flight.len() - 1)
    }
}

/// (seq, index, count, payload) of a fragment datagram.
fn parse(d: &[u8]) -> Result<(u32, u16, u16, &[u8]), FragmentError> {
    let (head, payload) = d.split_at_checked(HEADER).ok_or(FragmentError::Malformed)?;
    let field = |at: usize, n: usize| head.get(at..at + n).ok_or(FragmentError::Malformed);
    let seq = u32::from_le_bytes(
        field(1, 4)?
            .try_into()
            .map_err(|_| FragmentError::Malformed)?,
    );
    let index = u16::from_le_bytes(
        field(5, 2)?
            .try_into()
            .map_err(|_| FragmentError::Malformed)?,
    );
    let count = u16::from_le_bytes(
        field(7, 2)?
            .try_into()
            .map_err(|_| FragmentError::Malformed)?,
    );
    if head.first() != Some(&MAGIC) || count == 0 || index >= count || payload.is_empty() {
        return Err(FragmentError::Malformed);
    }
    Ok((seq, index, count, payload))
}

#[cfg(test)]
#[path = "fragments_tests.rs"]
mod tests;
