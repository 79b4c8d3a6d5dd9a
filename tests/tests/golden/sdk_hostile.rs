//! Hostile delta bodies for `tests/browser/golden/sdk.json`: what `apply_rows` makes
//! of broken, mutated and misapplied bodies, so the JS decoder can be held to the
//! same answers (the same rows, or the same error kind and detail).
//!
//! Each vector names the case it derives from (`of`, an index into the game's
//! cases) and decodes against that case's baseline unless it says otherwise
//! (`baseline`: `"none"`, or `{"tick": T}` for the case's baseline at another tick);
//! `max_entities` is given when it is not the default.

use super::sdk::rows_json;
use super::sdk_ballgame::Rng;
use crate::hex;
use serde_json::{Value, json};
use std::collections::HashMap;
use tickcast_shared::codec::{DeltaError, DeltaLimits, RowCodec, RowSnapshot, apply_rows};
use tickcast_shared::protocol::Tick;
use tickcast_shared::schema::Schema;

/// A case's name, baseline and body.
pub type CaseBody = (String, Option<RowSnapshot>, Vec<u8>);

/// A hand-made vector: name, case index, body, other baseline, entity limit.
type Misapplied<'a> = (&'a str, usize, Vec<u8>, Option<Value>, Option<usize>);

/// Vectors kept per distinct outcome of random mutations.
const PER_OUTCOME: usize = 3;
/// Random mutations tried per game.
const MUTATIONS: usize = 4000;

/// The error as the JS decoder names it: kind, and the detail of a malformed body.
pub fn error_json(e: &DeltaError) -> Value {
    match e {
        DeltaError::Truncated => json!({ "error": "truncated" }),
        DeltaError::Malformed(detail) => json!({ "error": "malformed", "detail": detail }),
        DeltaError::MissingBaseline => json!({ "error": "missing_baseline" }),
        DeltaError::BaselineMismatch { body, given } => {
            json!({ "error": "baseline_mismatch", "body_tick": body.0, "given_tick": given.0 })
        }
        DeltaError::TooManyEntities { limit } => {
            json!({ "error": "too_many_entities", "limit": limit })
        }
    }
}

/// How one hostile vector decodes.
struct Trial<'a> {
    schema: &'a Schema,
    codec: &'a RowCodec,
    cases: &'a [CaseBody],
}

impl Trial<'_> {
    /// Decode `body` as case `of` says, with an optional other baseline and limit;
    /// return the vector and a label of its outcome.
    fn run(
        &self,
        name: &str,
        of: usize,
        body: &[u8],
        baseline: Option<Value>,
        max_entities: Option<usize>,
    ) -> (Value, String) {
        let case_baseline = self.cases[of].1.clone();
        let given = match &baseline {
            None => case_baseline,
            Some(Value::String(s)) if s == "none" => None,
            Some(other) => case_baseline.map(|b| RowSnapshot {
                tick: Tick(other["tick"].as_u64().unwrap() as u32),
                rows: b.rows,
            }),
        };
        let limits = DeltaLimits {
            max_entities: max_entities.unwrap_or(DeltaLimits::default().max_entities),
        };
        let (result, outcome) = match apply_rows(self.codec, given.as_ref(), body, &limits) {
            Ok(rows) => (
                json!({ "rows": rows_json(self.schema, &rows) }),
                "ok".to_owned(),
            ),
            Err(e) => {
                let json = error_json(&e);
                let label = format!("{}:{}", json["error"], json["detail"]);
                (json, label)
            }
        };
        let mut vector = json!({ "name": name, "of": of, "body": hex(body), "result": result });
        if let Some(b) = baseline {
            vector["baseline"] = b;
        }
        if let Some(m) = max_entities {
            vector["max_entities"] = json!(m);
        }
        (vector, outcome)
    }
}

/// The index of the case named `name`.
fn index_of(cases: &[CaseBody], name: &str) -> usize {
    cases.iter().position(|c| c.0 == name).unwrap()
}

