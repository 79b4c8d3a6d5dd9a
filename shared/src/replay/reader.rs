//! [`ReplayReader`]: replay bytes in, records out, resynchronizing after damage.
//!
//! The reader checks every record's length, checksum, kind, payload and place in the
//! tick sequence before yielding it. At a record that fails, it looks for the next
//! whole checkpoint record further on (the input model starts afresh there, so
//! reading can go on from it): found, it yields a [`Record::Gap`] naming the damage
//! and the ticks lost, then goes on at that checkpoint; not found (a torn tail, a
//! file without checkpoints), it stops and keeps the offset and the reason
//! ([`Stop`]). Everything yielded is good. A file that ends exactly after a whole
//! record is not damaged, only incomplete when its end record is missing (a live or
//! crashed recording). Looking for checkpoints checksums candidates within a budget
//! ([`RESYNC_BUDGET`]), so hostile bytes cannot make it quadratic.

use super::bounds;
pub use super::damage::{Gap, MAX_GAPS, RESYNC_BUDGET, Stop, StopReason};
use super::frame::{self, FRAME_HEAD, Frame, Kind, PREFIX_LEN};
use super::inputs::{InputModel, TickItem};
use super::{MAX_TICKS_PER_RECORD, ReplayHeader};
use crate::codec::decode_value;
use crate::protocol::PlayerIdentity;
use crate::protocol::Tick;
use crate::schema::Schema;
use crate::sim::replay4;

/// One record after the header.
#[derive(Debug, Clone, PartialEq)]
pub enum Record {
    /// The commands of ticks `first ..` (as many as the items cover).
    Ticks { first: Tick, items: Vec<TickItem> },
    /// The game's state hash at `tick`.
    Hash { tick: Tick, hash: u64 },
    /// A keyframe body at `tick`: the game's view rows coded by its schema
    /// (`codec::encode_rows(codec, None, ..)`).
    Keyframe { tick: Tick, body: Vec<u8> },
    /// The match ended at `tick`; the replay is complete.
    End { tick: Tick },
    /// A checkpoint body (the game's saved state, `DynGame::save`) at `tick`; the
    /// input model restarts.
    Checkpoint { tick: Tick, body: Vec<u8> },
    /// Who the player joining in the step from `tick` is.
    Player { tick: Tick, info: PlayerIdentity },
    /// Damage was skipped: the ticks `gap.from .. gap.to` are lost; a checkpoint of
    /// tick `gap.to` comes next.
    Gap(Gap),
}

/// Reads records from replay bytes (an iterator of [`Record`]s).
pub struct ReplayReader<'a> {
    bytes: &'a [u8],
    at: ReaderAt,
}

/// Where a [`ReplayReader`] is, without the bytes it reads ([`ReplayReader::park`]).
pub struct ReaderAt {
    version: u16,
    pos: usize,
    header: ReplayHeader,
    /// The recorded game's schema (from the header's descriptor).
    schema: Schema,
    model: InputModel,
    /// The input model as it starts (at the first record and at checkpoints).
    fresh: InputModel,
    ticks: u32,
    ended: bool,
    stop: Option<Stop>,
    gaps: Vec<Gap>,
    resync_budget: u64,
}

impl ReaderAt {
    /// Read on in `bytes`, which must be the bytes the reader was parked from.
    pub fn resume(self, bytes: &[u8]) -> ReplayReader<'_> {
        ReplayReader { bytes, at: self }
    }
}

