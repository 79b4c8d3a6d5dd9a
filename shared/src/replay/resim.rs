//! Re-simulation ([`Resim`]) and the record index ([`ReplayIndex`]).
//!
//! [`Resim`] rebuilds the recorded World from the header and steps it through the
//! recorded inputs, record by record (it holds one ticks record at a time, not the
//! whole match), reporting each step and each recorded hash, keyframe, checkpoint
//! and player record on the way. Seeking is forward re-simulation ([`Resim::seek`]);
//! to go back, start a new `Resim`, from tick 0 ([`Resim::new`]) or from a
//! checkpoint ([`Resim::at_checkpoint`], [`Resim::seek_from`] in [`super::seek`]).
//! A `Resim` borrows its bytes; [`Resim::park`] detaches it so that a seek done on a
//! blocking thread continues on another.
//!
//! [`ReplayIndex`] reads the records without simulating: the summary a replay list
//! shows and the keyframe ticks where a playback may start.

use super::MAX_RECORD_LEN;
use super::ReplayHeader;
use super::frame::PREFIX_LEN;
use super::inputs::TickItem;
use super::reader::{Gap, ReaderAt, Record, ReplayReader, Stop, StopReason};
use crate::codec::decode_value;
use crate::protocol::PlayerIdentity;
use crate::protocol::{PlayerId, Tick};
use crate::sim::GameEvent;
use crate::sim::{Map, TickInput, World, WorldState};
use std::collections::{BTreeSet, VecDeque};

impl ReplayIndex {
    /// Every damage in the file (skipped gaps, then where reading stopped), as text;
    /// `None` for an undamaged file.
    pub fn damage(&self) -> Option<String> {
        let mut parts: Vec<String> = self.gaps.iter().map(ToString::to_string).collect();
        parts.extend(self.stop.iter().map(ToString::to_string));
        (!parts.is_empty()).then(|| parts.join("; "))
    }
}

/// One step of a re-simulation.
#[derive(Debug, Clone, PartialEq)]
pub enum Replayed {
    /// The World stepped to `tick`; `events` are what that step returned.
    Step { tick: Tick, events: Vec<GameEvent> },
    /// A recorded state hash at `tick` (the World is at `tick`), and the World's.
    Hash {
        tick: Tick,
        recorded: u64,
        actual: u64,
    },
    /// A recorded keyframe body at `tick` (the World is at `tick`).
    Keyframe { tick: Tick, body: Vec<u8> },
    /// The end record at `tick`: the replay is complete.
    End { tick: Tick },
    /// A recorded checkpoint body at `tick` (the World is at `tick`).
    Checkpoint { tick: Tick, body: Vec<u8> },
    /// Who the player joining in the step from `tick` is.
    Player { tick: Tick, info: PlayerIdentity },
    /// Damage was skipped: the World jumps from `gap.from` to the checkpoint of
    /// `gap.to`, restored from it (the next event is that checkpoint).
    Gap(Gap),
}

/// A recorded match, re-simulated forward.
pub struct Resim<'a> {
    reader: ReplayReader<'a>,
    world: World,
    /// The rest of the ticks record being stepped.
    items: VecDeque<TickItem>,
    /// A gap was read: the next checkpoint replaces the World.
    restore_next: bool,
}

/// A [`Resim`] without the bytes it reads ([`Resim::park`]): it owns its World, so
/// a seek done on one thread can continue on another.
pub struct ParkedResim {
    reader: ReaderAt,
    world: World,
    items: VecDeque<TickItem>,
    restore_next: bool,
}

impl ParkedResim {
    /// Go on re-simulating `bytes`, which must be the bytes it was parked from.
    pub fn resume(self, bytes: &[u8]) -> Resim<'_> {
        Resim {
            reader: self.reader.resume(bytes),
            world: self.world,
            items: self.items,
            restore_next: self.restore_next,
        }
    }
}

/// The map of a header, as a [`Stop`] when it does not parse.
pub(super) fn header_map(header: &ReplayHeader) -> Result<Map, Stop> {
    Map::parse(&header.map_text).map_err(|e| Stop {
        offset: PREFIX_LEN,
        reason: StopReason::Malformed(format!("header map: {e}")),
    })
}

