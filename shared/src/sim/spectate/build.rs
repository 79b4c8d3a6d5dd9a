//! Building spectator frames from snapshots.
//!
//! [`keyframe_event`] and [`delta_event`] are pure functions of [`Snapshot`]s;
//! [`Feed`] remembers the previous frame and picks keyframe or delta by tick, so a
//! live room and a replay of it produce the same events for the same ticks.

use super::{ArenaEvent, Delta, EntityChange, GameBatch, Keyframe, MapView, SpecEntity};
use crate::protocol::Tick;
use crate::sim::GameEvent;
use crate::sim::{EntityState, Snapshot, encode_delta};
use crate::spectate::{KeyframeGrid, PlayerName};
use core::cmp::Ordering;
use std::sync::Arc;

impl SpecEntity {
    /// The spectator view of a quantized snapshot entity.
    pub fn of(e: &EntityState) -> SpecEntity {
        let pos = e.pos();
        let vel = e.vel();
        SpecEntity {
            id: e.id,
            kind: e.kind,
            x: pos.x,
            y: pos.y,
            vx: vel.x,
            vy: vel.y,
            angle: e.angle_rad(),
            hp: e.hp,
            score: e.score,
            flags: e.flags,
            owner: e.owner,
        }
    }
}

/// The fields of `new` that differ from `old` (same id), or `None` if nothing did.
fn change(old: &EntityState, new: &EntityState) -> Option<EntityChange> {
    if old == new {
        return None;
    }
    let view = SpecEntity::of(new);
    Some(EntityChange {
        id: new.id,
        x: (old.x != new.x).then_some(view.x),
        y: (old.y != new.y).then_some(view.y),
        vx: (old.vx != new.vx).then_some(view.vx),
        vy: (old.vy != new.vy).then_some(view.vy),
        angle: (old.angle != new.angle).then_some(view.angle),
        hp: (old.hp != new.hp).then_some(view.hp),
        score: (old.score != new.score).then_some(view.score),
        flags: (old.flags != new.flags).then_some(view.flags),
        owner: (old.owner != new.owner).then_some(view.owner),
    })
}

/// `event: keyframe` for a snapshot of a world ticking `tick_rate` times a second,
/// with `players` in it.
pub fn keyframe_event(
    snapshot: &Snapshot,
    tick_rate: u16,
    map: &MapView,
    players: &[PlayerName],
) -> ArenaEvent {
    ArenaEvent::Keyframe(Keyframe {
        tick: snapshot.tick,
        tick_rate,
        map: map.name.clone(),
        entities: snapshot.entities.iter().map(SpecEntity::of).collect(),
        players: players.to_vec(),
    })
}

/// `event: delta` from the frame `prev` to `cur` (both sorted by id, as snapshots
/// are). An id whose kind changed is reported as removed and created.
pub fn delta_event(prev: &Snapshot, cur: &Snapshot) -> ArenaEvent {
    let mut delta = Delta {
        tick: cur.tick,
        base: prev.tick,
        ..Delta::default()
    };
    let mut old = prev.entities.iter().peekable();
    let mut new = cur.entities.iter().peekable();
    loop {
        match (old.peek(), new.peek()) {
            (None, None) => break,
            (Some(o), None) => {
                delta.removed.push(o.id);
                old.next();
            }
            (None, Some(n)) => {
                delta.created.push(SpecEntity::of(n));
                new.next();
            }
            (Some(o), Some(n)) => match o.id.cmp(&n.id) {
                Ordering::Less => {
                    delta.removed.push(o.id);
                    old.next();
                }
                Ordering::Greater => {
                    delta.created.push(SpecEntity::of(n));
                    new.next();
                }
                Ordering::Equal => {
                    if o.kind != n.kind {
                        delta.removed.push(o.id);
                        delta.created.push(SpecEntity::of(n));
                    } else if let Some(c) = change(o, n) {
                        // Moves too, as every game's feed writes them (`moved` is
                        // only read, from older streams).
                        delta.changed.push(c);
                    }
                    old.next();
                    new.next();
                }
            },
        }
    }
    ArenaEvent::Delta(delta)
}

