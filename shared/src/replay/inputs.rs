//! The body of a ticks record: recorded step commands ([`StepCommands`] of the
//! schema's [`InputValues`]) as range-coded bits.
//!
//! Bits go through the codec's adaptive binary range coder and its integer models
//! ([`crate::codec::rangecoder`], [`crate::codec::model`]), written once for both
//! directions like the snapshot deltas: the encoder passes the real values as hints,
//! the decoder reads them back. A bit that is nearly always the same costs a
//! fraction of a bit, which is what makes inputs cheap: they repeat a lot.
//!
//! The model keeps, per player, the input it had last (a player with no input in a
//! tick keeps its previous one) and whether it changed last time; and the order of
//! the players' inputs in the previous coded tick. Model state carries over from
//! record to record, so records decode in file order only.
//!
//! A body is a sequence of items until the record's tick count is covered:
//! 1. `empty` bit; if set: a run of `n >= 1` empty ticks (`n - 1` as an unsigned
//!    integer); else one tick:
//! 2. `roster` bit: joins or leaves present; if set, both as id lists (count, then
//!    each id as the signed difference from the previous id, the first from 0);
//! 3. the players that sent an input, in the order given: `same order` bit (equal to
//!    the previous coded tick's); else `mask` bit: ids strictly increasing and all in
//!    the roster (players known from earlier ticks plus this tick's joins, at most
//!    [`MASK_MAX`]), then one `present` bit per roster player; else an id list;
//! 4. `any changed` bit; if set, per input a `changed` bit (context: whether this
//!    player's previous coded input changed); per changed input the change against
//!    the player's previous input (a player's first input is compared with all
//!    zeros): format 5 codes the input schema's fields as one entity of a kind with
//!    those fields, by the snapshot coder's field rules ([`crate::codec::fields`]:
//!    a changed-field mask, then each changed field) made exact for any `i32`
//!    (`values`); formats 2 to 4 code the arena's buttons and aim
//!    (`crate::sim::replay4::change`);
//! 5. (format 4 on) `rewinds` bit: lag compensation granted this tick; if set, the
//!    players as an id list, then each one's rewind in ticks as an unsigned integer.
//!
//! Bookkeeping after each tick: inputs update their players; leaves forget players,
//! joins add them (with the all-zero input).
//!
//! An input whose value count does not fit the schema's input is not recorded (the
//! game drops it too, so re-simulation steps the same).

use super::{MAX_ENTRIES_PER_RECORD, MAX_ENTRIES_PER_TICK, MAX_TRACKED_PLAYERS};
use crate::codec::DeltaError;
use crate::codec::model::{SIntModel, UIntModel};
use crate::codec::rangecoder::{BitCoder, Prob, RangeDecoder};
use crate::game::{InputValues, StepCommands};
use crate::protocol::PlayerId;
use crate::schema::Field;
use std::collections::BTreeMap;
use values::ValueCoder;

mod values;

/// One tick's recorded commands.
pub type TickCommands = StepCommands<InputValues>;

/// Largest roster whose presence is coded as a mask of bits.
pub const MASK_MAX: usize = 256;

/// One item of a ticks record.
#[derive(Debug, Clone, PartialEq)]
pub enum TickItem {
    /// This many ticks in a row without joins, leaves or inputs.
    Empty(u32),
    /// One tick.
    Input(TickCommands),
}

impl TickItem {
    /// How many ticks the item covers.
    pub fn ticks(&self) -> u32 {
        match self {
            TickItem::Empty(n) => *n,
            TickItem::Input(_) => 1,
        }
    }
}

#[derive(Debug, Clone, Default)]
struct Seat {
    input: InputValues,
    changed: bool,
}

/// The adaptive model of recorded inputs; one per replay, in each direction.
#[derive(Clone)]
pub(crate) struct InputModel {
    seats: BTreeMap<PlayerId, Seat>,
    last_order: Vec<PlayerId>,
    empty: Prob,
    run: UIntModel,
    roster: Prob,
    count: UIntModel,
    id: SIntModel,
    same_order: Prob,
    mask: Prob,
    present: Prob,
    any_changed: Prob,
    changed: [Prob; 2],
    change: ValueCoder,
    rewinds: Prob,
    rewind: UIntModel,
    /// Format 4 and later: ticks carry rewinds.
    lag_compensated: bool,
}

