//! `tests/browser/golden/sdk.json`: vectors for the game-agnostic browser SDK
//! (`assets/web/sdk`), written through the public row codec API only.
//!
//! For two schemas, the arena's and a ball game with other kinds and every field
//! codec (`sdk_ballgame`): the canonical descriptor and its hash, row
//! snapshots with the delta bodies that code them (keyframes, deltas, entities added,
//! removed and changing kind, values at the limits of their domains and outside
//! them), and hostile bodies (truncated, mutated, against the wrong baseline, over
//! the entity limit) with what `apply_rows` makes of them: rows, or the error kind
//! and detail. `sdk_descriptors` adds descriptors with the error `Schema::from_json`
//! reports.
//!
//! The file is written one vector per line (compact JSON) so a diff names the
//! vector that changed.

use super::sdk_ballgame::{SPARK, ball_edges, ball_match, ball_out_of_domain, ball_schema};
use super::sdk_descriptors::descriptor_vectors;
use super::sdk_hostile::hostile_vectors;
use crate::{check_or_bless, hex};
use serde_json::{Value, json};
use tickcast_shared::codec::{
    CodedEntity, DeltaLimits, Row, RowCodec, RowSnapshot, apply_rows, encode_rows,
};
use tickcast_shared::protocol::{PlayerId, Tick};
use tickcast_shared::schema::{Schema, SchemaError};
use tickcast_shared::sim::schema::arena_schema;
use tickcast_shared::sim::{Buttons, PlayerInput};
use tickcast_shared::sim::{Map, TickInput, World, WorldConfig};

/// The arena's rows from a real match (as `deltas.json`), every 6th tick.
fn arena_match() -> Vec<RowSnapshot> {
    let mut world = World::new(Map::default_map(), WorldConfig::new(60, 12), 11);
    let mut out = Vec::new();
    for t in 0..=150u32 {
        let mut input = TickInput::default();
        if t == 2 {
            input.joins = vec![PlayerId(1), PlayerId(2)];
        }
        if t == 100 {
            input.leaves = vec![PlayerId(2)];
        }
        let held = |bits| PlayerInput {
            buttons: Buttons(bits),
            aim: t as f32 * 0.07,
        };
        input.inputs = vec![
            (PlayerId(1), held(Buttons::RIGHT | Buttons::FIRE)),
            (
                PlayerId(2),
                held(Buttons::LEFT | Buttons::DOWN | Buttons::FIRE),
            ),
        ];
        if t > 0 {
            world.step(&input);
        }
        if t % 6 == 0 {
            let snapshot = world.snapshot();
            let rows = snapshot.entities.iter().map(arena_row).collect();
            out.push(RowSnapshot {
                tick: snapshot.tick,
                rows,
            });
        }
    }
    out
}

fn arena_row(e: &tickcast_shared::sim::EntityState) -> Row {
    let mut row = Row::new(e.id(), e.kind_index() as u8);
    for (slot, v) in row.values.iter_mut().zip(e.values()) {
        *slot = v;
    }
    row
}

/// A descriptor's error as the JS SDK names it (`SchemaError.kind`).
pub fn error_kind(e: &SchemaError) -> &'static str {
    match e {
        SchemaError::UnsupportedFormat { .. } => "unsupported_format",
        SchemaError::BadName { .. } => "bad_name",
        SchemaError::ReservedName { .. } => "reserved_name",
        SchemaError::DuplicateName { .. } => "duplicate_name",
        SchemaError::BadDescription { .. } => "bad_description",
        SchemaError::NoKinds => "no_kinds",
        SchemaError::TooManyKinds { .. } => "too_many_kinds",
        SchemaError::TooManyEvents { .. } => "too_many_events",
        SchemaError::NoFields { .. } => "no_fields",
        SchemaError::TooManyFields { .. } => "too_many_fields",
        SchemaError::BadField { .. } => "bad_field",
        SchemaError::TooLarge { .. } => "too_large",
        SchemaError::Json(_) => "json",
    }
}

/// Rows as JSON, each with only the values of its kind's layout.
pub fn rows_json(schema: &Schema, snapshot: &RowSnapshot) -> Value {
    let rows: Vec<Value> = snapshot
        .rows
        .iter()
        .map(|r| {
            let n = schema.kind(usize::from(r.kind)).map_or(0, |k| k.values());
            json!({ "id": r.id.0, "kind": r.kind, "values": &r.values[..n] })
        })
        .collect();
    json!({ "tick": snapshot.tick.0, "rows": rows })
}

pub fn baseline_json(schema: &Schema, baseline: Option<&RowSnapshot>) -> Value {
    baseline.map_or(Value::Null, |b| rows_json(schema, b))
}

/// One vector: encode `current` against `baseline`, decode it back, record both.
fn case(
    schema: &Schema,
    codec: &RowCodec,
    name: &str,
    baseline: Option<&RowSnapshot>,
    current: &RowSnapshot,
) -> (Value, Vec<u8>) {
    let body = encode_rows(codec, baseline, current).unwrap();
    let decoded = apply_rows(codec, baseline, &body, &DeltaLimits::default()).unwrap();
    let vector = json!({
        "name": name,
        "baseline": baseline_json(schema, baseline),
        "body": hex(&body),
        "expected": rows_json(schema, &decoded),
    });
    (vector, body)
}

