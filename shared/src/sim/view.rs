//! What the outside sees of a [`World`]: quantized snapshots, the state hash and
//! read-only accessors for the server, clients and tests.
//!
//! Snapshot fields per kind (everything else is 0):
//! - players: position, velocity, aim angle, hp, score, `FLAG_DEAD` while dead,
//!   `owner` = the player id;
//! - projectiles: position, velocity, `owner` = the shooter's player id;
//! - drones: position only. Their heading changes every tick, so sending velocity
//!   or angle would cost bits on every moved drone; clients can derive motion from
//!   successive positions.

use super::entity::{Entity, Kind};
use super::movement::Body;
use super::world::World;
use crate::game::Fnv64;
use crate::protocol::{NetId, PlayerId};
use crate::sim::snapshot::{quantize_angle, quantize_pos, quantize_vel};
use crate::sim::{EntityKind, EntityState, Snapshot};

/// A player as the world holds it (unquantized).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PlayerView {
    pub player: PlayerId,
    pub entity: NetId,
    pub body: Body,
    /// Radians, `0..2π`.
    pub aim: f32,
    pub hp: u8,
    pub score: u16,
    pub dead: bool,
    /// Ticks until this player may fire again.
    pub cooldown: u32,
}

pub(super) fn entity_state(entity: &Entity) -> EntityState {
    let mut state = EntityState {
        x: quantize_pos(entity.body.pos.x),
        y: quantize_pos(entity.body.pos.y),
        ..EntityState::new(entity.id, EntityKind::Drone)
    };
    match &entity.kind {
        Kind::Drone(_) => {}
        Kind::Player(p) => {
            state.kind = EntityKind::Player;
            state.vx = quantize_vel(entity.body.vel.x);
            state.vy = quantize_vel(entity.body.vel.y);
            state.angle = quantize_angle(p.aim);
            state.hp = p.hp;
            state.score = p.score;
            state.flags = if p.alive() { 0 } else { EntityState::FLAG_DEAD };
            state.owner = p.player.0;
        }
        Kind::Projectile(shot) => {
            state.kind = EntityKind::Projectile;
            state.vx = quantize_vel(entity.body.vel.x);
            state.vy = quantize_vel(entity.body.vel.y);
            state.owner = shot.owner.0;
        }
    }
    state
}

impl World {
    /// The quantized visible world at this tick, entities sorted by [`NetId`].
    pub fn snapshot(&self) -> Snapshot {
        let mut entities: Vec<EntityState> = self
            .drones
            .iter()
            .chain(self.players.values())
            .chain(self.projectiles.iter())
            .filter_map(|key| self.entities.get(*key))
            .map(entity_state)
            .collect();
        // Drones, then players, then projectiles are each (nearly) sorted runs,
        // which the stable sort merges in about linear time.
        entities.sort_by_key(|e| e.id);
        Snapshot {
            tick: self.tick,
            entities,
        }
    }

    /// A stable 64-bit hash of the whole state (FNV-1a over exact bits, entities in
    /// `NetId` order): equal for equal states on every machine and Rust version.
    pub fn state_hash(&self) -> u64 {
        let mut h = Fnv64::default();
        h.u32(self.tick.0);
        h.u32(self.next_id);
        h.u32(self.spawn_cursor);
        h.u64(self.rng.state());
        h.u64(self.entities.len() as u64);
        let mut order: Vec<&Entity> = self.entities.values().collect();
        order.sort_unstable_by_key(|e| e.id);
        for e in order {
            h.u32(e.id.0);
            h.u8(e.kind.tag());
            h.f32(e.body.pos.x);
            h.f32(e.body.pos.y);
            h.f32(e.body.vel.x);
            h.f32(e.body.vel.y);
            match &e.kind {
                Kind::Player(p) => {
                    h.u32(p.player.0);
                    h.u8(p.input.buttons.0);
                    h.f32(p.input.aim);
                    h.f32(p.aim);
                    h.u8(p.hp);
                    h.u16(p.score);
                    h.u32(p.cooldown);
                    h.u32(p.respawn_at.map_or(u32::MAX, |t| t.0));
                }
                Kind::Drone(d) => h.f32(d.heading),
                Kind::Projectile(s) => {
                    h.u32(s.owner.0);
                    h.u32(s.ticks_left);
                    h.u32(s.rewind);
                }
            }
        }
        h.finish()
    }

    /// `player`'s state, if present.
    pub fn player(&self, player: PlayerId) -> Option<PlayerView> {
        let entity = self.entities.get(*self.players.get(&player)?)?;
        let Kind::Player(p) = &entity.kind else {
            return None;
        };
        Some(PlayerView {
            player,
            entity: entity.id,
            body: entity.body,
            aim: p.aim,
            hp: p.hp,
            score: p.score,
            dead: !p.alive(),
            cooldown: p.cooldown,
        })
    }

    /// Present players, in `PlayerId` order.
    pub fn player_ids(&self) -> impl Iterator<Item = PlayerId> + '_ {
        self.players.keys().copied()
    }

    /// Every player's state, in `PlayerId` order.
    pub fn players(&self) -> impl Iterator<Item = PlayerView> + '_ {
        self.players.keys().filter_map(|id| self.player(*id))
    }

    /// Drones with their bodies, in `NetId` order.
    pub fn drones(&self) -> impl Iterator<Item = (NetId, Body)> + '_ {
        self.drones
            .iter()
            .filter_map(|k| self.entities.get(*k))
            .map(|e| (e.id, e.body))
    }

    pub fn drone_count(&self) -> usize {
        self.drones.len()
    }
    pub fn projectile_count(&self) -> usize {
        self.projectiles.len()
    }
    /// All entities: players, drones and projectiles.
    pub fn entity_count(&self) -> usize {
        self.entities.len()
    }
}
