//! Shots: firing with a cooldown, projectiles flying straight, stopping at walls
//! and the arena edge, hitting players (never their owner), damage, death and score.
//!
//! A projectile starts at the shooter's centre with velocity
//! `(cos aim, sin aim) * projectile_speed` and moves in the same tick it was fired.
//! Its path each tick is a swept segment (radius `projectile_radius`), so it never
//! tunnels: it stops at the earliest of a wall (expanded by its radius), the arena
//! edge, or a living player other than its owner (circle of radius
//! [`PLAYER_RADIUS`] + `projectile_radius`); a wall wins an exact tie. It lives for
//! `projectile_lifetime_ticks` moves. Drones are not hit: shots pass through them.
//! A shot fired with a rewind (lag compensation, [`super::history`]) meets the
//! players at their positions that many ticks ago, for its whole flight.

use super::collide::{segment_circle, segment_exit, segment_wall};
use super::entity::{EntityKey, Kind, ProjectileState};
use super::movement::{Body, PLAYER_RADIUS};
use super::world::World;
use crate::protocol::{PlayerId, Tick};
use crate::sim::{Buttons, GameEvent};
use glam::Vec2;

/// What a projectile's path ends at this tick.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Hit {
    Wall,
    Player(EntityKey),
}

impl World {
    /// Every living player holding fire whose cooldown is over shoots once, in
    /// `PlayerId` order; a shot keeps its shooter's entry of `rewinds` (the first).
    pub(super) fn fire(&mut self, rewinds: &[(PlayerId, u32)]) {
        let cooldown = self.config.rules.fire_cooldown_ticks;
        let mut shots: Vec<(PlayerId, Vec2, f32)> = Vec::new();
        for key in self.players.values() {
            let Some(entity) = self.entities.get_mut(*key) else {
                continue;
            };
            let Kind::Player(p) = &mut entity.kind else {
                continue;
            };
            if p.alive() && p.cooldown == 0 && p.input.buttons.has(Buttons::FIRE) {
                p.cooldown = cooldown;
                shots.push((p.player, entity.body.pos, p.aim));
            }
        }
        let speed = self.config.rules.projectile_speed;
        let lifetime = self.config.rules.projectile_lifetime_ticks;
        for (owner, pos, aim) in shots {
            let vel = Vec2::new(libm::cosf(aim), libm::sinf(aim)) * speed;
            let rewind = rewinds
                .iter()
                .find(|(p, _)| *p == owner)
                .map_or(0, |(_, r)| *r);
            let state = ProjectileState {
                owner,
                ticks_left: lifetime,
                rewind,
            };
            let (key, _) = self.insert(Body { pos, vel }, Kind::Projectile(state));
            self.projectiles.push(key);
        }
    }

    /// Move every projectile in `NetId` order; resolve hits and expiry.
    pub(super) fn move_projectiles(&mut self, events: &mut Vec<GameEvent>) {
        let mut spent: Vec<EntityKey> = Vec::new();
        for index in 0..self.projectiles.len() {
            let Some(&key) = self.projectiles.get(index) else {
                continue;
            };
            let Some(entity) = self.entities.get_mut(key) else {
                continue;
            };
            let Kind::Projectile(shot) = &mut entity.kind else {
                continue;
            };
            if shot.ticks_left == 0 {
                spent.push(key);
                continue;
            }
            shot.ticks_left -= 1;
            let owner = shot.owner;
            let seen = self.history.rewound_tick(self.tick, shot.rewind);
            let from = entity.body.pos;
            let delta = entity.body.vel * self.dt;
            match self.first_hit(from, delta, owner, seen) {
                Some(hit) => {
                    spent.push(key);
                    if let Hit::Player(victim) = hit {
                        self.damage(victim, owner, events);
                    }
                }
                None => {
                    if let Some(entity) = self.entities.get_mut(key) {
                        entity.body.pos = from + delta;
                    }
                }
            }
        }
        if !spent.is_empty() {
            for key in &spent {
                self.entities.remove(*key);
            }
            let entities = &self.entities;
            self.projectiles.retain(|k| entities.contains_key(*k));
        }
    }

    /// The earliest thing on the path `from -> from + delta` of a shot by `owner`,
    /// with the players where they were after tick `seen` (`None`: where they are).
    fn first_hit(
        &self,
        from: Vec2,
        delta: Vec2,
        owner: PlayerId,
        seen: Option<Tick>,
    ) -> Option<Hit> {
        let radius = self.config.rules.projectile_radius;
        let mut best: Option<(f32, Hit)> = None;
        let mut consider = |t: Option<f32>, hit: Hit| {
            if let Some(t) = t
                && best.is_none_or(|(b, _)| t < b)
            {
                best = Some((t, hit));
            }
        };
        for wall in &self.map.walls {
            consider(segment_wall(from, delta, radius, wall), Hit::Wall);
        }
        consider(segment_exit(from, delta, self.map.size), Hit::Wall);
        for (&player, &key) in &self.players {
            if player == owner {
                continue;
            }
            let Some(entity) = self.entities.get(key) else {
                continue;
            };
            if !matches!(&entity.kind, Kind::Player(p) if p.alive()) {
                continue;
            }
            let pos = match seen {
                None => Some(entity.body.pos),
                Some(tick) => self.history.position(tick, player),
            };
            if let Some(pos) = pos {
                let t = segment_circle(from, delta, pos, PLAYER_RADIUS + radius);
                consider(t, Hit::Player(key));
            }
        }
        best.map(|(_, hit)| hit)
    }

    /// Remember where the living players are after this step (for rewound shots).
    pub(super) fn remember_positions(&mut self) {
        let entities = &self.entities;
        let living = self.players.iter().filter_map(|(&player, &key)| {
            let entity = entities.get(key)?;
            matches!(&entity.kind, Kind::Player(p) if p.alive())
                .then_some((player, entity.body.pos))
        });
        self.history.record(self.tick, living);
    }

    /// `victim` takes one projectile's damage from `shooter`; at 0 hp it dies, the
    /// shooter scores and a `Kill` is emitted.
    fn damage(&mut self, victim: EntityKey, shooter: PlayerId, events: &mut Vec<GameEvent>) {
        let damage = self.config.rules.projectile_damage;
        let respawn_at = self.respawn_tick();
        let Some(entity) = self.entities.get_mut(victim) else {
            return;
        };
        let Kind::Player(p) = &mut entity.kind else {
            return;
        };
        p.hp = p.hp.saturating_sub(damage);
        if p.hp > 0 {
            return;
        }
        p.respawn_at = Some(respawn_at);
        entity.body.vel = Vec2::ZERO;
        let victim_id = p.player;
        let killer = self
            .players
            .get(&shooter)
            .and_then(|k| self.entities.get_mut(*k));
        if let Some(Kind::Player(k)) = killer.map(|e| &mut e.kind) {
            k.score = k.score.saturating_add(1);
        }
        events.push(GameEvent::Kill {
            killer: shooter,
            victim: victim_id,
        });
    }
}