impl<'a> ReplayReader<'a> {
    /// Check the prefix and read the header record.
    pub fn open(bytes: &'a [u8]) -> Result<ReplayReader<'a>, Stop> {
        let version = frame::read_prefix(bytes).map_err(|reason| Stop { offset: 0, reason })?;
        let stop = |reason| Stop {
            offset: PREFIX_LEN,
            reason,
        };
        let frame = frame::read_frame(bytes, PREFIX_LEN, version)
            .map_err(stop)?
            .ok_or(stop(StopReason::Truncated {
                needed: FRAME_HEAD,
                available: 0,
            }))?;
        if frame.kind != Kind::Header {
            return Err(stop(StopReason::MissingHeader));
        }
        // Nothing is built from a header outside the bounds (a game sized by its
        // config, a schema from its descriptor).
        let (header, schema) = read_header(frame.payload, version).map_err(stop)?;
        let fresh = InputModel::new(version, schema.input());
        Ok(ReplayReader {
            bytes,
            at: ReaderAt {
                version,
                pos: frame.next,
                header,
                schema,
                model: fresh.clone(),
                fresh,
                ticks: 0,
                ended: false,
                stop: None,
                gaps: Vec::new(),
                resync_budget: RESYNC_BUDGET,
            },
        })
    }

    /// [`Self::open`], then continue at the record at byte `offset`, which must be
    /// a checkpoint of tick `tick` (the input model starts afresh there); the caller
    /// checks that the first record read is that checkpoint.
    pub(crate) fn open_at(bytes: &'a [u8], offset: usize, tick: Tick) -> Result<Self, Stop> {
        let mut reader = ReplayReader::open(bytes)?;
        reader.at.pos = offset;
        reader.at.ticks = tick.0;
        Ok(reader)
    }

    /// The reader's position, without the bytes (to move it across threads).
    pub fn park(self) -> ReaderAt {
        self.at
    }

    pub fn header(&self) -> &ReplayHeader {
        &self.at.header
    }

    /// The recorded game's schema, as the header describes it.
    pub fn schema(&self) -> &Schema {
        &self.at.schema
    }

    /// The file's format version.
    pub fn version(&self) -> u16 {
        self.at.version
    }

    /// Ticks covered by the records read so far.
    pub fn ticks(&self) -> Tick {
        Tick(self.at.ticks)
    }

    /// Whether the end record was read.
    pub fn is_complete(&self) -> bool {
        self.at.ended
    }

    /// Where and why reading stopped, if it stopped at damage.
    pub fn stop(&self) -> Option<&Stop> {
        self.at.stop.as_ref()
    }

    /// The damage skipped so far, in file order.
    pub fn gaps(&self) -> &[Gap] {
        &self.at.gaps
    }

    /// Treat the record at byte `offset` (read already) as damaged for `reason`:
    /// look for the next checkpoint after it. The gap, or `None` (stopped there).
    pub(crate) fn damaged_at(&mut self, offset: usize, reason: StopReason) -> Option<Gap> {
        self.at.pos = offset;
        self.skip(Stop { offset, reason })
    }

    /// Resume after `damage` at the next checkpoint, if there is one.
    fn skip(&mut self, damage: Stop) -> Option<Gap> {
        let found = if self.at.ended
            || damage.reason == StopReason::AfterEnd
            || self.at.gaps.len() >= MAX_GAPS
        {
            None
        } else {
            frame::find_checkpoint(
                self.bytes,
                damage.offset.saturating_add(1),
                self.at.version,
                self.at.ticks,
                &mut self.at.resync_budget,
            )
        };
        let Some((offset, tick)) = found else {
            self.at.stop = Some(damage);
            return None;
        };
        let gap = Gap {
            damage,
            from: Tick(self.at.ticks),
            to: Tick(tick),
            resumed_at: offset,
        };
        self.at.pos = offset;
        self.at.ticks = tick;
        self.at.gaps.push(gap.clone());
        Some(gap)
    }

    /// Byte offset of the next record.
    pub fn offset(&self) -> usize {
        self.at.pos
    }

    /// The next record; with `decode` false a ticks record's inputs, a keyframe's
    /// and a checkpoint's body are not decoded or copied (they come back empty).
    fn read_next(&mut self, decode: bool) -> Result<Option<Record>, StopReason> {
        if self.at.ended && self.at.pos < self.bytes.len() {
            return Err(StopReason::AfterEnd);
        }
        let Some(Frame {
            kind,
            payload,
            next,
        }) = frame::read_frame(self.bytes, self.at.pos, self.at.version)?
        else {
            return Ok(None);
        };
        let malformed = |what: &str| StopReason::Malformed(what.to_string());
        let (tick, rest) = frame::split_u32(payload).ok_or_else(|| malformed("short payload"))?;
        let expect = |found: u32| -> Result<Tick, StopReason> {
            if found == self.at.ticks {
                Ok(Tick(found))
            } else {
                Err(StopReason::OutOfOrder {
                    expected: self.at.ticks,
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
                    .at
                    .ticks
                    .checked_add(count)
                    .ok_or_else(|| malformed("tick number overflow"))?;
                let items = if decode {
                    self.at
                        .model
                        .decode_body(body, count)
                        .map_err(|e| StopReason::Malformed(format!("ticks record: {e}")))?
                } else {
                    Vec::new()
                };
                self.at.ticks = end;
                Record::Ticks { first, items }
            }
            Kind::Hash => Record::Hash {
                tick: expect(tick)?,
                hash: frame::exact_u64(rest).ok_or_else(|| malformed("bad hash record"))?,
            },
            Kind::Keyframe => Record::Keyframe {
                tick: expect(tick)?,
                body: if decode { rest.to_vec() } else { Vec::new() },
            },
            Kind::Checkpoint => {
                let tick = expect(tick)?;
                self.at.model = self.at.fresh.clone();
                Record::Checkpoint {
                    tick,
                    body: if decode { rest.to_vec() } else { Vec::new() },
                }
            }
            Kind::Player => Record::Player {
                tick: expect(tick)?,
                info: decode_value::<PlayerIdentity>(rest, bounds::MAX_PLAYER_RECORD_LEN as usize)
                    .map_err(|e| StopReason::Malformed(format!("player record: {e}")))?,
            },
            Kind::End => {
                let tick = expect(tick)?;
                if !rest.is_empty() {
                    return Err(malformed("bad end record"));
                }
                self.at.ended = true;
                Record::End { tick }
            }
        };
        self.at.pos = next;
        Ok(Some(record))
    }
}

/// The header of a file of format `version` in the generic form, and the recorded
/// schema, checked against the bounds.
fn read_header(payload: &[u8], version: u16) -> Result<(ReplayHeader, Schema), StopReason> {
    let max = bounds::MAX_HEADER_RECORD_LEN as usize;
    let malformed = |e| StopReason::Malformed(format!("header: {e}"));
    let header = if version < 5 {
        // Formats 2 to 4 held the arena only: its reader makes the generic header.
        let old = decode_value::<replay4::ArenaHeader>(payload, max).map_err(malformed)?;
        replay4::check_header(&old).map_err(StopReason::OutOfBounds)?;
        old.generic()
    } else {
        decode_value::<ReplayHeader>(payload, max).map_err(malformed)?
    };
    let schema = bounds::check_header(&header).map_err(StopReason::OutOfBounds)?;
    Ok((header, schema))
}

impl Iterator for ReplayReader<'_> {
    type Item = Record;

    fn next(&mut self) -> Option<Record> {
        self.read(true)
    }
}

impl ReplayReader<'_> {
    /// The next record and its byte offset, without decoding inputs or copying
    /// bodies (see [`Self::read_next`]): for indexing a file quickly.
    pub(crate) fn skim(&mut self) -> Option<(usize, Record)> {
        let at = self.at.pos;
        self.read(false).map(|r| (at, r))
    }

    fn read(&mut self, decode: bool) -> Option<Record> {
        if self.at.stop.is_some() {
            return None;
        }
        match self.read_next(decode) {
            Ok(record) => record,
            Err(reason) => {
                let damage = Stop {
                    offset: self.at.pos,
                    reason,
                };
                self.skip(damage).map(Record::Gap)
            }
        }
    }
}
