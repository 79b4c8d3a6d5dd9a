//! criterion benchmarks of the snapshot codec on the real arena: 1 000 NPC drones in
//! the default map at 60 Hz; `encode_delta` / `apply_delta` for a keyframe and for a
//! delta after one 20 Hz send interval (3 ticks). Prints the sizes once to stderr.
//! The `rows_*` functions code the same scene as the engine does since the Game API
//! (rows of the arena's schema through `encode_rows` / `apply_rows`), for a
//! side-by-side comparison in one run; the bytes are identical.
//!
//! Run: `cargo bench -p tickcast-benches --bench codec -- --warm-up-time 1 --measurement-time 3`
#![allow(clippy::unwrap_used, clippy::expect_used)]

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;
use tickcast_shared::codec::{DeltaLimits, apply_rows, encode_rows};
use tickcast_shared::sim::schema::arena_codec;
use tickcast_shared::sim::{Map, TickInput, World, WorldConfig, legacy};
use tickcast_shared::sim::{Snapshot, apply_delta, encode_delta};

const DRONES: u32 = 1000;
const TICK_RATE: u32 = 60;
/// Sim ticks per 20 Hz send.
const SEND_INTERVAL_TICKS: u32 = 3;

/// Two snapshots one send interval apart, after a second of warm-up.
fn scene() -> (Snapshot, Snapshot) {
    let config = WorldConfig::new(TICK_RATE, DRONES);
    let mut world = World::new(Map::default_map(), config, 42);
    let idle = TickInput::default();
    for _ in 0..TICK_RATE {
        world.step(&idle);
    }
    let before = world.snapshot();
    for _ in 0..SEND_INTERVAL_TICKS {
        world.step(&idle);
    }
    (before, world.snapshot())
}

fn benches(c: &mut Criterion) {
    let (before, after) = scene();
    let keyframe = encode_delta(None, &after);
    let delta = encode_delta(Some(&before), &after);
    assert_eq!(apply_delta(None, &keyframe).unwrap(), after);
    assert_eq!(apply_delta(Some(&before), &delta).unwrap(), after);
    let moved = before
        .entities
        .iter()
        .zip(&after.entities)
        .filter(|(a, b)| (a.x, a.y) != (b.x, b.y))
        .count();
    eprintln!(
        "codec, {DRONES} drones, {SEND_INTERVAL_TICKS} ticks at {TICK_RATE} Hz: keyframe {} bytes \
         ({:.1} bits/drone), delta {} bytes, {moved} moved, {:.2} bits per moved drone",
        keyframe.len(),
        keyframe.len() as f64 * 8.0 / after.entities.len() as f64,
        delta.len(),
        delta.len() as f64 * 8.0 / moved.max(1) as f64,
    );

    let mut group = c.benchmark_group("codec_1000_drones");
    group.throughput(Throughput::Elements(u64::from(DRONES)));
    group.bench_function("encode_keyframe", |b| {
        b.iter(|| encode_delta(None, black_box(&after)))
    });
    group.bench_function("apply_keyframe", |b| {
        b.iter(|| apply_delta(None, black_box(&keyframe)))
    });
    group.bench_function("encode_delta_3_ticks", |b| {
        b.iter(|| encode_delta(Some(black_box(&before)), black_box(&after)))
    });
    group.bench_function("apply_delta_3_ticks", |b| {
        b.iter(|| apply_delta(Some(black_box(&before)), black_box(&delta)))
    });
    let (row_before, row_after) = (legacy::rows(&before), legacy::rows(&after));
    let codec = arena_codec();
    let limits = DeltaLimits::default();
    assert_eq!(encode_rows(codec, None, &row_after).unwrap(), keyframe);
    assert_eq!(
        encode_rows(codec, Some(&row_before), &row_after).unwrap(),
        delta
    );
    group.bench_function("rows_encode_keyframe", |b| {
        b.iter(|| encode_rows(codec, None, black_box(&row_after)))
    });
    group.bench_function("rows_apply_keyframe", |b| {
        b.iter(|| apply_rows(codec, None, black_box(&keyframe), &limits))
    });
    group.bench_function("rows_encode_delta_3_ticks", |b| {
        b.iter(|| encode_rows(codec, Some(black_box(&row_before)), black_box(&row_after)))
    });
    group.bench_function("rows_apply_delta_3_ticks", |b| {
        b.iter(|| {
            apply_rows(
                codec,
                Some(black_box(&row_before)),
                black_box(&delta),
                &limits,
            )
        })
    });
    group.finish();
}

criterion_group!(all, benches);
criterion_main!(all);
