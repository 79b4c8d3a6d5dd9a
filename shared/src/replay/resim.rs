//! Re-simulation ([`Resim`]) and the record index ([`ReplayIndex`]).
//!
//! [`Resim`] rebuilds the recorded World from the header and steps it through the
//! recorded inputs, record by record (it holds one ticks record at a time, not the
//! whole match), reporting each step and each recorded hash and keyframe on the way.
//! Seeking is forward re-simulation ([`Resim::seek`]); to go back, start a new
//! `Resim` (a step takes microseconds, a 10-minute match re-simulates in well under a
//! second in release builds).
//!
//! [`ReplayIndex`] reads the records without simulating: the summary a replay list
//! shows and the keyframe ticks where a playback may start.

use super::ReplayHeader;
use super::frame::PREFIX_LEN;
use super::inputs::TickItem;
use super::reader::{Record, ReplayReader, Stop, StopReason};
use crate::protocol::{GameEvent, PlayerId, Tick};
use crate::sim::{Map, TickInput, World};
use std::collections::{BTreeSet, VecDeque};

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
}

/// A recorded match, re-simulated forward.
pub struct Resim<'a> {
    reader: ReplayReader<'a>,
    world: World,
    /// The rest of the ticks record being stepped.
    items: VecDeque<TickItem>,
}

impl<'a> Resim<'a> {
    /// Read the header and build the World at tick 0. A header that cannot be read or
    /// whose map does not parse is reported as a [`Stop`].
    pub fn new(bytes: &'a [u8]) -> Result<Resim<'a>, Stop> {
        let reader = ReplayReader::open(bytes)?;
        let header = reader.header();
        let map = Map::parse(&header.map_text).map_err(|e| Stop {
            offset: PREFIX_LEN,
            reason: StopReason::Malformed(format!("header map: {e}")),
        })?;
        let world = World::new(map, header.config.clone(), header.seed);
        Ok(Resim {
            reader,
            world,
            items: VecDeque::new(),
        })
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
                Replayed::Hash { .. } | Replayed::Keyframe { .. } => {}
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
            return Some(match self.reader.next()? {
                Record::Ticks { items, .. } => {
                    self.items.extend(items);
                    continue;
                }
                Record::Hash { tick, hash } => Replayed::Hash {
                    tick,
                    recorded: hash,
                    actual: self.world.state_hash(),
                },
                Record::Keyframe { tick, body } => Replayed::Keyframe { tick, body },
                Record::End { tick } => Replayed::End { tick },
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
    /// Number of hash records.
    pub hashes: u32,
    /// Distinct players that joined.
    pub players: u32,
    /// The end record was read.
    pub complete: bool,
    /// Where reading stopped at damage, if it did.
    pub stop: Option<Stop>,
    /// Bytes of the undamaged part.
    pub valid_len: usize,
}

impl ReplayIndex {
    /// Read every record.
    pub fn build(bytes: &[u8]) -> Result<ReplayIndex, Stop> {
        let mut reader = ReplayReader::open(bytes)?;
        let mut keyframes = Vec::new();
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
                Record::End { .. } => {}
            }
        }
        Ok(ReplayIndex {
            header: reader.header().clone(),
            ticks: reader.ticks().0,
            keyframes,
            hashes,
            players: u32::try_from(players.len()).unwrap_or(u32::MAX),
            complete: reader.is_complete(),
            stop: reader.stop().cloned(),
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
