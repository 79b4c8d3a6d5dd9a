//! The room's side ([`SpectatorFeed`]) and the per-room spectator task that turns
//! snapshots and game events into shared SSE events.
//!
//! The room only clones a snapshot at spectator ticks, and only while someone
//! watches ([`Hub::is_active`]), and `try_send`s it: a full queue drops it (the next
//! delta then spans the gap, since deltas are made against the previous published
//! frame). All JSON work happens on the spectator task, never on the tick.

use super::SpectatorConfig;
use super::hub::{Entry, EntryKind, Hub, SpectatorCounter};
use bytes::Bytes;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use tickcast_shared::codec::Snapshot;
use tickcast_shared::protocol::{GameEvent, Tick};
use tickcast_shared::spectate::{End, Feed, MapView, SpecEvent, game_event};
use tokio::sync::mpsc;

enum RoomEvent {
    Game(Tick, Vec<GameEvent>),
    Frame(Snapshot),
    End(Tick, String),
}

/// Held by the room task: hands snapshots and game events to the spectators.
/// Dropping it ends the spectator stream with `event: end`.
#[derive(Debug)]
pub struct SpectatorFeed {
    tx: mpsc::Sender<RoomEvent>,
    hub: Arc<Hub>,
    interval: u32,
    next_frame: u32,
    dropped: Arc<AtomicU64>,
}

impl SpectatorFeed {
    /// The hub spectators of this room subscribe to.
    pub fn hub(&self) -> &Arc<Hub> {
        &self.hub
    }

    /// Snapshots and events the queue had no room for (a slow spectator task).
    pub fn dropped(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }

    fn send(&self, event: RoomEvent) {
        if self.tx.try_send(event).is_err() {
            self.dropped.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// The game events of the step that produced `tick` (call once per step, before
    /// handing over that tick's snapshot).
    pub fn game(&mut self, tick: Tick, events: &[GameEvent]) {
        if !events.is_empty() && self.hub.is_active() {
            self.send(RoomEvent::Game(tick, events.to_vec()));
        }
    }

    /// Whether the snapshot of `tick` is wanted (spectator rate, someone watching).
    pub fn wants_frame(&self, tick: Tick) -> bool {
        tick.0 >= self.next_frame && self.hub.is_active()
    }

    /// Hand over the snapshot of a tick for which [`Self::wants_frame`] said yes.
    /// After it, frames fall on multiples of the frame interval, so a replay of the
    /// room (which frames the same grid) produces the same events for the same ticks.
    pub fn frame(&mut self, snapshot: Snapshot) {
        self.next_frame = (snapshot.tick.0 / self.interval)
            .saturating_add(1)
            .saturating_mul(self.interval);
        self.send(RoomEvent::Frame(snapshot));
    }

    /// The match is over at `tick`: spectators get `event: end` with `reason`.
    pub fn finish(self, tick: Tick, reason: &str) {
        // If the queue is full, dropping `self` still ends the stream below.
        let _ = self.tx.try_send(RoomEvent::End(tick, reason.to_owned()));
    }
}

/// Start the spectator side of a room ticking `tick_rate` times a second on `map`:
/// returns the room's feed (whose hub the HTTP side subscribes to). The task ends
/// when the feed is dropped.
pub fn spawn(
    config: SpectatorConfig,
    tick_rate: u32,
    map: MapView,
    total: SpectatorCounter,
) -> SpectatorFeed {
    let interval = config.frame_interval(tick_rate);
    let rate = u16::try_from(tick_rate).unwrap_or(u16::MAX);
    let feed = Feed::new(map, rate, config.keyframe_period(tick_rate));
    let (tx, rx) = mpsc::channel(config.queue.max(1));
    let retain = config.retain_ticks(tick_rate);
    let hub = Hub::new(config, tick_rate, total);
    tokio::spawn(run(Arc::clone(&hub), feed, rx, retain));
    SpectatorFeed {
        tx,
        hub,
        interval,
        next_frame: 0,
        dropped: Arc::new(AtomicU64::new(0)),
    }
}

fn entry(event: &SpecEvent) -> Entry {
    let kind = match event {
        SpecEvent::Keyframe(_) => EntryKind::Keyframe,
        SpecEvent::Delta(_) => EntryKind::Delta,
        SpecEvent::Game(_) => EntryKind::Game,
        SpecEvent::End(_) => EntryKind::End,
    };
    Entry {
        tick: event.tick().0,
        kind,
        text: Bytes::from(event.to_sse()),
    }
}

async fn run(hub: Arc<Hub>, mut feed: Feed, mut rx: mpsc::Receiver<RoomEvent>, retain: u32) {
    let mut last_watched: u32 = 0;
    let mut last_tick = Tick(0);
    while let Some(event) = rx.recv().await {
        match event {
            RoomEvent::Game(tick, events) => {
                last_tick = last_tick.max(tick);
                if let Some(ev) = game_event(tick, &events) {
                    hub.publish(entry(&ev));
                }
            }
            RoomEvent::Frame(snapshot) => {
                let tick = snapshot.tick;
                last_tick = last_tick.max(tick);
                if hub.spectators() > 0 {
                    last_watched = tick.0;
                } else if tick.0.saturating_sub(last_watched) > retain {
                    hub.go_idle();
                    feed.reset();
                    continue;
                }
                if hub.take_keyframe_request() {
                    feed.reset();
                }
                hub.publish(entry(&feed.frame(snapshot)));
            }
            RoomEvent::End(tick, reason) => {
                hub.publish(entry(&SpecEvent::End(End { tick, reason })));
                return;
            }
        }
    }
    hub.publish(entry(&SpecEvent::End(End {
        tick: last_tick,
        reason: "room closed".to_owned(),
    })));
}
