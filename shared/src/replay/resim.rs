//! Re-simulation ([`Resim`]): the recorded game rebuilt and stepped forward.
//!
//! [`Resim`] finds the recorded game in a catalog ([`super::OpenError`] when it is
//! not there or is another build), makes it from the header's config and seed and
//! steps it through the recorded commands, record by record (it holds one ticks
//! record at a time, not the whole match), reporting each step and each recorded
//! hash, keyframe, checkpoint and player record on the way. Seeking is forward
//! re-simulation ([`Resim::seek`]); to go back, start a new `Resim`, from tick 0
//! ([`Resim::new`]) or from a checkpoint ([`Resim::at_checkpoint`],
//! [`Resim::seek_from`] in [`super::seek`]). A `Resim` borrows its bytes;
//! [`Resim::park`] detaches it so that a seek done on a blocking thread continues
//! on another.

use super::ReplayHeader;
use super::inputs::TickItem;
use super::open::{self, OpenError};
use super::reader::{Gap, ReaderAt, Record, ReplayReader, Stop, StopReason};
use crate::codec::RowSnapshot;
use crate::game::{DynGame, EventRow, GameEntry, StepCommands};
use crate::protocol::PlayerIdentity;
use crate::protocol::Tick;
use std::collections::VecDeque;

/// One step of a re-simulation.
#[derive(Debug, Clone, PartialEq)]
pub enum Replayed {
    /// The game stepped to `tick`; `events` are what that step returned.
    Step { tick: Tick, events: Vec<EventRow> },
    /// A recorded state hash at `tick` (the game is at `tick`), and the game's.
    Hash {
        tick: Tick,
        recorded: u64,
        actual: u64,
    },
    /// A recorded keyframe body at `tick` (the game is at `tick`).
    Keyframe { tick: Tick, body: Vec<u8> },
    /// The end record at `tick`: the replay is complete.
    End { tick: Tick },
    /// A recorded checkpoint body at `tick` (the game is at `tick`).
    Checkpoint { tick: Tick, body: Vec<u8> },
    /// Who the player joining in the step from `tick` is.
    Player { tick: Tick, info: PlayerIdentity },
    /// Damage was skipped: the game jumps from `gap.from` to the checkpoint of
    /// `gap.to`, restored from it (the next event is that checkpoint).
    Gap(Gap),
}

/// A recorded match, re-simulated forward.
pub struct Resim<'a> {
    reader: ReplayReader<'a>,
    entry: GameEntry,
    config: serde_json::Value,
    game: Box<dyn DynGame>,
    /// The rest of the ticks record being stepped.
    items: VecDeque<TickItem>,
    /// A gap was read: the next checkpoint replaces the game.
    restore_next: bool,
}

/// A [`Resim`] without the bytes it reads ([`Resim::park`]): it owns its game, so
/// a seek done on one thread can continue on another.
pub struct ParkedResim {
    reader: ReaderAt,
    entry: GameEntry,
    config: serde_json::Value,
    game: Box<dyn DynGame>,
    items: VecDeque<TickItem>,
    restore_next: bool,
}

impl ParkedResim {
    /// Go on re-simulating `bytes`, which must be the bytes it was parked from.
    pub fn resume(self, bytes: &[u8]) -> Resim<'_> {
        Resim {
            reader: self.reader.resume(bytes),
            entry: self.entry,
            config: self.config,
            game: self.game,
            items: self.items,
            restore_next: self.restore_next,
        }
    }
}

