//! The room's side ([`SpectatorFeed`]) and the per-room spectator task that turns
//! snapshots and game events into shared SSE events.
//!
//! The room only clones a snapshot at spectator ticks, and only while someone
//! watches ([`Hub::is_active`]), and `try_send`s it: a full queue drops it (the next
//! delta then spans the gap, since deltas are made against the previous published
//! frame). All JSON work happens on the spectator task, never on the tick.
//!
//! With a broadcast delay the task holds room events back in a [`DelayLine`] before
//! it turns them into events, so keyframes (catch-up ones too) never show more than
//! the delayed feed.

use super::SpectatorConfig;
use super::delay::DelayLine;
use super::hub::{Entry, EntryKind, Hub, SpectatorCounter};
use bytes::Bytes;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use tickcast_shared::codec::RowSnapshot;
use tickcast_shared::game::EventRow;
use tickcast_shared::protocol::{PlayerIdentity, Tick};
use tickcast_shared::schema::Schema;
use tickcast_shared::spectate::{
    End, EventId, GameFrames, PlayerName, RowFrame, SpecEvent, SseEvent,
};
use tokio::sync::mpsc;

enum RoomEvent {
    Game(Tick, Vec<EventRow>, Vec<PlayerName>),
    /// A snapshot and who is in the room at its tick.
    Frame(Arc<RowSnapshot>, Vec<PlayerName>),
    End(Tick, String),
}

impl RoomEvent {
    fn tick(&self) -> Tick {
        match self {
            RoomEvent::Game(t, ..) | RoomEvent::End(t, _) => *t,
            RoomEvent::Frame(s, _) => s.tick,
        }
    }
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

    /// The game events of the step that produced `tick` and who the players they
    /// name are (call once per step, before handing over that tick's snapshot).
    pub fn game(&mut self, tick: Tick, events: &[EventRow], players: &[PlayerIdentity]) {
        if !events.is_empty() && self.hub.is_active() {
            let names = players.iter().map(PlayerName::from).collect();
            self.send(RoomEvent::Game(tick, events.to_vec(), names));
        }
    }

    /// Whether the snapshot of `tick` is wanted (spectator rate, someone watching).
    pub fn wants_frame(&self, tick: Tick) -> bool {
        tick.0 >= self.next_frame && self.hub.is_active()
    }

    /// Hand over the snapshot of a tick for which [`Self::wants_frame`] said yes,
    /// with the `players` in the room then (named in keyframes). After it, frames
    /// fall on multiples of the frame interval, so a replay of the room (which
    /// frames the same grid) produces the same events for the same ticks.
    pub fn frame(&mut self, snapshot: Arc<RowSnapshot>, players: Vec<PlayerName>) {
        self.next_frame = (snapshot.tick.0 / self.interval)
            .saturating_add(1)
            .saturating_mul(self.interval);
        self.send(RoomEvent::Frame(snapshot, players));
    }

    /// The match is over at `tick`: spectators get `event: end` with `reason`.
    pub fn finish(self, tick: Tick, reason: &str) {
        // If the queue is full, dropping `self` still ends the stream below.
        let _ = self.tx.try_send(RoomEvent::End(tick, reason.to_owned()));
    }
}

/// Start the spectator side of a room of `schema`'s game ticking `tick_rate` times a
/// second on the map named `map` (frames are made from the game's rows by a
/// [`GameFrames`], the same for every game): returns the room's feed (whose hub the
/// HTTP side subscribes to). The task ends when the feed is dropped.
pub fn spawn(
    config: SpectatorConfig,
    tick_rate: u32,
    map: &str,
    schema: &'static Schema,
    total: SpectatorCounter,
) -> SpectatorFeed {
    let interval = config.frame_interval(tick_rate);
    let rate = u16::try_from(tick_rate).unwrap_or(u16::MAX);
    let period = config.keyframe_period(tick_rate);
    let feed = GameFrames::new(schema, map, rate, period);
    let (tx, rx) = mpsc::channel(config.queue.max(1));
    let feeder = Feeder {
        hub: Hub::new(config.clone(), tick_rate, total),
        feed,
        retain: config.retain_ticks(tick_rate),
        last_watched: 0,
        last_tick: Tick(0),
    };
    let hub = Arc::clone(&feeder.hub);
    tokio::spawn(run(
        feeder,
        rx,
        DelayLine::new(config.delay_ticks(tick_rate)),
    ));
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
        // A reset is written per viewer by the SSE side, never published.
        SpecEvent::Game(_) | SpecEvent::Reset(_) => EntryKind::Game,
        SpecEvent::End(_) => EntryKind::End,
    };
    Entry::same(
        event.id().unwrap_or(EventId(0)),
        kind,
        Bytes::from(event.to_sse()),
    )
}

/// A generic frame as a hub entry.
fn row_entry(frame: RowFrame) -> Entry {
    let kind = if frame.keyframe {
        EntryKind::Keyframe
    } else {
        EntryKind::Delta
    };
    Entry {
        id: frame.id,
        kind,
        text: Bytes::from(frame.json),
        binary: Bytes::from(frame.binary),
    }
}

/// The task's state: the room's hub and the frame sequence.
struct Feeder {
    hub: Arc<Hub>,
    feed: GameFrames,
    retain: u32,
    last_watched: u32,
    last_tick: Tick,
}

impl Feeder {
    /// Turn one (possibly delayed) room event into published events.
    fn handle(&mut self, event: RoomEvent) {
        let hub = &self.hub;
        self.last_tick = self.last_tick.max(event.tick());
        match event {
            RoomEvent::Game(tick, rows, names) => {
                if let Some(text) = self.feed.game(tick, &rows, &names) {
                    let id = EventId::game(tick);
                    hub.publish(Entry::same(id, EntryKind::Game, Bytes::from(text)));
                }
            }
            RoomEvent::Frame(rows, players) => {
                let tick = rows.tick;
                if hub.spectators() > 0 {
                    self.last_watched = tick.0;
                } else if tick.0.saturating_sub(self.last_watched) > self.retain {
                    hub.go_idle();
                    self.feed.reset();
                    return;
                }
                if hub.take_keyframe_request() {
                    self.feed.reset();
                }
                self.feed.set_players(players);
                let Some(frame) = self.feed.frame(rows) else {
                    // A row the schema cannot code: skip it, the next frame is a
                    // keyframe.
                    return;
                };
                let catchup = if !frame.keyframe && hub.take_catchup_request() {
                    self.feed.keyframe().map(row_entry)
                } else {
                    None
                };
                hub.publish_with_catchup(row_entry(frame), catchup);
            }
            RoomEvent::End(tick, reason) => {
                hub.publish(entry(&SpecEvent::End(End { tick, reason })));
            }
        }
    }
}

async fn run(mut f: Feeder, mut rx: mpsc::Receiver<RoomEvent>, mut delay: DelayLine<RoomEvent>) {
    while let Some(event) = rx.recv().await {
        if matches!(event, RoomEvent::End(..)) {
            for e in delay.drain() {
                f.handle(e);
            }
            f.handle(event);
            return;
        }
        for e in delay.push(event.tick(), event) {
            f.handle(e);
        }
    }
    for e in delay.drain() {
        f.handle(e);
    }
    let tick = f.last_tick;
    f.handle(RoomEvent::End(tick, "room closed".to_owned()));
}
