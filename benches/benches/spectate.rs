//! criterion benchmarks of the spectator feed on the real arena: 1 000 NPC drones at
//! 60 Hz, spectator frames at 10 Hz (6 ticks apart). Measures what the per-room
//! spectator task does once per frame for all spectators together: build the
//! keyframe or delta event and render its SSE text. Prints the sizes once to stderr,
//! and the bytes one viewer receives per second of a 10 s stream (keyframes every
//! 5 s, as the live default).
//!
//! Run: `cargo bench -p tickcast-benches --bench spectate -- --warm-up-time 1 --measurement-time 3`
#![allow(clippy::unwrap_used, clippy::expect_used)]

use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;
use tickcast_shared::sim::Snapshot;
use tickcast_shared::sim::spectate::{Feed, MapView, binary_sse, delta_event, keyframe_event};
use tickcast_shared::sim::{Map, TickInput, World, WorldConfig};
use tickcast_shared::spectate::SseEvent;

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

/// SSE bytes per second one viewer gets over 10 s of the room (100 frames), in
/// the JSON and in the binary format.
fn stream_bytes_per_sec() -> (f64, f64) {
    let mut world = World::new(Map::default_map(), WorldConfig::new(TICK_RATE, DRONES), 42);
    let mut feed = Feed::new(MapView::of(&Map::default_map()), 60, 5 * TICK_RATE);
    let idle = TickInput::default();
    let (mut json, mut binary) = (0usize, 0usize);
    for t in 1..=10 * TICK_RATE {
        world.step(&idle);
        if t % FRAME_INTERVAL_TICKS == 0 {
            let (event, body) = feed.frame_both(world.snapshot());
            json += event.to_sse().len();
            binary += binary_sse(&event, &body).len();
        }
    }
    (json as f64 / 10.0, binary as f64 / 10.0)
}

fn benches(c: &mut Criterion) {
    let (json, binary) = stream_bytes_per_sec();
    eprintln!(
        "spectate, {DRONES} drones, 10 Hz, bytes per viewer per second: JSON {json:.0}, binary {binary:.0}"
    );
    let (before, after) = scene();
    let map = MapView::of(&Map::default_map());
    let keyframe = keyframe_event(&after, 60, &map, &[]).to_sse();
    let delta = delta_event(&before, &after).to_sse();
    eprintln!(
        "spectate, {DRONES} drones: keyframe {} bytes, delta after {FRAME_INTERVAL_TICKS} ticks {} bytes",
        keyframe.len(),
        delta.len()
    );
    c.bench_function("spectate keyframe event + SSE text, 1000 drones", |b| {
        b.iter(|| keyframe_event(black_box(&after), 60, &map, &[]).to_sse())
    });
    c.bench_function("spectate delta event + SSE text, 1000 drones", |b| {
        b.iter(|| delta_event(black_box(&before), black_box(&after)).to_sse())
    });
    c.bench_function(
        "spectate binary delta (range-coded, base64), 1000 drones",
        |b| {
            b.iter(|| {
                let event = delta_event(black_box(&before), black_box(&after));
                let body = tickcast_shared::sim::encode_delta(Some(&before), &after);
                binary_sse(&event, &body)
            })
        },
    );
}

criterion_group!(spectate, benches);
criterion_main!(spectate);
