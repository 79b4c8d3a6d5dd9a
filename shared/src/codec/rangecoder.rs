//! The bit writer/reader under snapshot deltas: an adaptive binary range coder.
//!
//! Every bit of a delta body goes through `RangeEncoder` / `RangeDecoder`, either
//! with an adaptive probability (`Prob`: the model learns how likely a 0 is, so a
//! bit that is nearly always the same costs ~0.01 bit) or raw ("direct" bits: exactly
//! one bit each). It is the LZMA range coder with two changes: probabilities adapt
//! with shift 4 instead of 5, and the always-zero first output byte is not written.
//! All arithmetic is unsigned 32-bit (plus a 33-bit `low` in the encoder only), so a
//! JavaScript decoder mirrors it with `>>> 0`.
//!
//! ## Decoder (normative; the JS decoder follows this exactly)
//!
//! ```text
//! init:   code = first 4 bytes, big-endian; range = 0xFFFF_FFFF; pos = 4
//!         (fewer than 4 bytes: truncated)
//! normalize: while range < 2^24 { range <<= 8; code = (code << 8) | byte[pos++] }
//!         (reading past the end: truncated)
//! bit(p): bound = (range >> 11) * p            // p: u16 in 1..2047, P(bit = 0) = p/2048
//!         if code < bound { range = bound; p += (2048 - p) >> 4; bit = 0 }
//!         else { code -= bound; range -= bound; p -= p >> 4; bit = 1 }
//!         normalize
//! direct(n): repeat n times, most significant bit first:
//!         range >>= 1; if code >= range { code -= range; bit = 1 } else { bit = 0 }
//!         normalize
//! end:    every byte must have been consumed (pos == length), else malformed
//! ```
//! Every probability starts at 1024 (one half).

use super::delta::DeltaError;

/// Probability bits: probabilities are in 1/2048.
const PROB_BITS: u32 = 11;
const PROB_ONE: u16 = 1 << PROB_BITS;
/// Adaptation speed: each coded bit moves the probability 1/16 of the way.
const ADAPT_SHIFT: u32 = 4;
/// Renormalize when the range falls below this.
const TOP: u32 = 1 << 24;

/// An adaptive probability that the next bit is 0, in 1/2048 (starts at one half).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Prob(u16);

impl Prob {
    pub(crate) const HALF: Prob = Prob(PROB_ONE / 2);

    fn bound(self, range: u32) -> u32 {
        (range >> PROB_BITS) * u32::from(self.0)
    }

    fn update(&mut self, bit: bool) {
        if bit {
            self.0 -= self.0 >> ADAPT_SHIFT;
        } else {
            self.0 += (PROB_ONE - self.0) >> ADAPT_SHIFT;
        }
    }
}

/// One side of the coder. The delta format is written once, against this trait:
/// the encoder codes the bit it is given and returns it, the decoder ignores the
/// given bit and returns the one it reads. So both sides run the same code.
pub(crate) trait BitCoder {
    /// Whether this side writes (so the hints it is given are real values); a
    /// decoder may skip work whose only use is to compute hints.
    const ENCODER: bool;
    /// Code one bit with an adaptive probability.
    fn bit(&mut self, p: &mut Prob, bit: bool) -> Result<bool, DeltaError>;
    /// Code the low `n` (at most 32) bits of `value` raw, most significant first.
    fn direct(&mut self, value: u32, n: u32) -> Result<u32, DeltaError>;
}

/// Writes bits into bytes.
pub(crate) struct RangeEncoder {
    low: u64,
    range: u32,
    cache: u8,
    cache_size: u64,
    skip_first: bool,
    out: Vec<u8>,
}

impl RangeEncoder {
    pub(crate) fn new() -> Self {
        RangeEncoder {
            low: 0,
            range: u32::MAX,
            cache: 0,
            cache_size: 1,
            skip_first: true,
            out: Vec::new(),
        }
    }

