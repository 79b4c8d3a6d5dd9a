//! Row codec tests on schemas other than the arena's: random schemas (kinds, fields,
//! codecs), random rows in their fields' domains against random baselines.

use super::*;
use crate::schema::{Field, FieldCodec, RefTarget, Schema};
use proptest::collection::vec;
use proptest::prelude::*;

fn arb_codec() -> impl Strategy<Value = FieldCodec> {
    prop_oneof![
        (1..=32u8, any::<bool>()).prop_map(|(bits, signed)| FieldCodec::Int { bits, signed }),
        (1..=32u8, any::<bool>(), 1..1000u32).prop_map(|(bits, signed, scale)| {
            FieldCodec::Fixed {
                bits,
                signed,
                scale,
            }
        }),
        (2..=65_536u32).prop_map(|steps| FieldCodec::Angle { steps }),
        (1..100u32).prop_map(|scale| FieldCodec::Vec2 { scale }),
        (1..=32u8).prop_map(|bits| FieldCodec::Flags { bits }),
        (1..=256u32).prop_map(|variants| FieldCodec::Enum { variants }),
        Just(FieldCodec::Ref {
            target: RefTarget::Entity
        }),
        Just(FieldCodec::Float32),
    ]
}

/// A schema of 1 to 5 kinds; fields are named by position, so kinds that put the
/// same codec at the same position share its model.
fn arb_schema() -> impl Strategy<Value = Schema> {
    vec(vec(arb_codec(), 1..=crate::schema::MAX_FIELDS), 1..=5).prop_map(|kinds| {
        let mut builder = Schema::builder("random");
        for (k, codecs) in kinds.iter().enumerate() {
            builder = builder.kind(&format!("k{k}"), |mut fields| {
                for (i, codec) in codecs.iter().enumerate() {
                    let mut field = Field::new(&format!("f{i}"), *codec);
                    if codec.values() == 2 {
                        field.parts = vec![format!("f{i}x"), format!("f{i}y")];
                    }
                    fields = fields.field(field);
                }
                fields
            });
        }
        builder.build().unwrap()
    })
}

/// `v` in the domain of `codec`.
fn in_domain(codec: FieldCodec, v: i32) -> i32 {
    let bits_of = |v: i32, bits: u8, signed: bool| {
        let shift = 32 - u32::from(bits);
        if signed {
            v.wrapping_shl(shift).wrapping_shr(shift)
        } else {
            ((v as u32).wrapping_shl(shift).wrapping_shr(shift)) as i32
        }
    };
    match codec {
        FieldCodec::Int { bits, signed } | FieldCodec::Fixed { bits, signed, .. } => {
            bits_of(v, bits, signed)
        }
        FieldCodec::Flags { bits } => bits_of(v, bits, false),
        FieldCodec::Angle { steps } => v.rem_euclid(steps as i32),
        FieldCodec::Enum { variants } => v.rem_euclid(variants as i32),
        FieldCodec::Vec2 { .. } | FieldCodec::Ref { .. } | FieldCodec::Float32 => v,
    }
}

/// A row of kind `kind` from raw values, every value in its domain, the rest 0.
fn row(schema: &Schema, id: u32, kind: usize, raw: &[i32]) -> Row {
    let mut row = Row::new(NetId(id), kind as u8);
    if let Some(k) = schema.kind(kind) {
        for (at, field) in k.layout() {
            let n = field.codec.values();
            for (value, raw) in row.values[at..at + n].iter_mut().zip(&raw[at..at + n]) {
                *value = in_domain(field.codec, *raw);
            }
        }
    }
    row
}

fn arb_i32() -> impl Strategy<Value = i32> {
    prop_oneof![-300..300i32, any::<i32>()]
}