impl<'a> Resim<'a> {
    /// Read the header and build the World at tick 0. A header that cannot be read or
    /// whose map does not parse is reported as a [`Stop`].
    pub fn new(bytes: &'a [u8]) -> Result<Resim<'a>, Stop> {
        let reader = ReplayReader::open(bytes)?;
        let header = reader.header();
        let world = World::new(header_map(header)?, header.config.clone(), header.seed);
        Ok(Resim {
            reader,
            world,
            items: VecDeque::new(),
            restore_next: false,
        })
    }

    /// A re-simulation that starts at the checkpoint record at byte `offset` (of
    /// tick `tick`, as [`SeekIndex`](super::SeekIndex) found it): the World is
    /// restored from it. `None` when the record there is not a readable checkpoint
    /// of that tick or does not restore (damaged or forged), so the caller can fall
    /// back to an earlier one; a [`Stop`] when the header does not read.
    pub fn at_checkpoint(bytes: &'a [u8], offset: usize, tick: Tick) -> Result<Option<Self>, Stop> {
        let mut reader = ReplayReader::open_at(bytes, offset, tick)?;
        let map = header_map(reader.header())?;
        let config = reader.header().config.clone();
        let Some(Record::Checkpoint { body, .. }) = reader.next() else {
            return Ok(None);
        };
        let Ok(state) = decode_value::<WorldState>(&body, MAX_RECORD_LEN as usize) else {
            return Ok(None);
        };
        if state.tick != tick {
            return Ok(None);
        }
        Ok(World::restore(map, config, &state).ok().map(|world| Resim {
            reader,
            world,
            items: VecDeque::new(),
            restore_next: false,
        }))
    }

    /// The re-simulation without its bytes, to move to another thread.
    pub fn park(self) -> ParkedResim {
        ParkedResim {
            reader: self.reader.park(),
            world: self.world,
            items: self.items,
            restore_next: self.restore_next,
        }
    }

    pub fn header(&self) -> &ReplayHeader {
        self.reader.header()
    }

    /// The re-simulated World.
    pub fn world(&self) -> &World {
        &self.world
    }

    /// The World's tick.
    pub fn tick(&self) -> Tick {
        self.world.tick()
    }

    /// Where and why reading stopped, if the bytes are damaged.
    pub fn stop(&self) -> Option<&Stop> {
        self.reader.stop()
    }

    /// Whether the end record was reached.
    pub fn is_complete(&self) -> bool {
        self.reader.is_complete()
    }

    /// The damage skipped so far (the World jumped over each).
    pub fn gaps(&self) -> &[Gap] {
        self.reader.gaps()
    }

    /// The World of the checkpoint `body` of `tick`, restored, if it is one.
    fn restored(&self, tick: Tick, body: &[u8]) -> Option<World> {
        let state = decode_value::<WorldState>(body, MAX_RECORD_LEN as usize).ok()?;
        if state.tick != tick {
            return None;
        }
        let map = self.world.map().clone();
        World::restore(map, self.world.config().clone(), &state).ok()
    }

    /// Byte offset of the next record to read.
    pub fn offset(&self) -> usize {
        self.reader.offset()
    }

    /// Step the World through the next recorded tick, past any hash and keyframe
    /// records; `None` when the recording (or its undamaged part) is over.
    pub fn step(&mut self) -> Option<(Tick, Vec<GameEvent>)> {
        loop {
            match self.next()? {
                Replayed::Step { tick, events } => return Some((tick, events)),
                Replayed::End { .. } => return None,
                Replayed::Hash { .. }
                | Replayed::Keyframe { .. }
                | Replayed::Checkpoint { .. }
                | Replayed::Player { .. }
                | Replayed::Gap(_) => {}
            }
        }
    }

    /// Step forward until the World is at `target` or the recording is over; the
    /// tick reached. Never steps back: a `target` behind the World is a no-op.
    pub fn seek(&mut self, target: Tick) -> Tick {
        while self.world.tick() < target && self.step().is_some() {}
        self.world.tick()
    }
}

impl Iterator for Resim<'_> {
    type Item = Replayed;