    fn shift_low(&mut self) {
        if self.low < 0xFF00_0000 || self.low > u64::from(u32::MAX) {
            let carry = (self.low >> 32) as u8;
            let mut byte = self.cache;
            while self.cache_size > 0 {
                if self.skip_first {
                    // The first byte is always 0 (the code value starts below 2^32).
                    self.skip_first = false;
                } else {
                    self.out.push(byte.wrapping_add(carry));
                }
                byte = 0xFF;
                self.cache_size -= 1;
            }
            self.cache = (self.low >> 24) as u8;
        }
        self.cache_size += 1;
        self.low = (self.low & 0x00FF_FFFF) << 8;
    }

    fn normalize(&mut self) {
        while self.range < TOP {
            self.range <<= 8;
            self.shift_low();
        }
    }

    /// Flush the pending state and return the bytes.
    pub(crate) fn finish(mut self) -> Vec<u8> {
        for _ in 0..5 {
            self.shift_low();
        }
        self.out
    }
}

impl BitCoder for RangeEncoder {
    const ENCODER: bool = true;

    fn bit(&mut self, p: &mut Prob, bit: bool) -> Result<bool, DeltaError> {
        let bound = p.bound(self.range);
        if bit {
            self.low += u64::from(bound);
            self.range -= bound;
        } else {
            self.range = bound;
        }
        p.update(bit);
        self.normalize();
        Ok(bit)
    }

    fn direct(&mut self, value: u32, n: u32) -> Result<u32, DeltaError> {
        for i in (0..n.min(32)).rev() {
            self.range >>= 1;
            if (value >> i) & 1 == 1 {
                self.low += u64::from(self.range);
            }
            self.normalize();
        }
        Ok(if n >= 32 {
            value
        } else {
            value & ((1 << n) - 1)
        })
    }
}

/// Reads bits back from bytes; running out of input is [`DeltaError::Truncated`].
pub(crate) struct RangeDecoder<'a> {
    input: &'a [u8],
    pos: usize,
    range: u32,
    code: u32,
}

impl<'a> RangeDecoder<'a> {
    pub(crate) fn new(input: &'a [u8]) -> Result<Self, DeltaError> {
        let head = input.get(..4).ok_or(DeltaError::Truncated)?;
        let mut code = 0u32;
        for &b in head {
            code = (code << 8) | u32::from(b);
        }
        Ok(RangeDecoder {
            input,
            pos: 4,
            range: u32::MAX,
            code,
        })
    }

    fn normalize(&mut self) -> Result<(), DeltaError> {
        while self.range < TOP {
            let byte = *self.input.get(self.pos).ok_or(DeltaError::Truncated)?;
            self.pos += 1;
            self.range <<= 8;
            self.code = (self.code << 8) | u32::from(byte);
        }
        Ok(())
    }

    /// Check that the body ended exactly where the coded data ends.
    pub(crate) fn finish(self) -> Result<(), DeltaError> {
        if self.pos == self.input.len() {
            Ok(())
        } else {
            Err(DeltaError::Malformed("trailing bytes after the delta body"))
        }
    }
}

impl BitCoder for RangeDecoder<'_> {
    const ENCODER: bool = false;

    fn bit(&mut self, p: &mut Prob, _bit: bool) -> Result<bool, DeltaError> {
        let bound = p.bound(self.range);
        let bit = self.code >= bound;
        if bit {
            self.code -= bound;
            self.range -= bound;
        } else {
            self.range = bound;
        }
        p.update(bit);
        self.normalize()?;
        Ok(bit)
    }

    fn direct(&mut self, _value: u32, n: u32) -> Result<u32, DeltaError> {
        let mut value = 0u32;
        for _ in 0..n.min(32) {
            self.range >>= 1;
            let bit = self.code >= self.range;
            if bit {
                self.code -= self.range;
            }
            value = (value << 1) | u32::from(bit);
            self.normalize()?;
        }
        Ok(value)
    }
}

#[cfg(test)]
#[path = "rangecoder_tests.rs"]
mod tests;
