//! Rebuilding what a spectator sees from the event stream.
//!
//! [`SpecState::apply`] is the reference for every viewer (the browser's spectate
//! view follows the same rules): a keyframe replaces the state; a delta applies only
//! on top of the frame it was made against; a frame whose tick the state already has
//! is skipped; a `reset` drops the state (a keyframe follows).

use super::{ArenaEvent, Delta, MapView, SpecEntity};
use crate::protocol::{NetId, Tick};
use crate::sim::Snapshot;
use std::collections::BTreeMap;
use thiserror::Error;

/// The world as a spectator sees it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SpecState {
    /// Tick of the newest applied frame; `None` before the first keyframe.
    pub tick: Option<Tick>,
    pub tick_rate: u16,
    /// The map's name (geometry: `GET /api/maps/{name}`).
    pub map: Option<String>,
    pub entities: BTreeMap<NetId, SpecEntity>,
    /// An `end` event was applied.
    pub ended: bool,
}

/// What [`SpecState::apply`] did with an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Applied {
    /// A keyframe or delta moved the state to its tick.
    Frame,
    /// A frame not newer than the state: skipped.
    Stale,
    /// A game event: no change to entities.
    Game,
    /// The match ended.
    End,
    /// The stream restarted: the state was dropped, a keyframe follows.
    Reset,
}

/// Why an event could not be applied; the state is left unchanged.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ApplyError {
    #[error("delta for tick {} arrived before any keyframe", tick.0)]
    NoKeyframe { tick: Tick },
    #[error("delta against tick {} but the state is at tick {}", base.0, have.0)]
    Gap { base: Tick, have: Tick },
    #[error("delta names entity {0:?} that the state does not have")]
    UnknownEntity(NetId),
    #[error("delta creates entity {0:?} that the state already has")]
    DuplicateEntity(NetId),
}

impl SpecState {
    /// An empty state, waiting for a keyframe.
    pub fn new() -> SpecState {
        SpecState::default()
    }

    /// The view of `snapshot` of a world ticking `tick_rate` times a second on
    /// `map`: what a keyframe of it rebuilds.
    pub fn from_snapshot(snapshot: &Snapshot, tick_rate: u16, map: &MapView) -> SpecState {
        SpecState {
            tick: Some(snapshot.tick),
            tick_rate,
            map: Some(map.name.clone()),
            entities: snapshot
                .entities
                .iter()
                .map(|e| (e.id, SpecEntity::of(e)))
                .collect(),
            ended: false,
        }
    }

    /// Apply one event (see the module docs for the rules).
    pub fn apply(&mut self, event: &ArenaEvent) -> Result<Applied, ApplyError> {
        match event {
            ArenaEvent::Game(_) => Ok(Applied::Game),
            ArenaEvent::End(_) => {
                self.ended = true;
                Ok(Applied::End)
            }
            ArenaEvent::Reset(_) => {
                *self = SpecState::new();
                Ok(Applied::Reset)
            }
            ArenaEvent::Keyframe(k) => {
                if self.tick.is_some_and(|t| t >= k.tick) {
                    return Ok(Applied::Stale);
                }
                self.tick = Some(k.tick);
                self.tick_rate = k.tick_rate;
                self.map = Some(k.map.clone());
                self.entities = k.entities.iter().map(|e| (e.id, *e)).collect();
                Ok(Applied::Frame)
            }
            ArenaEvent::Delta(d) => {
                let have = self.tick.ok_or(ApplyError::NoKeyframe { tick: d.tick })?;
                if have >= d.tick {
                    return Ok(Applied::Stale);
                }
                if have != d.base {
                    return Err(ApplyError::Gap { base: d.base, have });
                }
                self.check(d)?;
                self.apply_delta(d);
                Ok(Applied::Frame)
            }
        }
    }

    /// Every id a delta names must fit the state, so a bad delta changes nothing.
    fn check(&self, d: &Delta) -> Result<(), ApplyError> {
        for id in &d.removed {
            if !self.entities.contains_key(id) {
                return Err(ApplyError::UnknownEntity(*id));
            }
        }
        let removed = |id: &NetId| d.removed.binary_search(id).is_ok();
        for e in &d.created {
            if self.entities.contains_key(&e.id) && !removed(&e.id) {
                return Err(ApplyError::DuplicateEntity(e.id));
            }
        }
        for id in d
            .changed
            .iter()
            .map(|c| &c.id)
            .chain(d.moved.iter().map(|m| &m.0))
        {
            if !self.entities.contains_key(id) || removed(id) {
                return Err(ApplyError::UnknownEntity(*id));
            }
        }
        Ok(())
    }

    fn apply_delta(&mut self, d: &Delta) {
        for id in &d.removed {
            self.entities.remove(id);
        }
        for e in &d.created {
            self.entities.insert(e.id, *e);
        }
        for (id, x, y) in &d.moved {
            if let Some(e) = self.entities.get_mut(id) {
                e.x = *x;
                e.y = *y;
            }
        }
        for c in &d.changed {
            if let Some(e) = self.entities.get_mut(&c.id) {
                fn set<T: Copy>(field: &mut T, value: Option<T>) {
                    if let Some(v) = value {
                        *field = v;
                    }
                }
                set(&mut e.x, c.x);
                set(&mut e.y, c.y);
                set(&mut e.vx, c.vx);
                set(&mut e.vy, c.vy);
                set(&mut e.angle, c.angle);
                set(&mut e.hp, c.hp);
                set(&mut e.score, c.score);
                set(&mut e.flags, c.flags);
                set(&mut e.owner, c.owner);
            }
        }
        self.tick = Some(d.tick);
    }
}
