//! How spectator JSON writes numbers, kept short and readable by hand:
//!
//! - positions and velocities in world units with at most two decimals
//!   (`1601.13`, `399.75`, whole numbers without `.0`). Snapshots quantize
//!   positions to 1/16 unit and velocities to 1/8 unit/s, steps wider than 0.01, so
//!   the two decimals lose nothing: reading snaps a number back to its step
//!   (`round(v * 16) / 16`), which gives exactly the snapshot's value;
//! - a delta's `moved` as one flat array of triples, `[id, x, y, id, x, y, ...]`.
//!
//! These are serde `with` modules for the fields of [`super::SpecEntity`],
//! [`super::EntityChange`] and [`super::Delta`].

use crate::protocol::NetId;
use crate::sim::snapshot::{ANGLE_STEPS, POS_SCALE, VEL_SCALE};
use serde::de::{Error as _, SeqAccess, Visitor};
use serde::ser::SerializeSeq;
use serde::{Deserialize, Deserializer, Serializer};

/// `v` rounded to two decimals, as the shortest JSON number.
fn write_short<S: Serializer>(v: f32, s: S) -> Result<S::Ok, S::Error> {
    write_rounded(v, 100.0, s)
}

/// `v` rounded to a multiple of `1 / per_unit`, as the shortest JSON number.
fn write_rounded<S: Serializer>(v: f32, per_unit: f64, s: S) -> Result<S::Ok, S::Error> {
    let r = (f64::from(v) * per_unit).round() / per_unit;
    // Whole numbers as integers (no `.0`); |r| < 2^53 keeps the cast exact.
    if r.fract() == 0.0 && r.abs() < 9.0e15 {
        s.serialize_i64(r as i64)
    } else {
        s.serialize_f64(r)
    }
}

/// `v` snapped to the nearest multiple of `1/scale`.
fn snap(v: f64, scale: f32) -> f32 {
    let scale = f64::from(scale);
    ((v * scale).round() / scale) as f32
}

/// A position coordinate (1/16-unit steps).
pub mod pos {
    use super::*;

