//! Replay playback as spectator events: `GET /api/replays/{id}/events`.
//!
//! A recording is re-simulated ([`Resim`]) and turned into the live feed's events
//! with the live feed's own machinery ([`Feed`], [`game_event`]) and settings (frame
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
//! keyframe of the World where it resumed, whatever the frame grid.
//!
//! Pacing: the events of tick `t` are sent `(t - start) / (tick_rate * speed)`
//! seconds after the first. Seeking to the start re-simulates from tick 0 in slices,
//! yielding to the runtime between them. A viewer that takes no bytes for
//! `write_timeout_secs` ends the playback (its permit is given back).

use bytes::Bytes;
use std::time::Duration;
use tickcast_shared::codec::Snapshot;
use tickcast_shared::protocol::{PlayerIdentity, Tick};
use tickcast_shared::replay::{Resim, SeekIndex, Stop};
use tickcast_shared::spectate::{
    End, Feed, Format, MapView, PlayerName, SpecEvent, binary_sse, game_event,
};
use tokio::sync::mpsc;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::store::PlaybackPermit;
use crate::metrics::Metrics;
use crate::net::sse::hand_over;
use crate::spectators::SpectatorConfig;
use std::sync::Arc;
use tickcast_shared::spectate::EventId;

/// A recording turned into spectator events, tick by tick.
pub struct Playback<'a> {
    resim: Resim<'a>,
    /// The recorded players' names, for the `game` events.
    names: Vec<PlayerName>,
    feed: Feed,
    interval: u32,
    done: bool,
}

impl<'a> Playback<'a> {
    /// A playback of `bytes` at tick 0, with the live feed's `spectators` settings.
    pub fn new(bytes: &'a [u8], spectators: &SpectatorConfig) -> Result<Playback<'a>, Stop> {
        let players = SeekIndex::build(bytes)?.players;
        Ok(Playback::at(Resim::new(bytes)?, &players, spectators))
    }

    /// A playback that goes on from where `resim` is (after a seek), naming the
    /// recorded `players` ([`SeekIndex::players`]).
    pub fn at(
        resim: Resim<'a>,
        players: &[PlayerIdentity],
        spectators: &SpectatorConfig,
    ) -> Playback<'a> {
        let rate = resim.header().config.tick_rate.max(1);
        let map = MapView::of(resim.world().map());
        let tick_rate = u16::try_from(rate).unwrap_or(u16::MAX);
        let feed = Feed::new(map, tick_rate, spectators.keyframe_period(rate));
        Playback {
            resim,
            names: players.iter().map(PlayerName::from).collect(),
            feed,
            interval: spectators.frame_interval(rate).max(1),
            done: false,
        }
    }

    /// The tick the re-simulated World is at.
    pub fn tick(&self) -> Tick {
        self.resim.tick()
    }

    /// Simulation ticks per second of the recording.
    pub fn tick_rate(&self) -> u32 {
        self.resim.header().config.tick_rate.max(1)
    }

    /// A keyframe of the World as it is now; the following deltas build on it.
    pub fn keyframe(&mut self) -> SpecEvent {
        self.feed.reset();
        let snapshot = self.resim.world().snapshot();
        self.frame(snapshot, Format::Json).0
    }

    /// [`Self::keyframe`], as SSE text in `format`.
    pub fn keyframe_text(&mut self, format: Format) -> Bytes {
        self.feed.reset();
        let snapshot = self.resim.world().snapshot();
        render(self.frame(snapshot, format))
    }

    fn frame(&mut self, snapshot: Snapshot, format: Format) -> (SpecEvent, Option<Vec<u8>>) {
        // Keyframes name the recorded players who are in the World at this tick.
        let world = self.resim.world();
        let here = self
            .names
            .iter()
            .filter(|p| world.player_entity(p.player).is_some())
            .cloned()
            .collect();
        self.feed.set_players(here);
        match format {
            Format::Json => (self.feed.frame(snapshot), None),
            Format::Binary => {
                let (event, body) = self.feed.frame_both(snapshot);
                (event, Some(body))
            }
        }
    }

