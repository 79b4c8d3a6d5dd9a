use super::{input, inputs, join};
use crate::protocol::{PlayerId, Tick};
use crate::sim::{Buttons, GameEvent};
use crate::sim::{EntityKind, EntityState};
use crate::sim::{Map, Rules, TickInput, World, WorldConfig};
use glam::Vec2;

const DUEL_MAP: &str = "size 1000 1000\nspawn 200 500\nspawn 800 500\n";

fn rules() -> Rules {
    Rules {
        max_hp: 100,
        projectile_damage: 25,
        projectile_speed: 900.0,
        projectile_lifetime_ticks: 90,
        fire_cooldown_ticks: 12,
        respawn_delay_ticks: 30,
        ..Rules::default()
    }
}

fn duel(map: &str, drones: u32) -> World {
    let config = WorldConfig {
        tick_rate: 60,
        drones,
        rules: rules(),
    };
    let mut world = World::new(Map::parse(map).unwrap(), config, 1);
    world.step(&join(1));
    world.step(&join(2));
    world
}

/// Player 1 holds fire aiming at +x (towards player 2) for `ticks` ticks; returns
/// every event with its tick.
fn shoot_right(world: &mut World, ticks: usize) -> Vec<(Tick, GameEvent)> {
    let mut log = Vec::new();
    for _ in 0..ticks {
        let events = world.step(&inputs(&[(1, input(Buttons::FIRE, 0.0))]));
        log.extend(events.into_iter().map(|e| (world.tick(), e)));
    }
    log
}

#[test]
fn joins_take_the_spawn_farthest_from_living_players() {
    let world = duel(DUEL_MAP, 0);
    assert_eq!(
        world.player(PlayerId(1)).unwrap().body.pos,
        Vec2::new(200.0, 500.0)
    );
    assert_eq!(
        world.player(PlayerId(2)).unwrap().body.pos,
        Vec2::new(800.0, 500.0)
    );
}

#[test]
fn fire_respects_the_cooldown() {
    let mut world = duel(DUEL_MAP, 0);
    // Aim straight up from (200,500): 500 units of open space, alive ~33 ticks.
    for t in 1..=30u32 {
        world.step(&inputs(&[(
            1,
            input(Buttons::FIRE, core::f32::consts::FRAC_PI_2),
        )]));
        assert_eq!(
            world.projectile_count(),
            t.div_ceil(12) as usize,
            "tick {t}"
        );
    }
    // Releasing fire stops shooting.
    let before = world.projectile_count();
    for _ in 0..12 {
        world.step(&inputs(&[(1, input(0, 0.0))]));
    }
    assert!(world.projectile_count() < before + 1);
    let owner = world
        .snapshot()
        .entities
        .iter()
        .filter(|e| e.kind == EntityKind::Projectile)
        .all(|e| e.owner == 1);
    assert!(owner);
}

#[test]
fn projectiles_expire_after_their_lifetime() {
    let config = WorldConfig {
        rules: Rules {
            projectile_lifetime_ticks: 5,
            fire_cooldown_ticks: 100,
            ..rules()
        },
        ..WorldConfig::default()
    };
    let mut world = World::new(Map::parse(DUEL_MAP).unwrap(), config, 1);
    world.step(&join(1));
    world.step(&inputs(&[(
        1,
        input(Buttons::FIRE, core::f32::consts::FRAC_PI_2),
    )]));
    let shot = *world
        .snapshot()
        .entities
        .iter()
        .find(|e| e.kind == EntityKind::Projectile)
        .unwrap();
    assert_eq!(shot.vx, 0);
    assert_eq!(shot.vy, 900 * 8);
    for _ in 0..4 {
        world.step(&TickInput::default());
        assert_eq!(world.projectile_count(), 1);
    }
    world.step(&TickInput::default());
    assert_eq!(world.projectile_count(), 0);
}

#[test]
fn hits_damage_kill_score_and_respawn_after_the_delay() {
    let mut world = duel(DUEL_MAP, 0);
    let victim_entity = world.player_entity(PlayerId(2)).unwrap();
    let log = shoot_right(&mut world, 120);
    let kills: Vec<_> = log
        .iter()
        .filter(|(_, e)| matches!(e, GameEvent::Kill { .. }))
        .collect();
    assert_eq!(kills.len(), 1, "{log:?}");
    let (kill_tick, kill) = kills[0];
    assert_eq!(
        *kill,
        GameEvent::Kill {
            killer: PlayerId(1),
            victim: PlayerId(2)
        }
    );
    // First shot at tick 3, 580 units of flight at 15 units/tick (39 moves) hits at
    // tick 41; the fourth hit, 3 cooldowns of 12 ticks later, kills.
    assert_eq!(*kill_tick, Tick(41 + 36));

    let respawn = log
        .iter()
        .find(|(_, e)| matches!(e, GameEvent::Respawn { .. }))
        .unwrap();
    assert_eq!(respawn.0, Tick(kill_tick.0 + 30));
    assert_eq!(
        respawn.1,
        GameEvent::Respawn {
            player: PlayerId(2),
            entity: victim_entity
        }
    );
    assert_eq!(world.player(PlayerId(1)).unwrap().score, 1);
}