    pub fn serialize<S: Serializer>(v: &f32, s: S) -> Result<S::Ok, S::Error> {
        write_short(*v, s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<f32, D::Error> {
        f64::deserialize(d).map(|v| snap(v, POS_SCALE))
    }
}

/// A velocity component (1/8-unit/s steps).
pub mod vel {
    use super::*;

    pub fn serialize<S: Serializer>(v: &f32, s: S) -> Result<S::Ok, S::Error> {
        write_short(*v, s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<f32, D::Error> {
        f64::deserialize(d).map(|v| snap(v, VEL_SCALE))
    }
}

/// A changed position coordinate (absent when unchanged).
pub mod opt_pos {
    use super::*;

    pub fn serialize<S: Serializer>(v: &Option<f32>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(v) => write_short(*v, s),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f32>, D::Error> {
        Option::<f64>::deserialize(d).map(|v| v.map(|v| snap(v, POS_SCALE)))
    }
}

/// A changed velocity component (absent when unchanged).
pub mod opt_vel {
    use super::*;

    pub fn serialize<S: Serializer>(v: &Option<f32>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(v) => write_short(*v, s),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f32>, D::Error> {
        Option::<f64>::deserialize(d).map(|v| v.map(|v| snap(v, VEL_SCALE)))
    }
}

/// `v` radians snapped to the nearest of the snapshot's angle steps, as
/// [`crate::sim::EntityState::angle_rad`] gives it (the JSON writes angles with
/// four decimals, well within half a step).
fn snap_angle(v: f64) -> f32 {
    let steps = ANGLE_STEPS as f32;
    let step = (v * f64::from(steps) / std::f64::consts::TAU).round() as i64;
    let step = step.rem_euclid(i64::from(ANGLE_STEPS)) as f32;
    step * core::f32::consts::TAU / steps
}

/// A heading in radians, four decimals (read back as the snapshot's step).
pub mod angle {
    use super::*;

    /// Four decimals, as every game's feed writes angles.
    pub fn serialize<S: Serializer>(v: &f32, s: S) -> Result<S::Ok, S::Error> {
        write_rounded(*v, 1e4, s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<f32, D::Error> {
        f64::deserialize(d).map(snap_angle)
    }
}

/// A changed heading (absent when unchanged).
pub mod opt_angle {
    use super::*;

    pub fn serialize<S: Serializer>(v: &Option<f32>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(v) => write_rounded(*v, 1e4, s),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f32>, D::Error> {
        Option::<f64>::deserialize(d).map(|v| v.map(snap_angle))
    }
}

/// A delta's `moved`: `[id, x, y, id, x, y, ...]`.
pub mod moved {
    use super::*;

    /// One number of the flat array, written as [`pos`] writes it.
    struct Short(f32);

    impl serde::Serialize for Short {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            write_short(self.0, s)
        }
    }

    pub fn serialize<S: Serializer>(v: &[(NetId, f32, f32)], s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(v.len().saturating_mul(3)))?;
        for (id, x, y) in v {
            seq.serialize_element(&id.0)?;
            seq.serialize_element(&Short(*x))?;
            seq.serialize_element(&Short(*y))?;
        }
        seq.end()
    }

    struct Triples;

    impl<'de> Visitor<'de> for Triples {
        type Value = Vec<(NetId, f32, f32)>;

        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a flat array of [id, x, y] triples")
        }

        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            // The hint comes from the peer: cap what it may make us reserve.
            let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(3 * 4096) / 3);
            while let Some(id) = seq.next_element::<u32>()? {
                let x = seq.next_element::<f64>()?;
                let y = seq.next_element::<f64>()?;
                let (Some(x), Some(y)) = (x, y) else {
                    return Err(A::Error::custom("moved: the array ends inside a triple"));
                };
                out.push((NetId(id), snap(x, POS_SCALE), snap(y, POS_SCALE)));
            }
            Ok(out)
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Vec<(NetId, f32, f32)>, D::Error> {
        d.deserialize_seq(Triples)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq, serde::Serialize, serde::Deserialize)]
    struct P {
        #[serde(with = "pos")]
        x: f32,
        #[serde(with = "vel")]
        vx: f32,
        #[serde(with = "moved")]
        moved: Vec<(NetId, f32, f32)>,
    }

    #[test]
    fn every_step_is_short_and_reads_back_exactly() {
        for step in -40_000i32..40_000 {
            let x = step as f32 / POS_SCALE;
            let vx = step as f32 / VEL_SCALE;
            let p = P {
                x,
                vx,
                moved: vec![(NetId(7), x, -x)],
            };
            let text = serde_json::to_string(&p).unwrap();
            let back: P = serde_json::from_str(&text).unwrap();
            assert_eq!(back, p, "{text}");
            let number = text.split([':', ',']).nth(1).unwrap();
            let decimals = number.split('.').nth(1).map_or(0, str::len);
            assert!(decimals <= 2 && !number.ends_with(".0"), "{text}");
        }
    }

    #[test]
    fn the_forms_as_written() {
        let p = P {
            x: 1601.125,
            vx: 2.0,
            moved: vec![(NetId(1), 5.0, 0.0625), (NetId(30), 1196.0, 399.75)],
        };
        let text = serde_json::to_string(&p).unwrap();
        assert_eq!(
            text,
            r#"{"x":1601.13,"vx":2,"moved":[1,5,0.06,30,1196,399.75]}"#
        );
    }

    #[test]
    fn angles_with_four_decimals_read_back_as_their_step() {
        for step in 0..ANGLE_STEPS {
            // As `EntityState::angle_rad` computes it.
            let exact = step as f32 * core::f32::consts::TAU / ANGLE_STEPS as f32;
            let short = (f64::from(exact) * 1e4).round() / 1e4;
            assert_eq!(snap_angle(short), exact, "step {step}");
            assert_eq!(snap_angle(f64::from(exact)), exact, "step {step}");
        }
        assert_eq!(snap_angle(std::f64::consts::TAU), 0.0);
    }

    #[test]
    fn a_broken_triple_is_an_error() {
        for bad in [
            r#"{"x":1,"vx":1,"moved":[1,2]}"#,
            r#"{"x":1,"vx":1,"moved":[1.5,2,3]}"#,
            r#"{"x":1,"vx":1,"moved":[-1,2,3]}"#,
            r#"{"x":1,"vx":1,"moved":{"1":[2,3]}}"#,
        ] {
            assert!(serde_json::from_str::<P>(bad).is_err(), "{bad}");
        }
    }
}
