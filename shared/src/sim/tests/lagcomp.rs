//! Lag compensation, in the World alone: a target crossing the shooter's view at
//! 150 ms round trip and 100 ms interpolation.
//!
//! The shooter sees the world `4.5 + 6` ticks late (half the round trip, then the
//! interpolation delay), and its input reaches the server another 4.5 ticks later:
//! its shot is resolved 15 ticks (250 ms at 60 Hz) back. It aims the way a player
//! does at what it sees: at the target as drawn, leading it by its drawn speed over
//! the projectile's flight.

use super::{input, join};
use crate::protocol::{PlayerId, Tick};
use crate::sim::Buttons;
use crate::sim::{Map, TickInput, World, WorldConfig};

/// 150 ms round trip and 100 ms interpolation at 60 Hz: (75 + 75 + 100) ms.
const REWIND: u32 = 15;
/// Projectile speed per tick at 60 Hz (900 units/s).
const SHOT_PER_TICK: f32 = 15.0;
const SHOOTER: PlayerId = PlayerId(1);
const TARGET: PlayerId = PlayerId(2);

/// The shooter stands at (300, 1000); the target spawns at (600, 400) and runs up
/// across the shooter's line of sight.
fn crossing() -> World {
    let map = Map::parse("size 2000 2000\nspawn 300 1000\nspawn 600 400\n").unwrap();
    let mut world = World::new(map, WorldConfig::new(60, 0), 3);
    world.step(&join(1));
    world.step(&join(2));
    world
}

fn run_up() -> (PlayerId, crate::sim::PlayerInput) {
    (TARGET, input(Buttons::UP, 0.0))
}

/// Let the target run up until its position `seen_ago` ticks ago is level with the
/// shooter (about); returns the tick it is then.
fn until_crossing(world: &mut World, seen_ago: u32) -> Tick {
    loop {
        world.step(&TickInput {
            inputs: vec![run_up()],
            ..TickInput::default()
        });
        let seen = Tick(world.tick().0.saturating_sub(seen_ago));
        if world
            .history()
            .position(seen, TARGET)
            .is_some_and(|p| p.y >= 1000.0)
        {
            return world.tick();
        }
    }
}

/// The aim that meets the target as seen `seen_ago` ticks before the next tick,
/// leading it by its seen speed (the shot moves in the tick it is fired).
fn aim_at_seen(world: &World, seen_ago: u32) -> f32 {
    let next = world.tick().0 + 1;
    let at = |ago: u32| {
        world
            .history()
            .position(Tick(next - ago), TARGET)
            .expect("target held in the history")
    };
    let seen = at(seen_ago);
    let velocity = seen - at(seen_ago + 1);
    let shooter = world.player(SHOOTER).unwrap().body.pos;
    // Smallest k with |seen + velocity * k - shooter| <= SHOT_PER_TICK * k.
    let k = (1..200)
        .map(|k| k as f32)
        .find(|k| (seen + velocity * *k - shooter).length() <= SHOT_PER_TICK * k)
        .unwrap();
    let to = seen + velocity * k - shooter;
    libm::atan2f(to.y, to.x)
}

/// Fire once with `aim` and `rewind`, then let the shot fly while the target runs
/// on; true when the target was hit.
fn shot_hits(mut world: World, aim: f32, rewind: Option<u32>) -> bool {
    let hp = world.player(TARGET).unwrap().hp;
    world.step(&TickInput {
        inputs: vec![(SHOOTER, input(Buttons::FIRE, aim)), run_up()],
        rewinds: rewind.map(|r| vec![(SHOOTER, r)]).unwrap_or_default(),
        ..TickInput::default()
    });
    for _ in 0..60 {
        world.step(&TickInput {
            inputs: vec![(SHOOTER, input(0, aim)), run_up()],
            ..TickInput::default()
        });
    }
    world.player(TARGET).unwrap().hp < hp
}

#[test]
fn the_shot_aimed_at_the_target_as_seen_hits_with_compensation_and_misses_without() {
    let mut world = crossing();
    until_crossing(&mut world, REWIND);
    assert!(world.history().len() as u32 > REWIND, "a second is kept");
    let aim = aim_at_seen(&world, REWIND);
    assert!(
        shot_hits(world.clone(), aim, Some(REWIND)),
        "compensated: hits the target where the shooter saw it"
    );
    assert!(
        !shot_hits(world, aim, None),
        "uncompensated: the target has moved on 15 ticks (75 units)"
    );
}

#[test]
fn a_rewind_clamped_to_250_ms_resolves_there_not_at_600_ms() {
    // A shot stamped 600 ms (36 ticks) old arrives as the room's clamp, 15 ticks.
    let mut world = crossing();
    until_crossing(&mut world, 36);
    let aimed_at_600 = aim_at_seen(&world, 36);
    let aimed_at_250 = aim_at_seen(&world, REWIND);
    assert!(
        !shot_hits(world.clone(), aimed_at_600, Some(REWIND)),
        "the world of 600 ms ago is not where it is resolved"
    );
    assert!(
        shot_hits(world, aimed_at_250, Some(REWIND)),
        "the world of 250 ms ago is"
    );
}

#[test]
fn a_rewind_beyond_the_history_is_clamped_to_its_oldest_tick() {
    let mut a = crossing();
    until_crossing(&mut a, REWIND);
    let oldest = a.history().rewound_tick(a.tick(), u32::MAX).unwrap();
    assert_eq!(oldest.0, a.tick().0 - 60, "one second back, no further");
}
