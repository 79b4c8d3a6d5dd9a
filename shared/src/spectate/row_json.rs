//! Spectator JSON for any game, named by its [`Schema`]: an entity row as
//! `{"id", "kind": <kind name>, <value name>: value, ...}` and an event row as
//! `{"type": <event name>, <value name>: value, ...}`.
//!
//! Values are written in units: `fixed` and `vec2` values as `value / scale` with
//! as many decimals as the scale has digits (a scale of 16 gives two, as the
//! arena's `crate::sim::spectate::json_form` does), `angle`s in radians (four decimals),
//! `float32`s as numbers (`null` when not finite), everything else as an integer
//! (`ref`s and `flags` unsigned). In entities, the first `vec2` of a kind (its
//! position) is always written; other values only when not 0, as the arena leaves
//! out its zero fields.

use crate::codec::Row;
use crate::game::EventRow;
use crate::schema::{Field, FieldCodec, Kind, Schema};
use serde_json::{Map, Number, Value};

/// `v` rounded to `decimals` decimals, whole numbers as integers.
fn short(v: f64, decimals: u32) -> Value {
    let p = 10f64.powi(i32::try_from(decimals).unwrap_or(6));
    let r = (v * p).round() / p;
    if r.fract() == 0.0 && r.abs() < 9.0e15 {
        Value::from(r as i64)
    } else {
        Number::from_f64(r).map_or(Value::Null, Value::Number)
    }
}

/// Decimals that keep a `1/scale` step readable: the digits of `scale`, at most 6.
fn decimals_for(scale: u32) -> u32 {
    if scale <= 1 {
        0
    } else {
        (scale - 1).ilog10().saturating_add(1).min(6)
    }
}

/// One value of a field in units.
fn value_of(codec: FieldCodec, v: i32) -> Value {
    match codec {
        FieldCodec::Fixed { scale, .. } | FieldCodec::Vec2 { scale } => {
            short(f64::from(v) / f64::from(scale.max(1)), decimals_for(scale))
        }
        FieldCodec::Angle { steps } => short(
            f64::from(v) * std::f64::consts::TAU / f64::from(steps.max(1)),
            4,
        ),
        FieldCodec::Float32 => {
            let f = f64::from(f32::from_bits(v as u32));
            Number::from_f64(f).map_or(Value::Null, Value::Number)
        }
        FieldCodec::Int { signed: true, .. } => Value::from(v),
        FieldCodec::Int { signed: false, .. }
        | FieldCodec::Flags { .. }
        | FieldCodec::Enum { .. }
        | FieldCodec::Ref { .. } => Value::from(v as u32),
    }
}

/// One value of a field in units as a number (as spectator JSON writes it; `None`
/// for a float that is not finite), for clients that draw rows.
pub fn in_units(codec: FieldCodec, v: i32) -> Option<f64> {
    value_of(codec, v).as_f64()
}

/// Each value name of `fields` (a `vec2` gives its two parts) with its index, codec
/// and whether it belongs to a `vec2`.
fn named_values(fields: &[Field]) -> Vec<(String, usize, FieldCodec)> {
    let mut out = Vec::new();
    let mut at = 0;
    for field in fields {
        for (i, name) in field.value_names().enumerate() {
            out.push((name.to_owned(), at + i, field.codec));
        }
        at += field.codec.values();
    }
    out
}

/// The index of the first value of the kind's first `vec2` (always written).
fn position_index(kind: &Kind) -> Option<usize> {
    kind.layout()
        .find(|(_, f)| matches!(f.codec, FieldCodec::Vec2 { .. }))
        .map(|(at, _)| at)
}

/// A row as spectator JSON (see the module docs); `None` for a kind the schema
/// does not have.
pub fn entity(schema: &Schema, row: &Row) -> Option<Value> {
    let kind = schema.kind(usize::from(row.kind))?;
    let mut obj = Map::new();
    obj.insert("id".into(), Value::from(row.id.0));
    obj.insert("kind".into(), Value::from(kind.name.as_str()));
    let pos = position_index(kind);
    for (name, at, codec) in named_values(&kind.fields) {
        let v = row.values.get(at).copied().unwrap_or(0);
        let always = pos.is_some_and(|p| at == p || at == p + 1);
        if v != 0 || always {
            obj.insert(name, value_of(codec, v));
        }
    }
    Some(Value::Object(obj))
}

/// The values of `new` that differ from `old` (same id and kind), as
/// `{"id", <value name>: value, ...}`; `None` when nothing did.
pub fn change(schema: &Schema, old: &Row, new: &Row) -> Option<Value> {
    let kind = schema.kind(usize::from(new.kind))?;
    let mut obj = Map::new();
    obj.insert("id".into(), Value::from(new.id.0));
    for (name, at, codec) in named_values(&kind.fields) {
        let (o, n) = (old.values.get(at), new.values.get(at));
        if o != n {
            obj.insert(name, value_of(codec, n.copied().unwrap_or(0)));
        }
    }
    (obj.len() > 1).then_some(Value::Object(obj))
}

/// An event row as `{"type": <name>, <value name>: value, ...}` (every value
/// written); `None` for an event index the schema does not have.
pub fn event(schema: &Schema, row: &EventRow) -> Option<Value> {
    let ty = schema.events().get(usize::from(row.event))?;
    let mut obj = Map::new();
    obj.insert("type".into(), Value::from(ty.name.as_str()));
    for (name, at, codec) in named_values(&ty.fields) {
        obj.insert(name, value_of(codec, row.get(at)));
    }
    Some(Value::Object(obj))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::RefTarget;

    #[test]
    fn units_and_decimals() {
        assert_eq!(decimals_for(16), 2);
        assert_eq!(decimals_for(8), 1);
        assert_eq!(decimals_for(1), 0);
        assert_eq!(decimals_for(1000), 3);
        let fixed = FieldCodec::Vec2 { scale: 16 };
        assert_eq!(value_of(fixed, 25_617).to_string(), "1601.06");
        assert_eq!(value_of(fixed, 32).to_string(), "2");
        let angle = FieldCodec::Angle { steps: 4 };
        assert_eq!(value_of(angle, 1).to_string(), "1.5708");
        let r = FieldCodec::Ref {
            target: RefTarget::Player,
        };
        assert_eq!(value_of(r, -1).to_string(), "4294967295");
    }
}