/// A schema and two snapshots over shared id slots: per slot, `a` may hold a row;
/// `b` drops it, keeps it, changes some of its values, or holds an unrelated row.
fn arb_case() -> impl Strategy<Value = (Schema, RowSnapshot, RowSnapshot)> {
    arb_schema().prop_flat_map(|schema| {
        let kinds = schema.kinds().len();
        let slot = (
            1..2000u32,
            any::<bool>(),
            0..4u8,
            (0..kinds, vec(arb_i32(), MAX_VALUES)),
            (0..kinds, vec(arb_i32(), MAX_VALUES)),
            any::<u32>(),
        );
        (Just(schema), any::<u32>(), any::<u32>(), vec(slot, 0..40)).prop_map(
            |(schema, ta, tb, slots)| {
                let (mut a, mut b) = (Vec::new(), Vec::new());
                for (id, in_a, op, (ka, ra), (kb, rb), change) in slots {
                    let old = row(&schema, id, ka, &ra);
                    if in_a {
                        a.push(old);
                    }
                    match op {
                        0 => {}
                        1 => b.push(old),
                        2 => {
                            let mut mixed = ra.clone();
                            for (i, v) in mixed.iter_mut().enumerate() {
                                if change & (1 << (i % 32)) != 0 {
                                    *v = rb[i];
                                }
                            }
                            b.push(row(&schema, id, ka, &mixed));
                        }
                        _ => b.push(row(&schema, id, kb, &rb)),
                    }
                }
                let tidy = |mut rows: Vec<Row>| {
                    rows.sort_by_key(|r| r.id);
                    rows.dedup_by_key(|r| r.id);
                    rows
                };
                let a = RowSnapshot {
                    tick: Tick(ta),
                    rows: tidy(a),
                };
                let b = RowSnapshot {
                    tick: Tick(tb),
                    rows: tidy(b),
                };
                (schema, a, b)
            },
        )
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn random_schema_rows_round_trip((schema, a, b) in arb_case()) {
        let codec = RowCodec::new(&schema);
        let limits = DeltaLimits::default();
        let delta = encode_rows(&codec, Some(&a), &b).unwrap();
        prop_assert_eq!(apply_rows(&codec, Some(&a), &delta, &limits), Ok(b.clone()));
        let keyframe = encode_rows(&codec, None, &b).unwrap();
        prop_assert_eq!(apply_rows(&codec, None, &keyframe, &limits), Ok(b));
    }

    #[test]
    fn random_schema_damaged_bodies_fail_cleanly((schema, a, b) in arb_case(),
                                                 at in any::<usize>(), bit in 0..8u8) {
        let codec = RowCodec::new(&schema);
        let mut delta = encode_rows(&codec, Some(&a), &b).unwrap();
        let i = at % delta.len();
        delta[i] ^= 1 << bit;
        // Either an error or some snapshot; never a panic.
        let _ = apply_rows(&codec, Some(&a), &delta, &DeltaLimits::default());
        let _ = apply_rows(&codec, Some(&a), &delta[..i], &DeltaLimits::default());
    }
}

#[test]
fn rows_of_an_unknown_kind_are_refused() {
    let schema = Schema::builder("one")
        .kind("only", |k| k.field(Field::uint("a", 8)))
        .build()
        .unwrap();
    let codec = RowCodec::new(&schema);
    let current = RowSnapshot {
        tick: Tick(1),
        rows: vec![Row::new(NetId(3), 1)],
    };
    assert_eq!(
        encode_rows(&codec, None, &current),
        Err(EncodeError::UnknownKind {
            id: 3,
            kind: 1,
            kinds: 1
        })
    );
}

#[test]
fn a_decoded_kind_past_the_schema_is_malformed() {
    // Three and four kinds both take a 2-bit kind tree: a body written for four
    // kinds names kind 3, which a reader of three kinds refuses.
    let kinds = |n: usize| {
        (0..n)
            .fold(Schema::builder("g"), |b, i| {
                b.kind(&format!("k{i}"), |k| k.field(Field::uint("v", 8)))
            })
            .build()
            .unwrap()
    };
    let (three, four) = (RowCodec::new(&kinds(3)), RowCodec::new(&kinds(4)));
    let current = RowSnapshot {
        tick: Tick(1),
        rows: vec![Row::new(NetId(3), 3)],
    };
    let body = encode_rows(&four, None, &current).unwrap();
    let limits = DeltaLimits::default();
    assert_eq!(apply_rows(&four, None, &body, &limits), Ok(current));
    assert_eq!(
        apply_rows(&three, None, &body, &limits),
        Err(DeltaError::Malformed("unknown entity kind"))
    );
}
