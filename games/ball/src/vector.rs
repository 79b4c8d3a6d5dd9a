//! A plain 2-D vector of `f32` for the simulation.
//!
//! Every operation is IEEE arithmetic or a `libm` function (software, the same bits
//! on every machine and on wasm32), never `std`'s platform math, so a step gives
//! the same state everywhere. It is `Serialize` so saved states hold it directly.

use serde::{Deserialize, Serialize};
use std::ops::{Add, AddAssign, Mul, Neg, Sub, SubAssign};

/// A point or a direction on the pitch, in metres (or metres per second).
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct V2 {
    pub x: f32,
    pub y: f32,
}

impl V2 {
    pub const ZERO: V2 = V2 { x: 0.0, y: 0.0 };

    pub const fn new(x: f32, y: f32) -> V2 {
        V2 { x, y }
    }

    /// The unit vector at `radians` from the +x axis.
    pub fn from_angle(radians: f32) -> V2 {
        V2::new(libm::cosf(radians), libm::sinf(radians))
    }

    /// The direction of this vector in radians, `-pi..=pi` (0 for the zero vector).
    pub fn angle(self) -> f32 {
        libm::atan2f(self.y, self.x)
    }

    pub fn dot(self, other: V2) -> f32 {
        self.x * other.x + self.y * other.y
    }

    /// The z of the 3-D cross product: positive when `other` turns left of `self`.
    pub fn cross(self, other: V2) -> f32 {
        self.x * other.y - self.y * other.x
    }

    /// This vector turned a quarter turn to the left.
    pub fn perp(self) -> V2 {
        V2::new(-self.y, self.x)
    }

    pub fn length(self) -> f32 {
        libm::sqrtf(self.dot(self))
    }

    /// The unit vector along this one, or zero for a (near) zero vector.
    pub fn normalize_or_zero(self) -> V2 {
        let len = self.length();
        if len > 1e-6 {
            self * (1.0 / len)
        } else {
            V2::ZERO
        }
    }

    /// This vector shortened to at most `max` long.
    pub fn clamp_length(self, max: f32) -> V2 {
        let len = self.length();
        if len > max && len > 0.0 {
            self * (max / len)
        } else {
            self
        }
    }

    /// Both parts finite (a saved state from a file may hold anything).
    pub fn is_finite(self) -> bool {
        self.x.is_finite() && self.y.is_finite()
    }
}

impl Add for V2 {
    type Output = V2;
    fn add(self, o: V2) -> V2 {
        V2::new(self.x + o.x, self.y + o.y)
    }
}

impl AddAssign for V2 {
    fn add_assign(&mut self, o: V2) {
        *self = *self + o;
    }
}

impl Sub for V2 {
    type Output = V2;
    fn sub(self, o: V2) -> V2 {
        V2::new(self.x - o.x, self.y - o.y)
    }
}

impl SubAssign for V2 {
    fn sub_assign(&mut self, o: V2) {
        *self = *self - o;
    }
}

impl Mul<f32> for V2 {
    type Output = V2;
    fn mul(self, k: f32) -> V2 {
        V2::new(self.x * k, self.y * k)
    }
}

impl Neg for V2 {
    type Output = V2;
    fn neg(self) -> V2 {
        V2::new(-self.x, -self.y)
    }
}