/// A game's section of the file: descriptor, hash, cases and hostile vectors.
fn game_section(
    schema: &Schema,
    snapshots: &[RowSnapshot],
    extra: &[(String, Option<RowSnapshot>, RowSnapshot)],
) -> String {
    let codec = RowCodec::new(schema);
    let s = snapshots;
    let last = s.len() - 1;
    let empty = RowSnapshot {
        tick: s[last].tick,
        rows: vec![],
    };
    let mut plan: Vec<(String, Option<RowSnapshot>, RowSnapshot)> = vec![
        ("empty keyframe".into(), None, RowSnapshot::default()),
        ("first keyframe".into(), None, s[0].clone()),
        ("keyframe late in the match".into(), None, s[last].clone()),
        (
            "everything removed".into(),
            Some(s[last - 1].clone()),
            empty,
        ),
        (
            "nothing changed but the tick".into(),
            Some(s[3].clone()),
            RowSnapshot {
                tick: Tick(s[3].tick.0 + 9),
                rows: s[3].rows.clone(),
            },
        ),
        (
            "a stale baseline (8 sends)".into(),
            Some(s[2].clone()),
            s[10].clone(),
        ),
    ];
    let small = |snapshot: &RowSnapshot| RowSnapshot {
        tick: snapshot.tick,
        rows: snapshot.rows.iter().take(3).copied().collect(),
    };
    plan.push(("small keyframe".into(), None, small(&s[last])));
    plan.push((
        "small delta".into(),
        Some(small(&s[last - 1])),
        small(&s[last]),
    ));
    for i in 0..last {
        plan.push((
            format!("send {} -> {}", i, i + 1),
            Some(s[i].clone()),
            s[i + 1].clone(),
        ));
    }
    plan.extend(extra.iter().cloned());
    let mut cases = Vec::new();
    let mut bodies = Vec::new();
    for (name, baseline, current) in &plan {
        let (vector, body) = case(schema, &codec, name, baseline.as_ref(), current);
        cases.push(vector);
        bodies.push((name.clone(), baseline.clone(), body));
    }
    let hostile = hostile_vectors(schema, &codec, &bodies);
    let lines = |items: &[Value]| {
        items
            .iter()
            .map(|v| serde_json::to_string(v).unwrap())
            .collect::<Vec<_>>()
            .join(",\n")
    };
    format!(
        "{{\"name\":{},\"hash\":\"{}\",\"descriptor\":{},\n\"cases\":[\n{}\n],\n\"hostile\":[\n{}\n]}}",
        json!(schema.name()),
        schema.hash(),
        json!(schema.canonical_json()),
        lines(&cases),
        lines(&hostile),
    )
}

fn sdk_file() -> String {
    let arena = arena_schema();
    let arena_snaps = arena_match();
    let ball = ball_schema();
    let ball_snaps = ball_match(&ball);
    let (edge_a, edge_b) = ball_edges(&ball);
    let ball_extra = vec![
        (
            "values at the domain limits".into(),
            Some(edge_a.clone()),
            edge_b.clone(),
        ),
        ("keyframe at the domain limits".into(), None, edge_a.clone()),
        ("back from the limits".into(), Some(edge_b), edge_a),
        (
            "values outside their domains".into(),
            None,
            ball_out_of_domain(&ball),
        ),
    ];
    let descriptors: Vec<String> = descriptor_vectors()
        .iter()
        .map(|v| serde_json::to_string(v).unwrap())
        .collect();
    format!(
        "{{\"schemas\":[\n{},\n{}\n],\n\"descriptors\":[\n{}\n]}}\n",
        game_section(arena, &arena_snaps, &[]),
        game_section(&ball, &ball_snaps, &ball_extra),
        descriptors.join(",\n"),
    )
}

#[test]
fn sdk_vectors_match_the_codec() {
    let arena = arena_match();
    assert!(
        arena.iter().any(|s| s.rows.iter().any(|r| r.kind == 2)),
        "the arena match must exercise projectiles"
    );
    let ball = ball_schema();
    let snaps = ball_match(&ball);
    assert!(snaps.iter().any(|s| s.rows.iter().any(|r| r.kind == SPARK)));
    assert!(
        ball.kinds().iter().any(|k| k.fields.len() > 8),
        "two mask trees"
    );
    check_or_bless("tests/browser/golden/sdk.json", &sdk_file());
}

#[test]
fn arena_rows_code_as_the_arena_snapshot_path() {
    use tickcast_shared::sim::{Snapshot, encode_delta};
    let codec = RowCodec::new(arena_schema());
    let mut world = World::new(Map::default_map(), WorldConfig::new(60, 12), 3);
    let before = world.snapshot();
    world.step(&TickInput::default());
    let after = world.snapshot();
    let rows = |s: &Snapshot| RowSnapshot {
        tick: s.tick,
        rows: s.entities.iter().map(arena_row).collect(),
    };
    let by_rows = encode_rows(&codec, Some(&rows(&before)), &rows(&after)).unwrap();
    assert_eq!(by_rows, encode_delta(Some(&before), &after));
}
