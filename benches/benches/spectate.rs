//! criterion benchmarks of the spectator feed on the real arena: 1 000 NPC drones at
//! 60 Hz, spectator frames at 10 Hz (6 ticks apart). Measures what the per-room
//! spectator task does once per frame for all spectators together: build the
//! keyframe or delta event and render its SSE text. Prints the sizes once to stderr.
//!
//! Run: `cargo bench -p tickcast-benches --bench spectate -- --warm-up-time 1 --measurement-time 3`
#![allow(clippy::unwrap_used, clippy::expect_used)]

use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;
use tickcast_shared::codec::Snapshot;
use tickcast_shared::sim::{Map, TickInput, World, WorldConfig};
use tickcast_shared::spectate::{MapView, delta_event, keyframe_event};

const DRONES: u32 = 1000;
const TICK_RATE: u32 = 60;
/// Sim ticks per 10 Hz spectator frame.
const FRAME_INTERVAL_TICKS: u32 = 6;

fn scene() -> (Snapshot, Snapshot) {
    let mut world = World::new(Map::default_map(), WorldConfig::new(TICK_RATE, DRONES), 42);
    let idle = TickInput::default();
    for _ in 0..TICK_RATE {
        world.step(&idle);
    }
    let before = world.snapshot();
    for _ in 0..FRAME_INTERVAL_TICKS {
        world.step(&idle);
    }
    (before, world.snapshot())
}

fn benches(c: &mut Criterion) {
    let (before, after) = scene();
    let map = MapView::of(&Map::default_map());
    let keyframe = keyframe_event(&after, 60, &map).to_sse();
    let delta = delta_event(&before, &after).to_sse();
    eprintln!(
        "spectate, {DRONES} drones: keyframe {} bytes, delta after {FRAME_INTERVAL_TICKS} ticks {} bytes",
        keyframe.len(),
        delta.len()
    );
    c.bench_function("spectate keyframe event + SSE text, 1000 drones", |b| {
        b.iter(|| keyframe_event(black_box(&after), 60, &map).to_sse())
    });
    c.bench_function("spectate delta event + SSE text, 1000 drones", |b| {
        b.iter(|| delta_event(black_box(&before), black_box(&after)).to_sse())
    });
}

criterion_group!(spectate, benches);
criterion_main!(spectate);
