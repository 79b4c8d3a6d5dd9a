//! Players entering, leaving, respawning and moving; where they (re)spawn.

use super::entity::{Kind, PlayerState};
use super::movement::{Body, clamp_to_arena, move_player};
use super::world::World;
use crate::protocol::{PlayerId, Tick};
use crate::sim::{GameEvent, PlayerInput};
use glam::Vec2;

/// Make a received aim usable: non-finite values keep `previous`, others are
/// wrapped into `0..2π`.
fn sanitize_aim(aim: f32, previous: f32) -> f32 {
    if aim.is_finite() {
        let wrapped = aim.rem_euclid(core::f32::consts::TAU);
        // rem_euclid may round up to exactly TAU for tiny negative inputs.
        if wrapped < core::f32::consts::TAU {
            wrapped
        } else {
            0.0
        }
    } else {
        previous
    }
}

/// Sorted by `PlayerId`, duplicates removed.
fn sorted_ids(ids: &[PlayerId]) -> Vec<PlayerId> {
    let mut ids = ids.to_vec();
    ids.sort_unstable();
    ids.dedup();
    ids
}

impl World {
    pub(super) fn apply_leaves(&mut self, leaves: &[PlayerId], events: &mut Vec<GameEvent>) {
        for player in sorted_ids(leaves) {
            let Some(key) = self.players.remove(&player) else {
                continue;
            };
            self.entities.remove(key);
            let entities = &mut self.entities;
            self.projectiles.retain(|&k| {
                let owned = matches!(
                    entities.get(k).map(|e| &e.kind),
                    Some(Kind::Projectile(p)) if p.owner == player
                );
                if owned {
                    entities.remove(k);
                }
                !owned
            });
            events.push(GameEvent::Left { player });
        }
    }

    pub(super) fn apply_joins(&mut self, joins: &[PlayerId], events: &mut Vec<GameEvent>) {
        for player in sorted_ids(joins) {
            if self.players.contains_key(&player) {
                continue;
            }
            let pos = self.choose_spawn();
            let state = PlayerState {
                player,
                input: PlayerInput::default(),
                aim: 0.0,
                hp: self.config.rules.max_hp.max(1),
                score: 0,
                cooldown: 0,
                respawn_at: None,
            };
            let body = Body {
                pos,
                vel: Vec2::ZERO,
            };
            let (key, entity) = self.insert(body, Kind::Player(state));
            self.players.insert(player, key);
            events.push(GameEvent::Joined { player, entity });
        }
    }

    pub(super) fn respawn_due(&mut self, events: &mut Vec<GameEvent>) {
        let due: Vec<PlayerId> = self
            .players
            .iter()
            .filter(|(_, key)| {
                matches!(
                    self.entities.get(**key).map(|e| &e.kind),
                    Some(Kind::Player(p)) if p.respawn_at.is_some_and(|t| t <= self.tick)
                )
            })
            .map(|(id, _)| *id)
            .collect();
        for player in due {
            let pos = self.choose_spawn();
            let max_hp = self.config.rules.max_hp.max(1);
            let Some(entity) = self
                .players
                .get(&player)
                .and_then(|k| self.entities.get_mut(*k))
            else {
                continue;
            };
            if let Kind::Player(p) = &mut entity.kind {
                p.hp = max_hp;
                p.cooldown = 0;
                p.respawn_at = None;
            }
            entity.body = Body {
                pos,
                vel: Vec2::ZERO,
            };
            events.push(GameEvent::Respawn {
                player,
                entity: entity.id,
            });
        }
    }

    pub(super) fn apply_inputs(&mut self, inputs: &[(PlayerId, PlayerInput)]) {
        let mut inputs = inputs.to_vec();
        // Stable: for a player given several inputs, the first one stays first.
        inputs.sort_by_key(|(player, _)| *player);
        inputs.dedup_by_key(|(player, _)| *player);
        for (player, input) in inputs {
            let Some(key) = self.players.get(&player) else {
                continue;
            };
            if let Some(Kind::Player(p)) = self.entities.get_mut(*key).map(|e| &mut e.kind) {
                p.aim = sanitize_aim(input.aim, p.aim);
                p.input = PlayerInput {
                    aim: p.aim,
                    ..input
                };
            }
        }
    }

    /// Move living players in `PlayerId` order and count their cooldowns down.
    pub(super) fn move_players(&mut self) {
        for key in self.players.values() {
            let Some(entity) = self.entities.get_mut(*key) else {
                continue;
            };
            let Kind::Player(p) = &mut entity.kind else {
                continue;
            };
            p.cooldown = p.cooldown.saturating_sub(1);
            if p.alive() {
                move_player(&mut entity.body, &p.input, &self.map, self.dt);
            }
        }
    }

    /// A spawn position: the spawn point farthest from every living player; ties go
    /// to the first one at or after the round-robin cursor. The arena centre if the
    /// map has no spawn points.
    pub(super) fn choose_spawn(&mut self) -> Vec2 {
        let living: Vec<Vec2> = self
            .players
            .values()
            .filter_map(|k| self.entities.get(*k))
            .filter(|e| matches!(&e.kind, Kind::Player(p) if p.alive()))
            .map(|e| e.body.pos)
            .collect();
        let spawns = &self.map.spawns;
        let n = spawns.len();
        let mut best: Option<(f32, Vec2)> = None;
        for k in 0..n {
            let Some(&spawn) = spawns.get((self.spawn_cursor as usize + k) % n) else {
                continue;
            };
            let clearance = living
                .iter()
                .map(|p| p.distance_squared(spawn))
                .fold(f32::INFINITY, f32::min);
            if best.is_none_or(|(c, _)| clearance > c) {
                best = Some((clearance, spawn));
            }
        }
        self.spawn_cursor = self.spawn_cursor.wrapping_add(1);
        let pos = best.map_or(self.map.size * 0.5, |(_, p)| p);
        clamp_to_arena(pos, &self.map)
    }

    /// The tick at which a player who dies now respawns.
    pub(super) fn respawn_tick(&self) -> Tick {
        Tick(
            self.tick
                .0
                .saturating_add(self.config.rules.respawn_delay_ticks),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::sanitize_aim;

    #[test]
    fn aim_is_wrapped_and_non_finite_keeps_previous() {
        let tau = core::f32::consts::TAU;
        assert_eq!(sanitize_aim(f32::NAN, 1.0), 1.0);
        assert_eq!(sanitize_aim(f32::INFINITY, 2.0), 2.0);
        assert!((sanitize_aim(-0.5, 0.0) - (tau - 0.5)).abs() < 1e-6);
        assert!((sanitize_aim(tau + 1.0, 0.0) - 1.0).abs() < 1e-5);
        let tiny = sanitize_aim(-1e-9, 0.0);
        assert!((0.0..tau).contains(&tiny));
    }
}