impl InputModel {
    /// The model of a file of format `version` whose game's input has `input`
    /// fields (ignored before format 5: the arena's).
    pub(crate) fn new(version: u16, input: &[Field]) -> InputModel {
        InputModel {
            seats: BTreeMap::new(),
            last_order: Vec::new(),
            empty: Prob::HALF,
            run: UIntModel::new(),
            roster: Prob::HALF,
            count: UIntModel::new(),
            id: SIntModel::new(),
            same_order: Prob::HALF,
            mask: Prob::HALF,
            present: Prob::HALF,
            any_changed: Prob::HALF,
            changed: [Prob::HALF; 2],
            change: ValueCoder::new(version, input),
            rewinds: Prob::HALF,
            rewind: UIntModel::new(),
            lag_compensated: version >= 4,
        }
    }

    /// Values in one input of the recorded game.
    pub(crate) fn input_len(&self) -> usize {
        self.change.zeros().0.len()
    }

    /// Whether recording `t` keeps within the limits a reader enforces.
    pub(crate) fn accepts(&self, t: &TickCommands) -> bool {
        let lists = [
            t.joins.len(),
            t.leaves.len(),
            t.inputs.len(),
            t.rewinds.len(),
        ];
        let new_players = t.joins.len().saturating_add(t.inputs.len());
        lists.iter().all(|&n| n <= MAX_ENTRIES_PER_TICK)
            && self.seats.len().saturating_add(new_players) <= MAX_TRACKED_PLAYERS
    }

    /// Decode a ticks-record body covering `count` ticks.
    pub(crate) fn decode_body(
        &mut self,
        body: &[u8],
        count: u32,
    ) -> Result<Vec<TickItem>, DeltaError> {
        let mut dec = RangeDecoder::new(body)?;
        let mut items = Vec::new();
        let mut covered = 0u32;
        let mut entries = 0usize;
        let hint = TickCommands::default();
        while covered < count {
            let item = self.code_item(&mut dec, None, &hint, count - covered)?;
            covered = covered.saturating_add(item.ticks());
            if let TickItem::Input(t) = &item {
                entries += t.joins.len() + t.leaves.len() + t.inputs.len() + t.rewinds.len();
                if entries > MAX_ENTRIES_PER_RECORD {
                    return Err(DeltaError::Malformed("too many entries in one record"));
                }
            }
            items.push(item);
        }
        dec.finish()?;
        Ok(items)
    }

    /// Code one item covering at most `remaining` ticks: a run of `run` empty ticks
    /// if `run` is given, else the tick `tick` (the decoder's hints are ignored).
    pub(crate) fn code_item<C: BitCoder>(
        &mut self,
        c: &mut C,
        run: Option<u32>,
        tick: &TickCommands,
        remaining: u32,
    ) -> Result<TickItem, DeltaError> {
        if c.bit(&mut self.empty, run.is_some())? {
            let n = self.run.code(c, run.unwrap_or(1).saturating_sub(1))?;
            return match n.checked_add(1) {
                Some(n) if n <= remaining => Ok(TickItem::Empty(n)),
                _ => Err(DeltaError::Malformed("empty run longer than the record")),
            };
        }
        self.code_tick(c, tick).map(TickItem::Input)
    }

    fn code_tick<C: BitCoder>(
        &mut self,
        c: &mut C,
        hint: &TickCommands,
    ) -> Result<TickCommands, DeltaError> {
        let roster_hint = !hint.joins.is_empty() || !hint.leaves.is_empty();
        let (joins, leaves) = if c.bit(&mut self.roster, roster_hint)? {
            (
                self.code_ids(c, &hint.joins)?,
                self.code_ids(c, &hint.leaves)?,
            )
        } else {
            (Vec::new(), Vec::new())
        };
        let hint_ids: Vec<PlayerId> = hint.inputs.iter().map(|(p, _)| *p).collect();
        let ids = self.code_order(c, &hint_ids, &joins)?;
        let inputs = self.code_values(c, &ids, hint)?;
        let rewinds = if self.lag_compensated {
            self.code_rewinds(c, &hint.rewinds)?
        } else {
            Vec::new()
        };
        self.last_order = ids;
        for p in &leaves {
            self.seats.remove(p);
        }
        for p in &joins {
            let input = self.change.zeros();
            self.seats.entry(*p).or_insert(Seat {
                input,
                changed: false,
            });
        }
        if self.seats.len() > MAX_TRACKED_PLAYERS {
            return Err(DeltaError::Malformed("too many players"));
        }
        Ok(TickCommands {
            joins,
            leaves,
            inputs,
            rewinds,
        })
    }

