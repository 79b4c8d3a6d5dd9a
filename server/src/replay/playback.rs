//! Replay playback as spectator events: `GET /api/replays/{id}/events`.
//!
//! A recording of any game is re-simulated ([`Resim`], with the server's game of
//! that name) and turned into the live feed's events with the live feed's own
//! machinery ([`GameFrames`]) and settings (frame
//! interval, keyframe period): per tick the `game` event first, then on frame ticks
//! (multiples of the frame interval, as live rooms do) a `keyframe` or `delta`;
//! `end` after the last tick. So for the same ticks a playback equals what a live
//! spectator of the room saw.
//!
//! A stream starts with a keyframe at the start tick and continues from there:
//! - `from=T`: the recorded keyframe at or before `T` (recorded keyframes fall on
//!   live keyframe ticks);
//! - `Last-Event-ID: N` (a reconnecting `EventSource`, or `lastEventId=N`): the
//!   tick of event `N` itself; the keyframe of that tick is sent only when `N` was
//!   its `game` event (the viewer has not had that frame), so every event after `N`
//!   comes exactly once, with the ids the live feed gave them.
//!
//! Damage that the reader skipped (a gap, resumed at a checkpoint) is followed by a
//! keyframe of the game where it resumed, whatever the frame grid.
//!
//! Pacing: the events of tick `t` are sent `(t - start) / (tick_rate * speed)`
//! seconds after the first. Seeking to the start re-simulates from tick 0 in slices,
//! yielding to the runtime between them. A viewer that takes no bytes for
//! `write_timeout_secs` ends the playback (its permit is given back).

use bytes::Bytes;
use std::time::Duration;
use tickcast_shared::game::GameEntry;
use tickcast_shared::protocol::{PlayerIdentity, Tick};
use tickcast_shared::replay::{OpenError, Resim, SeekIndex};
use tickcast_shared::spectate::{
    End, EventId, Format, GameFrames, PlayerName, RowFrame, SpecEvent, SseEvent,
};
use tokio::sync::mpsc;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::keyframes::KeyframePlayback;
use super::store::PlaybackPermit;
use crate::metrics::Metrics;
use crate::net::sse::hand_over;
use crate::spectators::SpectatorConfig;
use std::sync::Arc;

/// A recording turned into spectator events, tick by tick.
pub struct Playback<'a> {
    resim: Resim<'a>,
    /// The recorded players' names, for the `game` events.
    names: Vec<PlayerName>,
    frames: GameFrames,
    interval: u32,
    done: bool,
}

impl<'a> Playback<'a> {
    /// A playback of `bytes` (its game found in `games`) at tick 0, with the live
    /// feed's `spectators` settings.
    pub fn new(
        bytes: &'a [u8],
        games: &[GameEntry],
        spectators: &SpectatorConfig,
    ) -> Result<Playback<'a>, OpenError> {
        let players = SeekIndex::build(bytes)?.players;
        Ok(Playback::at(
            Resim::new(bytes, games)?,
            &players,
            spectators,
        ))
    }

    /// A playback that goes on from where `resim` is (after a seek), naming the
    /// recorded `players` ([`SeekIndex::players`]).
    pub fn at(
        resim: Resim<'a>,
        players: &[PlayerIdentity],
        spectators: &SpectatorConfig,
    ) -> Playback<'a> {
        let rate = resim.header().tick_rate.max(1);
        let tick_rate = u16::try_from(rate).unwrap_or(u16::MAX);
        let period = spectators.keyframe_period(rate);
        let frames = GameFrames::of_game(resim.game(), &resim.header().map_name, tick_rate, period);
        Playback {
            resim,
            names: players.iter().map(PlayerName::from).collect(),
            frames,
            interval: spectators.frame_interval(rate).max(1),
            done: false,
        }
    }

    /// The tick the re-simulated game is at.
    pub fn tick(&self) -> Tick {
        self.resim.tick()
    }

    /// Simulation ticks per second of the recording.
    pub fn tick_rate(&self) -> u32 {
        self.resim.header().tick_rate.max(1)
    }

    /// A keyframe of the game as it is now, as SSE text in `format`; the following
    /// deltas build on it.
    pub fn keyframe_text(&mut self, format: Format) -> Bytes {
        self.frames.reset();
        self.frame(format).unwrap_or_default()
    }

    /// The frame of the game now, in `format` (`None`: a row the schema cannot
    /// code; the next frame is a keyframe).
    fn frame(&mut self, format: Format) -> Option<Bytes> {
        // Keyframes name the recorded players who are in the game at this tick.
        let game = self.resim.game();
        let here = self
            .names
            .iter()
            .filter(|p| game.player_entity(p.player).is_some())
            .cloned()
            .collect();
        self.frames.set_players(here);
        let frame = self.frames.frame(Arc::new(self.resim.view()))?;
        Some(text(frame, format))
    }

    /// The next tick and its events as SSE text in `format` (`game`, then the
    /// frame on frame ticks), then once the tick and `end`; `None` after that.
    pub fn next_tick_text(&mut self, format: Format) -> Option<(Tick, Vec<Bytes>)> {
        if self.done {
            return None;
        }
        let gaps = self.resim.gaps().len();
        let Some((tick, events)) = self.resim.step() else {
            self.done = true;
            let tick = self.resim.tick();
            let reason = if self.resim.is_complete() {
                "end of replay".to_owned()
            } else if let Some(stop) = self.resim.stop() {
                format!("end of the readable part: {stop}")
            } else {
                "end of recording (incomplete)".to_owned()
            };
            let end = SpecEvent::End(End { tick, reason });
            return Some((tick, vec![Bytes::from(end.to_sse())]));
        };
        let mut out: Vec<Bytes> = self
            .frames
            .game(tick, &events, &self.names)
            .map(Bytes::from)
            .into_iter()
            .collect();
        if self.resim.gaps().len() != gaps {
            // The game jumped over damage: a keyframe of where it is now.
            self.frames.reset();
            out.extend(self.frame(format));
        } else if tick.0 % self.interval == 0 {
            out.extend(self.frame(format));
        }
        Some((tick, out))
    }
}

