//! Adaptive models that turn integers into coded bits (binarization).
//!
//! All of them are written once against `BitCoder`, so encoding and decoding run
//! the same code (the encoder passes the real value as the hint, the decoder any).
//!
//! ## Bit tree (`tree`) of `n` bits
//! The value is coded most significant bit first; bit `i` uses probability
//! `probs[m]` where `m` starts at 1 and becomes `2m + bit` after each bit (so `m`
//! is the 1-prefixed path so far). A tree of `n` bits uses `probs[1 .. 2^n]`.
//!
//! ## Unsigned integer (`UIntModel`), `v: u32`
//! 1. `b` = bit length of `v` (0 for 0, 1 for 1, 2 for 2..=3, ..., 32), as a 6-bit
//!    tree over `bucket` (a decoded `b > 32` is malformed);
//! 2. if `b >= 2`, the `b - 1` bits below the leading one (the mantissa):
//!    the top `a = min(b - 1, 4)` bits as an `a`-bit tree over `mantissa[b - 1]`,
//!    then the remaining `b - 1 - a` bits as direct bits.
//!
//! ## Signed integer (`SIntModel`), `v: i32`
//! The magnitude `|v|` (as u32; `i32::MIN` has magnitude 2^31) with an
//! `UIntModel`, then, if it is not 0, one adaptive sign bit (1 = negative). Decoding
//! wraps: magnitude `m` negative is `(-(m as i32))` in two's complement.
//!
//! ## 2-D step (`VecModel`), `(dx, dy): (i32, i32)`
//! Motion is coded as magnitudes and signs, with the larger magnitude predicted from
//! the previous step of the same entity kind ("things of one kind move at similar
//! speeds"; for NPC drones at constant speed this saves ~3 bits per step):
//! 1. `swap` adaptive bit: `|dy| > |dx|`;
//! 2. `small = min(|dx|, |dy|)` with the `small` `UIntModel`;
//! 3. prediction `p`: with `r2` the squared length of the previous step of this kind
//!    in this body (0 at first), `p = isqrt(r2 - small²)` if `small < 2^15` and
//!    `r2 > small²`, else 0; then `p = max(p, small)`;
//! 4. `large = max(|dx|, |dy|)` as the signed residual `large - p` (wrapping, as
//!    i32) with the `residual` `SIntModel`;
//! 5. if `|dx| != 0` an adaptive sign bit for dx, then if `|dy| != 0` one for dy;
//! 6. `r2` for the next step of this kind = `dx² + dy²` if both magnitudes are below
//!    2^15 (so it fits in 31 bits), else 0.
//!
//! ## Float image (`mono`)
//! An `f32`'s bits `b` become `!b` when the sign bit is set, else `b | 2^31`: an
//! unsigned integer that orders like the float; `unmono` inverts it exactly.
//!
//! `isqrt` is the floor of the exact square root; for these inputs (< 2^31)
//! `Math.floor(Math.sqrt(n))` in JavaScript is exact.

use super::delta::DeltaError;
use super::rangecoder::{BitCoder, Prob};
use crate::schema::MAX_KINDS;

/// Mantissa bits coded adaptively (below them, bits are raw).
const ADAPTIVE_BITS: u32 = 4;

/// Code `bits` (at most log2(N)) bits of `value` as a bit tree over `probs`.
pub(crate) fn tree<C: BitCoder, const N: usize>(
    c: &mut C,
    probs: &mut [Prob; N],
    bits: u32,
    value: u32,
) -> Result<u32, DeltaError> {
    const { assert!(N.is_power_of_two()) };
    let mut m = 1usize;
    for i in (0..bits).rev() {
        // `m < 2^bits <= N` by construction; the mask only spares a bounds check.
        let bit = c.bit(&mut probs[m & (N - 1)], (value >> i) & 1 == 1)?;
        m = (m << 1) | usize::from(bit);
    }
    Ok((m - (1 << bits)) as u32)
}

/// Adaptive model of unsigned 32-bit integers (see the module docs).
#[derive(Clone)]
pub(crate) struct UIntModel {
    bucket: [Prob; 64],
    /// Indexed by mantissa length `b - 1` (1..=31).
    mantissa: [[Prob; 1 << ADAPTIVE_BITS]; 32],
}

impl UIntModel {
    pub(crate) fn new() -> Self {
        UIntModel {
            bucket: [Prob::HALF; 64],
            mantissa: [[Prob::HALF; 1 << ADAPTIVE_BITS]; 32],
        }
    }