#[test]
fn hp_drops_per_hit_and_a_dead_player_shows_dead() {
    let mut world = duel(DUEL_MAP, 0);
    let mut seen_hp = vec![100u8];
    let mut dead_state: Option<EntityState> = None;
    for _ in 0..120 {
        shoot_right(&mut world, 1);
        let p2 = world.player(PlayerId(2)).unwrap();
        if seen_hp.last() != Some(&p2.hp) {
            seen_hp.push(p2.hp);
        }
        if p2.dead {
            let id = world.player_entity(PlayerId(2)).unwrap();
            dead_state = world.snapshot().get(id).copied();
            break;
        }
    }
    assert_eq!(seen_hp, vec![100, 75, 50, 25, 0]);
    let dead = dead_state.expect("player 2 died");
    assert_eq!(dead.flags, EntityState::FLAG_DEAD);
    assert_eq!(dead.hp, 0);
    assert_eq!(dead.owner, 2);
    // While dead: no further hits, no movement, no firing.
    let at = world.player(PlayerId(2)).unwrap().body.pos;
    world.step(&inputs(&[(2, input(Buttons::LEFT | Buttons::FIRE, 0.0))]));
    let p2 = world.player(PlayerId(2)).unwrap();
    assert_eq!(p2.body.pos, at);
    assert!(p2.dead);
    assert!(
        world
            .snapshot()
            .entities
            .iter()
            .all(|e| e.kind != EntityKind::Projectile || e.owner == 1)
    );
}

#[test]
fn walls_stop_shots() {
    let map = format!("{DUEL_MAP}wall 480 0 40 1000\n");
    let mut world = duel(&map, 0);
    let log = shoot_right(&mut world, 200);
    assert!(log.is_empty(), "{log:?}");
    assert_eq!(world.player(PlayerId(2)).unwrap().hp, 100);
    // Shots die at the wall: at most the ones still crossing 280 units of floor.
    assert!(
        world.projectile_count() <= 2,
        "{}",
        world.projectile_count()
    );
}

#[test]
fn shots_pass_through_drones() {
    let kill_tick = |drones: u32| {
        let mut world = duel(DUEL_MAP, drones);
        let log = shoot_right(&mut world, 120);
        log.into_iter()
            .find(|(_, e)| matches!(e, GameEvent::Kill { .. }))
            .map(|(t, _)| t)
    };
    assert!(kill_tick(0).is_some());
    assert_eq!(kill_tick(0), kill_tick(2_000));
}

#[test]
fn leaving_removes_the_player_and_its_shots() {
    let mut world = duel(DUEL_MAP, 0);
    shoot_right(&mut world, 3);
    assert_eq!(world.projectile_count(), 1);
    let events = world.step(&TickInput {
        leaves: vec![PlayerId(1), PlayerId(1), PlayerId(9)],
        ..TickInput::default()
    });
    assert_eq!(
        events,
        vec![GameEvent::Left {
            player: PlayerId(1)
        }]
    );
    assert_eq!(world.projectile_count(), 0);
    assert_eq!(world.player_entity(PlayerId(1)), None);
    assert_eq!(world.player_ids().collect::<Vec<_>>(), vec![PlayerId(2)]);
}

#[test]
fn duplicate_joins_and_unknown_inputs_are_ignored() {
    let mut world = duel(DUEL_MAP, 0);
    let entity = world.player_entity(PlayerId(1));
    let events = world.step(&TickInput {
        joins: vec![PlayerId(1)],
        inputs: vec![(PlayerId(7), input(Buttons::FIRE, 0.0))],
        ..TickInput::default()
    });
    assert!(events.is_empty());
    assert_eq!(world.player_entity(PlayerId(1)), entity);
    assert_eq!(world.projectile_count(), 0);
}

#[test]
fn first_input_of_a_player_wins_and_inputs_persist() {
    let mut world = duel(DUEL_MAP, 0);
    world.step(&inputs(&[
        (1, input(Buttons::RIGHT, 0.0)),
        (1, input(Buttons::LEFT, 0.0)),
    ]));
    let p1 = world.player(PlayerId(1)).unwrap();
    assert!(p1.body.vel.x > 0.0);
    // No input next tick: the held RIGHT stays held.
    world.step(&TickInput::default());
    assert!(world.player(PlayerId(1)).unwrap().body.vel.x > p1.body.vel.x);
}
