//! Keyframe playback: a recording whose game is here in another build.
//!
//! Re-simulating with another build could diverge for that reason alone, so such a
//! recording is not re-simulated; when its schema is the one the game here has, its
//! recorded keyframes (the game's view every few seconds, decoded by the schema)
//! are played instead: one keyframe event per recorded keyframe, paced by their
//! ticks, with the ids the live feed gave them, then `end`. Coarse, but the match
//! is watchable where its exact build is gone. Game events are not recorded, so
//! none are sent.

use super::playback::Paced;
use bytes::Bytes;
use std::sync::Arc;
use tickcast_shared::codec::{DeltaLimits, RowCodec, RowSnapshot, apply_rows};
use tickcast_shared::game::GameEntry;
use tickcast_shared::protocol::Tick;
use tickcast_shared::replay::{OpenError, Record, ReplayReader};
use tickcast_shared::spectate::{End, Format, GameFrames, PlayerName, SpecEvent, SseEvent};

use crate::spectators::SpectatorConfig;

/// Whether a recording of `entry`'s game plays as keyframes here: the same schema
/// (rows decode), another build.
pub fn playable(entry: &GameEntry, bytes: &[u8]) -> bool {
    ReplayReader::open(bytes).is_ok_and(|r| r.header().schema_hash == entry.schema().hash())
}

/// A recording played from its keyframes (see the module docs).
pub struct KeyframePlayback<'a> {
    reader: ReplayReader<'a>,
    codec: RowCodec,
    frames: GameFrames,
    names: Vec<PlayerName>,
    tick: Tick,
    start: Tick,
    done: bool,
}

impl<'a> KeyframePlayback<'a> {
    /// A playback of `bytes`, a recording of `entry`'s game (same schema), from
    /// its keyframe at or after `start`.
    pub fn new(
        bytes: &'a [u8],
        entry: &GameEntry,
        start: Tick,
        spectators: &SpectatorConfig,
    ) -> Result<KeyframePlayback<'a>, OpenError> {
        let reader = ReplayReader::open(bytes)?;
        let header = reader.header();
        // The game at tick 0, only for what frames show of its config (a map).
        let game = (entry.create)(&header.config_value(), header.seed).map_err(|e| {
            OpenError::Unplayable {
                game: header.game.clone(),
                reason: e.to_string(),
            }
        })?;
        let rate = header.tick_rate.max(1);
        let tick_rate = u16::try_from(rate).unwrap_or(u16::MAX);
        let period = spectators.keyframe_period(rate);
        let frames = GameFrames::of_game(game.as_ref(), &header.map_name, tick_rate, period);
        Ok(KeyframePlayback {
            codec: RowCodec::new(entry.schema()),
            frames,
            names: Vec::new(),
            tick: start,
            start,
            done: false,
            reader,
        })
    }

    /// The next recorded keyframe, decoded (player records on the way are noted).
    fn next_keyframe(&mut self) -> Option<RowSnapshot> {
        let limits = DeltaLimits::default();
        loop {
            match self.reader.next()? {
                Record::Keyframe { body, .. } => {
                    if let Ok(rows) = apply_rows(&self.codec, None, &body, &limits) {
                        return Some(rows);
                    }
                }
                Record::Player { info, .. } => self.names.push(PlayerName::from(&info)),
                Record::End { .. } => return None,
                _ => {}
            }
        }
    }

    fn frame(&mut self, rows: RowSnapshot, format: Format) -> Option<Bytes> {
        self.tick = rows.tick;
        self.frames.reset();
        self.frames.set_players(self.names.clone());
        let frame = self.frames.frame(Arc::new(rows))?;
        Some(Bytes::from(match format {
            Format::Json => frame.json,
            Format::Binary => frame.binary,
        }))
    }

    fn end(&mut self) -> (Tick, Vec<Bytes>) {
        self.done = true;
        let tick = self.reader.ticks().max(self.tick);
        let reason = if self.reader.is_complete() {
            "end of replay (keyframes only: recorded by another build)"
        } else {
            "end of recording (keyframes only: recorded by another build)"
        };
        let end = SpecEvent::End(End {
            tick,
            reason: reason.to_owned(),
        });
        (tick, vec![Bytes::from(end.to_sse())])
    }
}

impl Paced for KeyframePlayback<'_> {
    fn tick(&self) -> Tick {
        self.tick
    }

    fn tick_rate(&self) -> u32 {
        self.reader.header().tick_rate.max(1)
    }

    fn keyframe_text(&mut self, format: Format) -> Bytes {
        while let Some(rows) = self.next_keyframe() {
            if rows.tick >= self.start {
                return self.frame(rows, format).unwrap_or_default();
            }
        }
        Bytes::new()
    }

    fn next_tick_text(&mut self, format: Format) -> Option<(Tick, Vec<Bytes>)> {
        if self.done {
            return None;
        }
        match self.next_keyframe() {
            Some(rows) => {
                let tick = rows.tick;
                Some((tick, self.frame(rows, format).into_iter().collect()))
            }
            None => Some(self.end()),
        }
    }
}