    fn next(&mut self) -> Option<Replayed> {
        loop {
            if let Some(item) = self.items.front_mut() {
                let events = match item {
                    TickItem::Empty(n) => {
                        *n = n.saturating_sub(1);
                        if *n == 0 {
                            self.items.pop_front();
                        }
                        self.world.step(&TickInput::default())
                    }
                    TickItem::Input(input) => {
                        let events = self.world.step(input);
                        self.items.pop_front();
                        events
                    }
                };
                return Some(Replayed::Step {
                    tick: self.world.tick(),
                    events,
                });
            }
            let at = self.reader.offset();
            return Some(match self.reader.next()? {
                Record::Ticks { items, .. } => {
                    self.items.extend(items);
                    continue;
                }
                Record::Gap(gap) => {
                    self.restore_next = true;
                    Replayed::Gap(gap)
                }
                Record::Checkpoint { tick, body } if self.restore_next => {
                    match self.restored(tick, &body) {
                        Some(world) => {
                            self.world = world;
                            self.restore_next = false;
                            Replayed::Checkpoint { tick, body }
                        }
                        // Not a World to go on from: the next checkpoint may be.
                        None => {
                            let reason = StopReason::Malformed(
                                "a checkpoint after damage does not restore".into(),
                            );
                            Replayed::Gap(self.reader.damaged_at(at, reason)?)
                        }
                    }
                }
                Record::Hash { tick, hash } => Replayed::Hash {
                    tick,
                    recorded: hash,
                    actual: self.world.state_hash(),
                },
                Record::Keyframe { tick, body } => Replayed::Keyframe { tick, body },
                Record::End { tick } => Replayed::End { tick },
                Record::Checkpoint { tick, body } => Replayed::Checkpoint { tick, body },
                Record::Player { tick, info } => Replayed::Player { tick, info },
            });
        }
    }
}

/// What a replay holds, read without simulating.
#[derive(Debug, Clone, PartialEq)]
pub struct ReplayIndex {
    pub header: ReplayHeader,
    /// Ticks recorded (in the undamaged part).
    pub ticks: u32,
    /// Ticks that have a keyframe, ascending.
    pub keyframes: Vec<Tick>,
    /// Ticks that have a checkpoint, ascending.
    pub checkpoints: Vec<Tick>,
    /// Who the players were (player records, in join order; none in version 2).
    pub roster: Vec<PlayerIdentity>,
    /// Number of hash records.
    pub hashes: u32,
    /// Distinct players that joined.
    pub players: u32,
    /// The end record was read.
    pub complete: bool,
    /// Where reading stopped at damage, if it did.
    pub stop: Option<Stop>,
    /// Damage skipped (reading resumed at a later checkpoint), in file order.
    pub gaps: Vec<Gap>,
    /// Bytes read (up to where reading stopped).
    pub valid_len: usize,
}

impl ReplayIndex {
    /// Read every record.
    pub fn build(bytes: &[u8]) -> Result<ReplayIndex, Stop> {
        let mut reader = ReplayReader::open(bytes)?;
        let mut keyframes = Vec::new();
        let mut checkpoints = Vec::new();
        let mut roster = Vec::new();
        let mut hashes = 0u32;
        let mut players = BTreeSet::<PlayerId>::new();
        for record in reader.by_ref() {
            match record {
                Record::Ticks { items, .. } => {
                    for item in items {
                        if let TickItem::Input(t) = item {
                            players.extend(t.joins);
                        }
                    }
                }
                Record::Hash { .. } => hashes = hashes.saturating_add(1),
                Record::Keyframe { tick, .. } => keyframes.push(tick),
                Record::Checkpoint { tick, .. } => checkpoints.push(tick),
                Record::Player { info, .. } => roster.push(info),
                Record::End { .. } | Record::Gap(_) => {}
            }
        }
        Ok(ReplayIndex {
            header: reader.header().clone(),
            ticks: reader.ticks().0,
            keyframes,
            checkpoints,
            roster,
            hashes,
            players: u32::try_from(players.len()).unwrap_or(u32::MAX),
            complete: reader.is_complete(),
            stop: reader.stop().cloned(),
            gaps: reader.gaps().to_vec(),
            valid_len: reader.offset(),
        })
    }

    /// The latest keyframe tick at or before `tick`.
    pub fn keyframe_at_or_before(&self, tick: Tick) -> Option<Tick> {
        let after = self.keyframes.partition_point(|k| *k <= tick);
        after
            .checked_sub(1)
            .and_then(|i| self.keyframes.get(i))
            .copied()
    }

    /// Recorded match time in milliseconds at the header's tick rate.
    pub fn duration_ms(&self) -> u64 {
        u64::from(self.ticks) * 1000 / u64::from(self.header.config.tick_rate.max(1))
    }
}
