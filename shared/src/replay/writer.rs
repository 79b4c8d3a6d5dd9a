//! [`ReplayWriter`]: records in, file bytes out.
//!
//! The writer buffers the inputs of consecutive ticks into one ticks record, which it
//! closes when a hash, keyframe or the end is written, when [`ReplayWriter::flush`] is
//! called (a recorder does at least once a second) or at the record limits. Finished
//! records wait in an output buffer until [`ReplayWriter::take_bytes`]; what it returns
//! is always whole records, so appending every returned chunk to a file in order
//! makes a valid replay at every chunk boundary.

use super::frame::{self, Kind};
use super::inputs::{InputModel, TickCommands};
use super::{MAX_ENTRIES_PER_RECORD, MAX_RECORD_LEN, MAX_TICKS_PER_RECORD, ReplayHeader};
use crate::codec::rangecoder::RangeEncoder;
use crate::codec::{RowCodec, RowSnapshot, encode_rows, encode_value};
use crate::protocol::PlayerIdentity;
use crate::protocol::Tick;
use crate::schema::Schema;
use thiserror::Error;

/// Why a writer refused a record. The writer's state is unchanged after an error.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum WriteError {
    #[error("a record for tick {got} arrived when the replay is at tick {expected}")]
    TickMismatch { expected: u32, got: u32 },
    #[error("the replay has ended; nothing can follow its end record")]
    Ended,
    #[error(
        "a record exceeds the replay limits (entries per tick, tracked players or record size)"
    )]
    TooLarge,
    #[error("the replay reached the largest tick number")]
    TickOverflow,
    #[error("a keyframe does not fit the game's schema: {0}")]
    Keyframe(String),
}

/// The ticks record being filled.
struct Pending {
    first: u32,
    count: u32,
    entries: usize,
    /// Empty ticks not yet coded (they are coded as one run).
    empty_run: u32,
    enc: RangeEncoder,
}

/// Turns a match's records into replay file bytes.
pub struct ReplayWriter {
    out: Vec<u8>,
    model: InputModel,
    /// The input model as it starts (again after each checkpoint).
    fresh: InputModel,
    /// The schema compiled, for keyframes.
    rows: RowCodec,
    pending: Option<Pending>,
    ticks: u32,
    ended: bool,
}

impl ReplayWriter {
    /// A writer of format [`FORMAT_VERSION`](super::FORMAT_VERSION) for a game of
    /// `schema` (the one the header describes), whose first bytes (magic, version,
    /// header record) are already waiting in [`ReplayWriter::take_bytes`].
    pub fn new(header: &ReplayHeader, schema: &Schema) -> ReplayWriter {
        let version = super::FORMAT_VERSION;
        ReplayWriter::start(version, &encode_value(header), schema)
    }

    /// A writer of format `version` whose header record holds `header` (already
    /// encoded) for a game of `schema`: the arena's writer of its older formats
    /// (`crate::sim::replay4::writer`) starts here.
    pub(crate) fn start(version: u16, header: &[u8], schema: &Schema) -> ReplayWriter {
        let mut out = Vec::new();
        frame::write_prefix(&mut out, version);
        frame::write_record(&mut out, Kind::Header, header);
        let fresh = InputModel::new(version, schema.input());
        ReplayWriter {
            out,
            model: fresh.clone(),
            fresh,
            rows: RowCodec::new(schema),
            pending: None,
            ticks: 0,
            ended: false,
        }
    }

    /// Ticks recorded so far: the game's tick after stepping them all.
    pub fn tick(&self) -> Tick {
        Tick(self.ticks)
    }

    /// Whether [`ReplayWriter::end`] was written.
    pub fn is_ended(&self) -> bool {
        self.ended
    }

    /// Record the commands of the next tick (the step from [`ReplayWriter::tick`]
    /// to the tick after). Inputs whose value count does not fit the game's input
    /// are left out (the game drops them too).
    pub fn push_tick(&mut self, input: &TickCommands) -> Result<(), WriteError> {
        if self.ended {
            return Err(WriteError::Ended);
        }
        let len = self.model.input_len();
        let fitted;
        let input = if input.inputs.iter().all(|(_, v)| v.fits(len)) {
            input
        } else {
            let mut kept = input.clone();
            kept.inputs.retain(|(_, v)| v.fits(len));
            fitted = kept;
            &fitted
        };
        if !self.model.accepts(input) {
            return Err(WriteError::TooLarge);
        }
        let next = self.ticks.checked_add(1).ok_or(WriteError::TickOverflow)?;
        let entries =
            input.joins.len() + input.leaves.len() + input.inputs.len() + input.rewinds.len();
        let full = self.pending.as_ref().is_some_and(|p| {
            p.count >= MAX_TICKS_PER_RECORD || p.entries + entries > MAX_ENTRIES_PER_RECORD
        });
        if full {
            self.flush();
        }
        let first = self.ticks;
        let p = self.pending.get_or_insert_with(|| Pending {
            first,
            count: 0,
            entries: 0,
            empty_run: 0,
            enc: RangeEncoder::new(),
        });
        if entries == 0 {
            p.empty_run += 1;
        } else {
            Self::code_run(&mut self.model, p);
            // The encoder side of the coder cannot fail.
            let _ = self.model.code_item(&mut p.enc, None, input, u32::MAX);
            p.entries += entries;
        }
        p.count += 1;
        self.ticks = next;
        Ok(())
    }