    /// The next tick and its events (`game`, then the frame on frame ticks), then
    /// once the tick and `end`; `None` after that.
    pub fn next_tick(&mut self) -> Option<(Tick, Vec<SpecEvent>)> {
        self.step(Format::Json)
            .map(|(tick, events)| (tick, events.into_iter().map(|(e, _)| e).collect()))
    }

    /// [`Self::next_tick`], as SSE text in `format`.
    pub fn next_tick_text(&mut self, format: Format) -> Option<(Tick, Vec<Bytes>)> {
        self.step(format)
            .map(|(tick, events)| (tick, events.into_iter().map(render).collect()))
    }

    #[allow(clippy::type_complexity)]
    fn step(&mut self, format: Format) -> Option<(Tick, Vec<(SpecEvent, Option<Vec<u8>>)>)> {
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
            return Some((tick, vec![(SpecEvent::End(End { tick, reason }), None)]));
        };
        let mut out: Vec<(SpecEvent, Option<Vec<u8>>)> = game_event(tick, &events, &self.names)
            .into_iter()
            .map(|e| (e, None))
            .collect();
        if self.resim.gaps().len() != gaps {
            // The World jumped over damage: a keyframe of where it is now.
            self.feed.reset();
            let snapshot = self.resim.world().snapshot();
            out.push(self.frame(snapshot, format));
        } else if tick.0 % self.interval == 0 {
            let snapshot = self.resim.world().snapshot();
            out.push(self.frame(snapshot, format));
        }
        Some((tick, out))
    }
}

/// The SSE text of an event; a frame with a body is in the binary format.
fn render((event, body): (SpecEvent, Option<Vec<u8>>)) -> Bytes {
    Bytes::from(match body {
        Some(body) => binary_sse(&event, &body),
        None => event.to_sse(),
    })
}