    fn code_rewinds<C: BitCoder>(
        &mut self,
        c: &mut C,
        hint: &[(PlayerId, u32)],
    ) -> Result<Vec<(PlayerId, u32)>, DeltaError> {
        if !c.bit(&mut self.rewinds, !hint.is_empty())? {
            return Ok(Vec::new());
        }
        let hint_ids: Vec<PlayerId> = hint.iter().map(|(p, _)| *p).collect();
        let ids = self.code_ids(c, &hint_ids)?;
        let mut out = Vec::with_capacity(ids.len());
        for (i, p) in ids.into_iter().enumerate() {
            let value = hint.get(i).map_or(0, |(_, r)| *r);
            out.push((p, self.rewind.code(c, value)?));
        }
        Ok(out)
    }

    fn code_ids<C: BitCoder>(
        &mut self,
        c: &mut C,
        hint: &[PlayerId],
    ) -> Result<Vec<PlayerId>, DeltaError> {
        let n = self
            .count
            .code(c, u32::try_from(hint.len()).unwrap_or(u32::MAX))? as usize;
        if n > MAX_ENTRIES_PER_TICK {
            return Err(DeltaError::Malformed("too many ids in one tick"));
        }
        let mut out = Vec::with_capacity(n);
        let mut prev = 0u32;
        for i in 0..n {
            let id = hint.get(i).map_or(0, |p| p.0);
            let diff = self.id.code(c, id.wrapping_sub(prev) as i32)?;
            prev = prev.wrapping_add(diff as u32);
            out.push(PlayerId(prev));
        }
        Ok(out)
    }

    fn code_order<C: BitCoder>(
        &mut self,
        c: &mut C,
        hint: &[PlayerId],
        joins: &[PlayerId],
    ) -> Result<Vec<PlayerId>, DeltaError> {
        if c.bit(&mut self.same_order, hint == self.last_order.as_slice())? {
            return Ok(self.last_order.clone());
        }
        let mut roster: Vec<PlayerId> = self.seats.keys().chain(joins).copied().collect();
        roster.sort_unstable();
        roster.dedup();
        let maskable = roster.len() <= MASK_MAX
            && hint.is_sorted_by(|a, b| a < b)
            && hint.iter().all(|p| roster.binary_search(p).is_ok());
        if !c.bit(&mut self.mask, maskable)? {
            return self.code_ids(c, hint);
        }
        if roster.len() > MASK_MAX {
            return Err(DeltaError::Malformed(
                "presence mask over a too large roster",
            ));
        }
        let mut out = Vec::new();
        for p in roster {
            if c.bit(&mut self.present, hint.binary_search(&p).is_ok())? {
                out.push(p);
            }
        }
        Ok(out)
    }

    fn code_values<C: BitCoder>(
        &mut self,
        c: &mut C,
        ids: &[PlayerId],
        hint: &TickCommands,
    ) -> Result<Vec<(PlayerId, InputValues)>, DeltaError> {
        let zeros = self.change.zeros();
        // In list order, so a player listed twice compares with its own first entry.
        let mut scratch: BTreeMap<PlayerId, &InputValues> = BTreeMap::new();
        let any_hint = hint.inputs.iter().any(|(p, input)| {
            let seat = self.seats.get(p).map(|s| &s.input);
            let prev = scratch.insert(*p, input).or(seat).unwrap_or(&zeros);
            prev != input
        });
        let any = c.bit(&mut self.any_changed, any_hint)?;
        let mut out = Vec::with_capacity(ids.len());
        for (i, p) in ids.iter().enumerate() {
            let input_hint = hint.inputs.get(i).map_or(&zeros, |(_, x)| x);
            let seat = self.seats.entry(*p).or_insert_with(|| Seat {
                input: zeros.clone(),
                changed: false,
            });
            let ctx = &mut self.changed[usize::from(seat.changed)];
            let changed = any && c.bit(ctx, seat.input != *input_hint)?;
            if changed {
                seat.input = self.change.code(c, &seat.input, input_hint)?;
            }
            seat.changed = changed;
            out.push((*p, seat.input.clone()));
        }
        Ok(out)
    }
}
