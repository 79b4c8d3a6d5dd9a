//! [`ReplayReader`]: replay bytes in, records out, stopping cleanly at damage.
//!
//! The reader checks every record's length, checksum, kind, payload and place in the
//! tick sequence before yielding it. At the first record that fails, it stops and
//! keeps the offset and the reason ([`Stop`]); everything yielded before is good. A
//! file that ends exactly after a whole record is not damaged, only incomplete when
//! its end record is missing (a live or crashed recording).

use super::frame::{self, FRAME_HEAD, Frame, Kind, PREFIX_LEN};
use super::inputs::{InputModel, TickItem};
use super::{MAX_RECORD_LEN, MAX_TICKS_PER_RECORD, ReplayHeader};
use crate::codec::decode_value;
use crate::protocol::Tick;
use thiserror::Error;

/// One record after the header.
#[derive(Debug, Clone, PartialEq)]
pub enum Record {
    /// The inputs of ticks `first ..` (as many as the items cover).
    Ticks { first: Tick, items: Vec<TickItem> },
    /// The World's state hash at `tick`.
    Hash { tick: Tick, hash: u64 },
    /// A keyframe snapshot body (`codec::encode_delta(None, ..)`) at `tick`.
    Keyframe { tick: Tick, body: Vec<u8> },
    /// The match ended at `tick`; the replay is complete.
    End { tick: Tick },
}

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
}

/// Where and why reading stopped.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("replay damaged at byte {offset}: {reason}")]
pub struct Stop {
    /// Byte offset of the first record that could not be read.
    pub offset: usize,
    pub reason: StopReason,
}

/// Reads records from replay bytes (an iterator of [`Record`]s).
pub struct ReplayReader<'a> {
    bytes: &'a [u8],
    pos: usize,
    header: ReplayHeader,
    model: InputModel,
    ticks: u32,
    ended: bool,
    stop: Option<Stop>,
}

impl<'a> ReplayReader<'a> {
    /// Check the prefix and read the header record.
    pub fn open(bytes: &'a [u8]) -> Result<ReplayReader<'a>, Stop> {
        frame::read_prefix(bytes).map_err(|reason| Stop { offset: 0, reason })?;
        let stop = |reason| Stop {
            offset: PREFIX_LEN,
            reason,
        };
        let frame = frame::read_frame(bytes, PREFIX_LEN)
            .map_err(stop)?
            .ok_or(stop(StopReason::Truncated {
                needed: FRAME_HEAD,
                available: 0,
            }))?;
        if frame.kind != Kind::Header {
            return Err(stop(StopReason::MissingHeader));
        }
        let header = decode_value::<ReplayHeader>(frame.payload, MAX_RECORD_LEN as usize)
            .map_err(|e| stop(StopReason::Malformed(format!("header: {e}"))))?;
        Ok(ReplayReader {
            bytes,
            pos: frame.next,
            header,
            model: InputModel::new(),
            ticks: 0,
            ended: false,
            stop: None,
        })
    }

    pub fn header(&self) -> &ReplayHeader {
        &self.header
    }

    /// Ticks covered by the records read so far.
    pub fn ticks(&self) -> Tick {
        Tick(self.ticks)
    }

    /// Whether the end record was read.
    pub fn is_complete(&self) -> bool {
        self.ended
    }

    /// Where and why reading stopped, if it stopped at damage.
    pub fn stop(&self) -> Option<&Stop> {
        self.stop.as_ref()
    }

    /// Byte offset of the next record.
    pub fn offset(&self) -> usize {
        self.pos
    }

    fn read_next(&mut self) -> Result<Option<Record>, StopReason> {
        if self.ended && self.pos < self.bytes.len() {
            return Err(StopReason::AfterEnd);
        }
        let Some(Frame {
            kind,
            payload,
            next,
        }) = frame::read_frame(self.bytes, self.pos)?
        else {
            return Ok(None);
        };
        let malformed = |what: &str| StopReason::Malformed(what.to_string());
        let (tick, rest) = frame::split_u32(payload).ok_or_else(|| malformed("short payload"))?;
        let expect = |found: u32| -> Result<Tick, StopReason> {
            if found == self.ticks {
                Ok(Tick(found))
            } else {
                Err(StopReason::OutOfOrder {
                    expected: self.ticks,
                    found,
                })
            }
        };
        let record = match kind {
            Kind::Header => return Err(malformed("a second header")),
            Kind::Ticks => {
                let first = expect(tick)?;
                let (count, body) =
                    frame::split_u32(rest).ok_or_else(|| malformed("short ticks record"))?;
                if count == 0 || count > MAX_TICKS_PER_RECORD {
                    return Err(malformed("bad tick count in a ticks record"));
                }
                let end = self
                    .ticks
                    .checked_add(count)
                    .ok_or_else(|| malformed("tick number overflow"))?;
                let items = self
                    .model
                    .decode_body(body, count)
                    .map_err(|e| StopReason::Malformed(format!("ticks record: {e}")))?;
                self.ticks = end;
                Record::Ticks { first, items }
            }
            Kind::Hash => Record::Hash {
                tick: expect(tick)?,
                hash: frame::exact_u64(rest).ok_or_else(|| malformed("bad hash record"))?,
            },
            Kind::Keyframe => Record::Keyframe {
                tick: expect(tick)?,
                body: rest.to_vec(),
            },
            Kind::End => {
                let tick = expect(tick)?;
                if !rest.is_empty() {
                    return Err(malformed("bad end record"));
                }
                self.ended = true;
                Record::End { tick }
            }
        };
        self.pos = next;
        Ok(Some(record))
    }
}

impl Iterator for ReplayReader<'_> {
    type Item = Record;

    fn next(&mut self) -> Option<Record> {
        if self.stop.is_some() {
            return None;
        }
        match self.read_next() {
            Ok(record) => record,
            Err(reason) => {
                self.stop = Some(Stop {
                    offset: self.pos,
                    reason,
                });
                None
            }
        }
    }
}