/// Every hostile vector of one game (see the module docs).
pub fn hostile_vectors(schema: &Schema, codec: &RowCodec, cases: &[CaseBody]) -> Vec<Value> {
    let trial = Trial {
        schema,
        codec,
        cases,
    };
    let mut out = Vec::new();
    let delta = index_of(cases, "send 0 -> 1");
    let keyframe = index_of(cases, "first keyframe");
    let body = |i: usize| cases[i].2.clone();
    let base_tick = cases[delta].1.as_ref().unwrap().tick.0;
    let keyframe_rows = apply_rows(codec, None, &body(keyframe), &DeltaLimits::default())
        .unwrap()
        .rows
        .len();
    let fixed: Vec<Misapplied> = vec![
        ("empty body", keyframe, vec![], None, None),
        ("three bytes", keyframe, vec![0, 0, 0], None, None),
        (
            "a delta without its baseline",
            delta,
            body(delta),
            Some(json!("none")),
            None,
        ),
        (
            "a delta against the wrong baseline tick",
            delta,
            body(delta),
            Some(json!({ "tick": base_tick.wrapping_sub(1) })),
            None,
        ),
        (
            "a keyframe ignores a given baseline",
            keyframe,
            body(keyframe),
            Some(json!({ "tick": 5 })),
            None,
        ),
        (
            "created entities over the limit",
            keyframe,
            body(keyframe),
            None,
            Some(keyframe_rows - 1),
        ),
        (
            "created entities at the limit",
            keyframe,
            body(keyframe),
            None,
            Some(keyframe_rows),
        ),
        (
            "a baseline over the limit",
            delta,
            body(delta),
            None,
            Some(cases[delta].1.as_ref().unwrap().rows.len() - 1),
        ),
    ];
    for (name, of, bytes, baseline, limit) in fixed {
        out.push(trial.run(name, of, &bytes, baseline, limit).0);
    }
    for (of, case) in cases.iter().enumerate() {
        let b = &case.2;
        out.push(
            trial
                .run("truncated by one byte", of, &b[..b.len() - 1], None, None)
                .0,
        );
        let mut longer = b.clone();
        longer.push(0);
        out.push(trial.run("one trailing byte", of, &longer, None, None).0);
    }
    for name in ["small keyframe", "small delta"] {
        let of = index_of(cases, name);
        let b = body(of);
        for bit in 0..b.len() * 8 {
            let mut flipped = b.clone();
            flipped[bit / 8] ^= 1 << (bit % 8);
            out.push(
                trial
                    .run(
                        &format!("{name}, bit {bit} flipped"),
                        of,
                        &flipped,
                        None,
                        None,
                    )
                    .0,
            );
        }
    }
    let mut rng = Rng::new(0x5eed);
    let mut seen: HashMap<String, usize> = HashMap::new();
    for round in 0..MUTATIONS {
        let of = (rng.next() % cases.len() as u64) as usize;
        let mut b = body(of);
        if b.is_empty() {
            continue;
        }
        let at = (rng.next() % b.len() as u64) as usize;
        let how = match rng.next() % 4 {
            0 => {
                b[at] ^= 1 << (rng.next() % 8);
                let again = (rng.next() % b.len() as u64) as usize;
                b[again] ^= 1 << (rng.next() % 8);
                "two bits flipped"
            }
            1 => {
                b[at] = rng.next() as u8;
                "a byte replaced"
            }
            2 => {
                b.insert(at, rng.next() as u8);
                "a byte inserted"
            }
            _ => {
                b.remove(at);
                "a byte removed"
            }
        };
        let (vector, outcome) = trial.run(&format!("mutation {round}: {how}"), of, &b, None, None);
        let count = seen.entry(outcome).or_default();
        if *count < PER_OUTCOME {
            *count += 1;
            out.push(vector);
        }
    }
    out
}