    /// Record the game's state hash at `tick` (which must be [`ReplayWriter::tick`]).
    pub fn push_hash(&mut self, tick: Tick, hash: u64) -> Result<(), WriteError> {
        self.check_tick(tick)?;
        let mut payload = tick.0.to_le_bytes().to_vec();
        payload.extend_from_slice(&hash.to_le_bytes());
        self.write(Kind::Hash, &payload);
        Ok(())
    }

    /// Record a keyframe of the game's view rows (their tick must be
    /// [`ReplayWriter::tick`]).
    pub fn push_keyframe(&mut self, rows: &RowSnapshot) -> Result<(), WriteError> {
        self.check_tick(rows.tick)?;
        let mut payload = rows.tick.0.to_le_bytes().to_vec();
        let body =
            encode_rows(&self.rows, None, rows).map_err(|e| WriteError::Keyframe(e.to_string()))?;
        payload.extend_from_slice(&body);
        Self::fits(&payload)?;
        self.write(Kind::Keyframe, &payload);
        Ok(())
    }

    /// Record a checkpoint: the game's saved state (`DynGame::save`) at `tick`
    /// (which must be [`ReplayWriter::tick`]). The input model starts afresh after
    /// it.
    pub fn push_checkpoint(&mut self, tick: Tick, state: &[u8]) -> Result<(), WriteError> {
        self.check_tick(tick)?;
        let mut payload = tick.0.to_le_bytes().to_vec();
        payload.extend_from_slice(state);
        Self::fits(&payload)?;
        self.write(Kind::Checkpoint, &payload);
        self.model = self.fresh.clone();
        Ok(())
    }

    /// Record who a player is; write it before the tick in which it joins.
    pub fn push_player(&mut self, info: &PlayerIdentity) -> Result<(), WriteError> {
        self.check_tick(Tick(self.ticks))?;
        let mut payload = self.ticks.to_le_bytes().to_vec();
        payload.extend_from_slice(&encode_value(info));
        Self::fits(&payload)?;
        self.write(Kind::Player, &payload);
        Ok(())
    }

    /// Record the end of the match: the replay is complete.
    pub fn end(&mut self) -> Result<(), WriteError> {
        self.check_tick(Tick(self.ticks))?;
        self.write(Kind::End, &self.ticks.to_le_bytes());
        self.ended = true;
        Ok(())
    }

    /// Close the ticks record being filled, if any, so its bytes can be taken.
    pub fn flush(&mut self) {
        let Some(mut p) = self.pending.take() else {
            return;
        };
        Self::code_run(&mut self.model, &mut p);
        let mut payload = p.first.to_le_bytes().to_vec();
        payload.extend_from_slice(&p.count.to_le_bytes());
        payload.extend_from_slice(&p.enc.finish());
        frame::write_record(&mut self.out, Kind::Ticks, &payload);
    }

    /// The finished records written since the last call (whole records only; call
    /// [`ReplayWriter::flush`] first to include the ticks recorded so far).
    pub fn take_bytes(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.out)
    }

    /// Bytes waiting in [`ReplayWriter::take_bytes`].
    pub fn pending_bytes(&self) -> usize {
        self.out.len()
    }

    /// A record of this payload stays within what readers accept.
    fn fits(payload: &[u8]) -> Result<(), WriteError> {
        if payload.len() >= MAX_RECORD_LEN as usize {
            return Err(WriteError::TooLarge);
        }
        Ok(())
    }

    fn check_tick(&self, tick: Tick) -> Result<(), WriteError> {
        if self.ended {
            return Err(WriteError::Ended);
        }
        if tick.0 != self.ticks {
            return Err(WriteError::TickMismatch {
                expected: self.ticks,
                got: tick.0,
            });
        }
        Ok(())
    }

    /// Close the ticks record, then write a record of another kind.
    fn write(&mut self, kind: Kind, payload: &[u8]) {
        self.flush();
        frame::write_record(&mut self.out, kind, payload);
    }

    /// Code the empty ticks waiting in `p` as one run.
    fn code_run(model: &mut InputModel, p: &mut Pending) {
        if p.empty_run > 0 {
            // The encoder side of the coder cannot fail.
            let none = TickCommands::default();
            let _ = model.code_item(&mut p.enc, Some(p.empty_run), &none, u32::MAX);
            p.empty_run = 0;
        }
    }
}