impl<'a> Resim<'a> {
    /// Read the header, find its game in `games` (the same build) and make it at
    /// tick 0.
    pub fn new(bytes: &'a [u8], games: &[GameEntry]) -> Result<Resim<'a>, OpenError> {
        let reader = ReplayReader::open(bytes)?;
        let entry = open::game_for(games, reader.header())?;
        let game = open::create(&entry, reader.header())?;
        Ok(Resim {
            config: reader.header().config_value(),
            reader,
            entry,
            game,
            items: VecDeque::new(),
            restore_next: false,
        })
    }

    /// A re-simulation that starts at the checkpoint record at byte `offset` (of
    /// tick `tick`, as [`SeekIndex`](super::SeekIndex) found it): the game is
    /// loaded from it. `Ok(None)` when the record there is not a readable
    /// checkpoint of that tick or does not load (damaged or forged), so the caller
    /// can fall back to an earlier one.
    pub fn at_checkpoint(
        bytes: &'a [u8],
        games: &[GameEntry],
        offset: usize,
        tick: Tick,
    ) -> Result<Option<Self>, OpenError> {
        let mut reader = ReplayReader::open_at(bytes, offset, tick)?;
        let entry = open::game_for(games, reader.header())?;
        let config = reader.header().config_value();
        let Some(Record::Checkpoint { body, .. }) = reader.next() else {
            return Ok(None);
        };
        Ok(load(&entry, &config, tick, &body).map(|game| Resim {
            reader,
            entry,
            config,
            game,
            items: VecDeque::new(),
            restore_next: false,
        }))
    }

    /// The re-simulation without its bytes, to move to another thread.
    pub fn park(self) -> ParkedResim {
        ParkedResim {
            reader: self.reader.park(),
            entry: self.entry,
            config: self.config,
            game: self.game,
            items: self.items,
            restore_next: self.restore_next,
        }
    }

    pub fn header(&self) -> &ReplayHeader {
        self.reader.header()
    }

    /// The recorded game's catalog entry.
    pub fn entry(&self) -> &GameEntry {
        &self.entry
    }

    /// The re-simulated game.
    pub fn game(&self) -> &dyn DynGame {
        self.game.as_ref()
    }

    /// The game's view rows at its tick.
    pub fn view(&self) -> RowSnapshot {
        let mut rows = Vec::new();
        self.game.view(&mut rows);
        RowSnapshot {
            tick: self.game.tick(),
            rows,
        }
    }

    /// The game's tick.
    pub fn tick(&self) -> Tick {
        self.game.tick()
    }

    /// Where and why reading stopped, if the bytes are damaged.
    pub fn stop(&self) -> Option<&Stop> {
        self.reader.stop()
    }

    /// Whether the end record was reached.
    pub fn is_complete(&self) -> bool {
        self.reader.is_complete()
    }

    /// The damage skipped so far (the game jumped over each).
    pub fn gaps(&self) -> &[Gap] {
        self.reader.gaps()
    }

    /// Byte offset of the next record to read.
    pub fn offset(&self) -> usize {
        self.reader.offset()
    }

    /// Step the game through the next recorded tick, past any hash and keyframe
    /// records; `None` when the recording (or its undamaged part) is over.
    pub fn step(&mut self) -> Option<(Tick, Vec<EventRow>)> {
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

    /// Step forward until the game is at `target` or the recording is over; the
    /// tick reached. Never steps back: a `target` behind the game is a no-op.
    pub fn seek(&mut self, target: Tick) -> Tick {
        while self.game.tick() < target && self.step().is_some() {}
        self.game.tick()
    }
}

/// The game of the checkpoint `body` of `tick`, loaded, if it is one.
fn load(
    entry: &GameEntry,
    config: &serde_json::Value,
    tick: Tick,
    body: &[u8],
) -> Option<Box<dyn DynGame>> {
    (entry.load)(config, body)
        .ok()
        .filter(|game| game.tick() == tick)
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
                        self.game.step(&StepCommands::default())
                    }
                    TickItem::Input(input) => {
                        let events = self.game.step(input);
                        self.items.pop_front();
                        events
                    }
                };
                return Some(Replayed::Step {
                    tick: self.game.tick(),
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
                    match load(&self.entry, &self.config, tick, &body) {
                        Some(game) => {
                            self.game = game;
                            self.restore_next = false;
                            Replayed::Checkpoint { tick, body }
                        }
                        // Not a game to go on from: the next checkpoint may be.
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
                    actual: self.game.state_hash(),
                },
                Record::Keyframe { tick, body } => Replayed::Keyframe { tick, body },
                Record::End { tick } => Replayed::End { tick },
                Record::Checkpoint { tick, body } => Replayed::Checkpoint { tick, body },
                Record::Player { tick, info } => Replayed::Player { tick, info },
            });
        }
    }
}