/// What a playback stream needs besides the bytes.
pub struct StreamPlan {
    pub start: Tick,
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
    let _permit = plan.permit;
    let (start, index) = (plan.start, plan.index);
    let players = index.players.clone();
    let sought = tokio::task::spawn_blocking(move || {
        let parked = Resim::seek_from(&bytes, &index, start).map(Resim::park);
        (bytes, parked)
    })
    .await;
    let Ok((bytes, Ok(parked))) = sought else {
        return;
    };
    let mut playback = Playback::at(parked.resume(&bytes), &players, &plan.spectators);
    let timeout = plan.spectators.write_timeout();
    let metrics = plan.metrics;
    let send = async |chunk: Bytes| hand_over(&tx, chunk, timeout, &metrics).await;
    let retry = Bytes::from(format!("retry: {}\n\n", plan.spectators.retry_ms));
    if !send(retry).await {
        return;
    }
    let keyframe = playback.keyframe_text(plan.format);
    // Resuming after the frame of this very tick: the viewer has it already.
    let has_it = plan
        .resume_after
        .is_some_and(|id| id.has_frame() && id.tick() == playback.tick());
    if !has_it && !send(keyframe).await {
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
mod tests {
    use super::*;
    use tickcast_shared::protocol::PlayerId;
    use tickcast_shared::replay::{ReplayHeader, ReplayWriter};
    use tickcast_shared::sim::{Buttons, PlayerInput};
    use tickcast_shared::sim::{Map, TickInput, World, WorldConfig};
    use tickcast_shared::spectate::GameBatch;

    /// A replay of 400 ticks: two players walking and shooting, 3 drones; with
    /// `checkpoints`, one every 100 ticks.
    fn replay(checkpoints: bool) -> Vec<u8> {
        let map = Map::default_map();
        let config = WorldConfig::new(60, 3);
        let mut world = World::new(map.clone(), config.clone(), 9);
        let mut w = ReplayWriter::new(&ReplayHeader {
            protocol_version: 1,
            map_name: "arena".into(),
            map_text: tickcast_shared::sim::map::DEFAULT_MAP.into(),
            config,
            seed: 9,
            start_unix_ms: 0,
            room_name: "r".into(),
            room_id: "abcdefghijklm".into(),
            invite: None,
        });
        for t in 0..400u32 {
            let mut input = TickInput::default();
            if t == 0 {
                input.joins = vec![PlayerId(1), PlayerId(2)];
                for (p, name) in [(1, "ann"), (2, "bo")] {
                    w.push_player(&PlayerIdentity {
                        player: PlayerId(p),
                        sub: Some(format!("sub-{p}")),
                        name: name.into(),
                    })
                    .unwrap();
                }
            }
            for p in [1, 2] {
                let buttons = Buttons((1 << ((t / 50 + p) % 4)) | Buttons::FIRE);
                let aim = (t as f32 * 0.01) * p as f32;
                input
                    .inputs
                    .push((PlayerId(p), PlayerInput { buttons, aim }));
            }
            world.step(&input);
            w.push_tick(&input).unwrap();
            if checkpoints && world.tick().0 % 100 == 0 {
                w.push_checkpoint(&world.save_state()).unwrap();
            }
        }
        w.end().unwrap();
        w.take_bytes()
    }

    fn collect(pb: &mut Playback<'_>) -> Vec<SpecEvent> {
        std::iter::from_fn(|| pb.next_tick())
            .flat_map(|(_, e)| e)
            .collect()
    }

    #[test]
    fn frames_fall_on_the_live_grid_and_the_stream_ends() {
        let bytes = replay(false);
        let config = SpectatorConfig::default(); // 10 Hz: every 6 ticks, keyframes every 300
        let mut pb = Playback::new(&bytes, &config).unwrap();
        assert!(matches!(pb.keyframe(), SpecEvent::Keyframe(k) if k.tick == Tick(0)));
        let events = collect(&mut pb);
        let frames: Vec<(u32, bool)> = events
            .iter()
            .filter(|e| e.is_frame())
            .map(|e| (e.tick().0, matches!(e, SpecEvent::Keyframe(_))))
            .collect();
        assert_eq!(frames.len(), 400 / 6);
        assert!(
            frames
                .iter()
                .all(|(t, key)| t % 6 == 0 && *key == (t % 300 == 0))
        );
        // Game events name the recorded players (by name, never by `sub`).
        let game: Vec<&GameBatch> = events
            .iter()
            .filter_map(|e| match e {
                SpecEvent::Game(g) => Some(g),
                _ => None,
            })
            .collect();
        assert!(!game.is_empty());
        for batch in game {
            let named: Vec<(u32, &str)> = batch
                .players
                .iter()
                .map(|p| (p.player.0, p.name.as_str()))
                .collect();
            let mentioned = batch.events.iter().flat_map(|e| e.players()).count();
            assert!(!named.is_empty() && named.len() <= mentioned, "{batch:?}");
            assert!(named.iter().all(|n| [(1, "ann"), (2, "bo")].contains(n)));
        }
        let last = events.last().unwrap();
        assert!(
            matches!(last, SpecEvent::End(e) if e.tick == Tick(400) && e.reason == "end of replay")
        );
        assert!(pb.next_tick().is_none());
    }

    #[test]
    fn a_playback_started_later_continues_exactly_like_one_from_the_start() {
        let config = SpectatorConfig::default();
        let bytes = replay(false);
        let mut whole = Playback::new(&bytes, &config).unwrap();
        whole.keyframe();
        let all = collect(&mut whole);
        for checkpoints in [false, true] {
            let bytes = replay(checkpoints);
            let index = SeekIndex::build(&bytes).unwrap();
            assert_eq!(index.checkpoints.len(), if checkpoints { 4 } else { 0 });
            // 252: on the frame grid, between checkpoints (re-simulated from 200).
            for start in [300, 252] {
                let resim = Resim::seek_from(&bytes, &index, Tick(start)).unwrap();
                let mut late = Playback::at(resim, &index.players, &config);
                assert_eq!(late.tick(), Tick(start));
                let first = late.keyframe();
                if start == 300 {
                    let live = all.iter().find(|e| e.tick() == Tick(300) && e.is_frame());
                    assert_eq!(Some(&first), live);
                }
                let rest = collect(&mut late);
                let want: Vec<&SpecEvent> = all.iter().filter(|e| e.tick() > Tick(start)).collect();
                assert_eq!(
                    rest.iter().collect::<Vec<_>>(),
                    want,
                    "{checkpoints} {start}"
                );
            }
        }
    }
}
