//! criterion benchmarks of the simulation: one `World::step` of the default arena
//! with 16 players moving, aiming and firing, and 0 / 1 000 / 10 000 drones.
//!
//! Run: `cargo bench -p tickcast-benches --bench sim -- --warm-up-time 1 --measurement-time 3`
#![allow(clippy::unwrap_used, clippy::expect_used)]

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;
use tickcast_shared::protocol::{PlayerId};
use tickcast_shared::sim::{Buttons, PlayerInput};
use tickcast_shared::sim::{Map, TickInput, World, WorldConfig};

const PLAYERS: u32 = 16;
/// Length of the input script the benchmark cycles through (4 s at 60 Hz).
const SCRIPT_TICKS: u32 = 240;

/// Tick `t` of a script: every player holds fire, sweeps its aim and changes
/// direction every 40 ticks.
fn script(t: u32) -> TickInput {
    let dirs = [
        Buttons::UP,
        Buttons::UP | Buttons::RIGHT,
        Buttons::RIGHT,
        Buttons::DOWN | Buttons::RIGHT,
        Buttons::DOWN,
        Buttons::DOWN | Buttons::LEFT,
        Buttons::LEFT,
        Buttons::UP | Buttons::LEFT,
    ];
    let inputs = (0..PLAYERS)
        .map(|p| {
            let dir = dirs[((t / 40 + p) % 8) as usize];
            let input = PlayerInput {
                buttons: Buttons(dir | Buttons::FIRE),
                aim: (t as f32 * 0.03 + p as f32 * 0.4) % core::f32::consts::TAU,
            };
            (PlayerId(p), input)
        })
        .collect();
    TickInput {
        inputs,
        ..TickInput::default()
    }
}

/// A world with all players joined and a few seconds played, so projectiles are in
/// flight and deaths/respawns happen during measurement.
fn warmed_world(drones: u32) -> World {
    let mut world = World::new(Map::default_map(), WorldConfig::new(60, drones), 0x7c);
    world.step(&TickInput {
        joins: (0..PLAYERS).map(PlayerId).collect(),
        ..TickInput::default()
    });
    for t in 0..SCRIPT_TICKS {
        world.step(&script(t));
    }
    world
}

fn step(c: &mut Criterion) {
    let scripts: Vec<TickInput> = (0..SCRIPT_TICKS).map(script).collect();
    let mut group = c.benchmark_group("world_step_16_players");
    for drones in [0u32, 1_000, 10_000] {
        let mut world = warmed_world(drones);
        let mut t = 0usize;
        group.throughput(Throughput::Elements(1));
        group.bench_with_input(BenchmarkId::new("drones", drones), &drones, |b, _| {
            b.iter(|| {
                let events = world.step(&scripts[t % scripts.len()]);
                t += 1;
                black_box(events)
            })
        });
        assert!(world.projectile_count() > 0, "the players are firing");
    }
    group.finish();
}

fn snapshot(c: &mut Criterion) {
    let mut group = c.benchmark_group("world_snapshot_16_players");
    for drones in [1_000u32, 10_000] {
        let world = warmed_world(drones);
        group.bench_with_input(BenchmarkId::new("drones", drones), &drones, |b, _| {
            b.iter(|| black_box(world.snapshot()))
        });
    }
    group.finish();
}

criterion_group!(all, step, snapshot);
criterion_main!(all);
