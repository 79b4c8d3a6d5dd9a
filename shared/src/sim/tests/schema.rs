//! The arena's schema: its frozen descriptor, its row layout against the
//! `EntityState` adapter, and the generic row path giving the arena's bytes.

use crate::codec::{CodedEntity, DeltaLimits};
use crate::codec::{Row, RowSnapshot, apply_rows, encode_rows};
use crate::protocol::{NetId, Tick};
use crate::schema::Schema;
use crate::sim::encode_delta;
use crate::sim::rows::{ARENA_VALUES, kind_index};
use crate::sim::schema::{arena_codec, arena_schema, build_arena_schema};
use crate::sim::{EntityKind, EntityState, Snapshot};
use crate::sim::{Map, TickInput, World, WorldConfig};

/// The arena's canonical descriptor (the file has one trailing newline). A change
/// here changes every client's schema check: make it on purpose, with the codec's
/// golden vectors in mind.
const ARENA_DESCRIPTOR: &str = include_str!("arena_schema.json");
/// The first 8 bytes of its SHA-256, as `sha256sum` computes them.
const ARENA_HASH: &str = "a347f279f3ca5308";

#[test]
fn arena_descriptor_is_frozen() {
    let schema = build_arena_schema().unwrap();
    let frozen = ARENA_DESCRIPTOR.trim_end();
    assert_eq!(schema.canonical_json(), frozen);
    assert_eq!(Schema::from_json(frozen).unwrap(), schema);
    assert_eq!(schema.hash().to_string(), ARENA_HASH);
    assert_eq!(arena_schema().hash(), schema.hash());
}

#[test]
fn arena_rows_follow_the_schema_layout() {
    let schema = arena_schema();
    let names = [
        "x", "y", "vx", "vy", "angle", "hp", "score", "flags", "owner",
    ];
    for kind in [
        EntityKind::Player,
        EntityKind::Drone,
        EntityKind::Projectile,
    ] {
        let k = schema.kind(kind_index(kind)).unwrap();
        assert_eq!(k.name, serde_json::to_value(kind).unwrap());
        assert_eq!(k.values(), ARENA_VALUES);
        for (i, name) in names.iter().enumerate() {
            assert_eq!(k.value_index(name), Some(i), "{name}");
        }
    }
    let e = EntityState {
        x: -5,
        y: 7,
        vx: 1,
        vy: -2,
        angle: 511,
        hp: 255,
        score: 65_535,
        flags: 1,
        owner: u32::MAX,
        ..EntityState::new(NetId(9), EntityKind::Projectile)
    };
    assert_eq!(
        EntityState::from_values(e.id, e.kind_index(), &e.values()),
        Some(e)
    );
}

fn to_rows(s: &Snapshot) -> RowSnapshot {
    RowSnapshot {
        tick: s.tick,
        rows: s
            .entities
            .iter()
            .map(|e| {
                let mut row = Row::new(e.id, e.kind_index() as u8);
                row.values[..ARENA_VALUES].copy_from_slice(&e.values());
                row
            })
            .collect(),
    }
}

#[test]
fn arena_as_rows_codes_the_same_bytes() {
    let mut world = World::new(Map::default_map(), WorldConfig::new(60, 30), 3);
    world.step(&TickInput {
        joins: vec![crate::protocol::PlayerId(1)],
        ..TickInput::default()
    });
    let a = world.snapshot();
    for _ in 0..3 {
        world.step(&TickInput::default());
    }
    let b = world.snapshot();
    let (ra, rb) = (to_rows(&a), to_rows(&b));
    let codec = arena_codec();
    for baseline in [None, Some(&a)] {
        let bytes = encode_delta(baseline, &b);
        let row_baseline = baseline.map(|_| &ra);
        assert_eq!(encode_rows(codec, row_baseline, &rb), Ok(bytes.clone()));
        let decoded = apply_rows(codec, row_baseline, &bytes, &DeltaLimits::default());
        assert_eq!(decoded, Ok(rb.clone()));
    }
    assert_eq!(b.tick, Tick(4));
}