/// `event: game` for the events of one tick, naming the players they mention from
/// `known` (others stay unnamed); `None` when there were no events.
pub fn game_event(tick: Tick, events: &[GameEvent], known: &[PlayerName]) -> Option<ArenaEvent> {
    (!events.is_empty()).then(|| {
        let mut players: Vec<PlayerName> = Vec::new();
        for id in events.iter().flat_map(GameEvent::players) {
            if players.iter().any(|p| p.player == id) {
                continue;
            }
            if let Some(who) = known.iter().find(|p| p.player == id) {
                players.push(who.clone());
            }
        }
        ArenaEvent::Game(GameBatch {
            tick,
            events: events.to_vec(),
            players,
        })
    })
}

/// The frame sequence of one match: remembers the previous frame and emits a
/// keyframe for the first frame, after [`Feed::reset`], whenever the tick crosses a
/// multiple of the keyframe period, or when ticks go backwards; a delta otherwise.
#[derive(Debug, Clone)]
pub struct Feed {
    map: MapView,
    tick_rate: u16,
    grid: KeyframeGrid,
    /// Shared with whoever else holds the tick's snapshot (the room's ring, the
    /// recorder): a frame costs no copy of the world.
    last: Option<Arc<Snapshot>>,
    /// Who is in the room now, for keyframes ([`Feed::set_players`]).
    players: Vec<PlayerName>,
}

impl Feed {
    /// A feed for a world on `map` ticking `tick_rate` times a second, with a
    /// keyframe at least every `keyframe_period` ticks (0 is treated as 1: every
    /// frame a keyframe).
    pub fn new(map: MapView, tick_rate: u16, keyframe_period: u32) -> Feed {
        Feed {
            map,
            tick_rate,
            grid: KeyframeGrid::new(keyframe_period),
            last: None,
            players: Vec::new(),
        }
    }

    /// The players in the room from the next frame on (named in keyframes), by id.
    pub fn set_players(&mut self, mut players: Vec<PlayerName>) {
        players.sort_by_key(|p| p.player);
        self.players = players;
    }

    /// The arena geometry carried by keyframes.
    pub fn map(&self) -> &MapView {
        &self.map
    }

    /// Tick of the previous frame, if any.
    pub fn last_tick(&self) -> Option<Tick> {
        self.last.as_ref().map(|s| s.tick)
    }

    /// Forget the previous frame: the next frame is a keyframe.
    pub fn reset(&mut self) {
        self.last = None;
    }

    /// The frame event for `snapshot`, which becomes the new previous frame (an
    /// `Arc<Snapshot>` is kept as it is, a `Snapshot` is moved into one).
    pub fn frame(&mut self, snapshot: impl Into<Arc<Snapshot>>) -> ArenaEvent {
        let snapshot = snapshot.into();
        let event = match self.baseline_for(&snapshot) {
            Some(prev) => delta_event(prev, &snapshot),
            None => keyframe_event(&snapshot, self.tick_rate, &self.map, &self.players),
        };
        self.last = Some(snapshot);
        event
    }

    /// [`Feed::frame`] and the same frame as a range-coded body (keyframe or delta
    /// against the previous frame, as the event is) for the binary format.
    pub fn frame_both(&mut self, snapshot: impl Into<Arc<Snapshot>>) -> (ArenaEvent, Vec<u8>) {
        let snapshot = snapshot.into();
        let body = encode_delta(self.baseline_for(&snapshot), &snapshot);
        (self.frame(snapshot), body)
    }

    /// The previous frame, when `snapshot` is to be a delta against it: newer and
    /// within the same keyframe period. `None`: a keyframe.
    fn baseline_for(&self, snapshot: &Snapshot) -> Option<&Snapshot> {
        self.last
            .as_deref()
            .filter(|prev| self.grid.is_delta(prev.tick, snapshot.tick))
    }

    /// The previous frame as a keyframe body (binary catch-up keyframes).
    pub fn keyframe_body(&self) -> Option<Vec<u8>> {
        self.last.as_ref().map(|s| encode_delta(None, s))
    }

    /// A keyframe of the previous frame (for a viewer joining between keyframes).
    pub fn keyframe(&self) -> Option<ArenaEvent> {
        self.last
            .as_ref()
            .map(|s| keyframe_event(s, self.tick_rate, &self.map, &self.players))
    }
}