/// What a paced stream plays: a re-simulation ([`Playback`]) or, for a recording
/// of another build, its keyframes ([`super::keyframes::KeyframePlayback`]).
pub trait Paced {
    /// The tick of the frame sent last (where the stream starts, at first).
    fn tick(&self) -> Tick;
    /// Simulation ticks per second of the recording.
    fn tick_rate(&self) -> u32;
    /// The keyframe the stream starts with, as SSE text in `format`.
    fn keyframe_text(&mut self, format: Format) -> Bytes;
    /// The next tick with events and those events as SSE text, then once the
    /// last tick and `end`; `None` after that.
    fn next_tick_text(&mut self, format: Format) -> Option<(Tick, Vec<Bytes>)>;
}

impl Paced for Playback<'_> {
    fn tick(&self) -> Tick {
        Playback::tick(self)
    }
    fn tick_rate(&self) -> u32 {
        Playback::tick_rate(self)
    }
    fn keyframe_text(&mut self, format: Format) -> Bytes {
        Playback::keyframe_text(self, format)
    }
    fn next_tick_text(&mut self, format: Format) -> Option<(Tick, Vec<Bytes>)> {
        Playback::next_tick_text(self, format)
    }
}

/// A frame's SSE text in `format`.
fn text(frame: RowFrame, format: Format) -> Bytes {
    Bytes::from(match format {
        Format::Json => frame.json,
        Format::Binary => frame.binary,
    })
}

/// What a playback stream needs besides the bytes.
pub struct StreamPlan {
    pub start: Tick,
    /// The server's games (the recorded one is re-simulated).
    pub games: Vec<GameEntry>,
    /// The game here is another build with the same schema: play the recorded
    /// keyframes of this game instead of re-simulating.
    pub keyframes_of: Option<GameEntry>,
    /// Seek points of the bytes to play.
    pub index: SeekIndex,
    /// The viewer resumes after this event (of tick `start`).
    pub resume_after: Option<EventId>,
    pub format: Format,
    pub metrics: Arc<Metrics>,
    pub speed: f64,
    pub spectators: SpectatorConfig,
    pub permit: PlaybackPermit,
    /// The server is stopping: end the stream.
    pub shutdown: CancellationToken,
}

/// Produce the SSE text of a playback into `tx` until the end, until the viewer
/// goes away (the receiver is dropped) or until the server stops. Holds the playback
/// permit until then.
pub async fn stream(bytes: Vec<u8>, plan: StreamPlan, tx: mpsc::Sender<Bytes>) {
    let shutdown = plan.shutdown.clone();
    tokio::select! {
        _ = shutdown.cancelled() => {}
        _ = play(bytes, plan, tx) => {}
    }
}

async fn play(bytes: Vec<u8>, plan: StreamPlan, tx: mpsc::Sender<Bytes>) {
    let _permit = &plan.permit;
    if let Some(entry) = plan.keyframes_of {
        let Ok(mut playback) = KeyframePlayback::new(&bytes, &entry, plan.start, &plan.spectators)
        else {
            return;
        };
        pace(&mut playback, &plan, &tx).await;
        return;
    }
    let (start, index) = (plan.start, plan.index.clone());
    let players = index.players.clone();
    let games = plan.games.clone();
    let sought = tokio::task::spawn_blocking(move || {
        let parked = Resim::seek_from(&bytes, &games, &index, start).map(Resim::park);
        (bytes, parked)
    })
    .await;
    let Ok((bytes, Ok(parked))) = sought else {
        return;
    };
    let mut playback = Playback::at(parked.resume(&bytes), &players, &plan.spectators);
    pace(&mut playback, &plan, &tx).await;
}

/// Send `playback`'s events paced by their ticks at the plan's speed.
async fn pace<P: Paced>(playback: &mut P, plan: &StreamPlan, tx: &mpsc::Sender<Bytes>) {
    let timeout = plan.spectators.write_timeout();
    let metrics = &plan.metrics;
    let send = async |chunk: Bytes| hand_over(tx, chunk, timeout, metrics).await;
    let retry = Bytes::from(format!("retry: {}\n\n", plan.spectators.retry_ms));
    if !send(retry).await {
        return;
    }
    let keyframe = playback.keyframe_text(plan.format);
    // Resuming after the frame of this very tick: the viewer has it already.
    let has_it = plan
        .resume_after
        .is_some_and(|id| id.has_frame() && id.tick() == playback.tick());
    if !has_it && !keyframe.is_empty() && !send(keyframe).await {
        return;
    }
    let first = playback.tick();
    let per_tick = Duration::from_secs_f64(1.0 / (f64::from(playback.tick_rate()) * plan.speed));
    let started = Instant::now();
    while let Some((tick, events)) = playback.next_tick_text(plan.format) {
        if events.is_empty() {
            continue;
        }
        let due = started + per_tick.saturating_mul(tick.0.saturating_sub(first.0));
        tokio::time::sleep_until(due).await;
        for event in events {
            if !send(event).await {
                return;
            }
        }
    }
}

#[cfg(test)]
#[path = "playback_tests.rs"]
mod tests;