    pub(crate) fn code<C: BitCoder>(&mut self, c: &mut C, v: u32) -> Result<u32, DeltaError> {
        let b = tree(c, &mut self.bucket, 6, 32 - v.leading_zeros())?;
        if b <= 1 {
            return Ok(b);
        }
        if b > 32 {
            return Err(DeltaError::Malformed("integer longer than 32 bits"));
        }
        let len = b - 1;
        let adaptive = len.min(ADAPTIVE_BITS);
        let raw = len - adaptive;
        let mantissa = v ^ (1 << len);
        let probs = &mut self.mantissa[(len & 31) as usize];
        let top = tree(c, probs, adaptive, mantissa >> raw)?;
        let low = c.direct(mantissa, raw)?;
        Ok((1 << len) | (top << raw) | low)
    }
}

/// Adaptive model of signed 32-bit integers: magnitude, then sign.
#[derive(Clone)]
pub(crate) struct SIntModel {
    magnitude: UIntModel,
    sign: Prob,
}

impl SIntModel {
    pub(crate) fn new() -> Self {
        SIntModel {
            magnitude: UIntModel::new(),
            sign: Prob::HALF,
        }
    }

    pub(crate) fn code<C: BitCoder>(&mut self, c: &mut C, v: i32) -> Result<i32, DeltaError> {
        let m = self.magnitude.code(c, v.unsigned_abs())?;
        if m == 0 {
            return Ok(0);
        }
        let negative = c.bit(&mut self.sign, v < 0)?;
        Ok(signed(m, negative))
    }
}

/// Magnitude and sign to i32, wrapping (2^31 negative is `i32::MIN`).
fn signed(magnitude: u32, negative: bool) -> i32 {
    let v = magnitude as i32;
    if negative { v.wrapping_neg() } else { v }
}

/// `f32` bits to an integer that orders like the float (negative below positive).
pub(crate) fn mono(bits: u32) -> u32 {
    if bits & 0x8000_0000 != 0 {
        !bits
    } else {
        bits | 0x8000_0000
    }
}

/// Inverse of [`mono`].
pub(crate) fn unmono(m: u32) -> u32 {
    if m & 0x8000_0000 != 0 {
        m & 0x7fff_ffff
    } else {
        !m
    }
}

/// Squared length of a step, if it fits the prediction (both parts below 2^15).
fn square_len(a: u32, b: u32) -> u32 {
    if a < 1 << 15 && b < 1 << 15 {
        a * a + b * b
    } else {
        0
    }
}

/// Adaptive model of 2-D steps with a per-kind length prediction.
#[derive(Clone)]
pub(crate) struct VecModel {
    swap: Prob,
    small: UIntModel,
    residual: SIntModel,
    sign_x: Prob,
    sign_y: Prob,
    prev_r2: [u32; MAX_KINDS],
}

impl VecModel {
    pub(crate) fn new() -> Self {
        VecModel {
            swap: Prob::HALF,
            small: UIntModel::new(),
            residual: SIntModel::new(),
            sign_x: Prob::HALF,
            sign_y: Prob::HALF,
            prev_r2: [0; MAX_KINDS],
        }
    }

    /// Code the step `(dx, dy)` of an entity of kind index `kind` (< [`MAX_KINDS`]).
    pub(crate) fn code<C: BitCoder>(
        &mut self,
        c: &mut C,
        kind: usize,
        (dx, dy): (i32, i32),
    ) -> Result<(i32, i32), DeltaError> {
        let (ax, ay) = (dx.unsigned_abs(), dy.unsigned_abs());
        let swap = c.bit(&mut self.swap, ay > ax)?;
        let small = self.small.code(c, if swap { ax } else { ay })?;
        let r2 = self.prev_r2.get(kind).copied().unwrap_or(0);
        let predicted = if small < 1 << 15 && r2 > small * small {
            (r2 - small * small).isqrt()
        } else {
            0
        }
        .max(small);
        let large_hint = if swap { ay } else { ax };
        let residual = self
            .residual
            .code(c, large_hint.wrapping_sub(predicted) as i32)?;
        let large = predicted.wrapping_add(residual as u32);
        let (ax, ay) = if swap { (small, large) } else { (large, small) };
        let neg_x = ax != 0 && c.bit(&mut self.sign_x, dx < 0)?;
        let neg_y = ay != 0 && c.bit(&mut self.sign_y, dy < 0)?;
        if let Some(slot) = self.prev_r2.get_mut(kind) {
            *slot = square_len(ax, ay);
        }
        Ok((signed(ax, neg_x), signed(ay, neg_y)))
    }
}
