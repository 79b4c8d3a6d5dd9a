//! The simulation's only source of randomness: a seeded PCG32 (O'Neill's XSH-RR
//! variant, 64-bit state, 32-bit output).
//!
//! Written out here rather than taken from a crate so that its output sequence is
//! fixed by this file alone: a dependency update can never change a replay or a
//! state hash. There is no other RNG in the simulation, and nothing seeds it from a
//! clock.

/// PCG multiplier (the 64-bit LCG constant from the PCG paper).
const MULTIPLIER: u64 = 6_364_136_223_846_793_005;
/// Fixed stream selector; any odd increment works, this one is PCG's default.
const INCREMENT: u64 = 1_442_695_040_888_963_407;

/// A seeded PCG32 generator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pcg32 {
    state: u64,
}

impl Pcg32 {
    /// A generator whose whole output sequence is determined by `seed`.
    pub fn new(seed: u64) -> Pcg32 {
        let mut rng = Pcg32 { state: 0 };
        rng.next_u32();
        rng.state = rng.state.wrapping_add(seed);
        rng.next_u32();
        rng
    }

    /// The generator whose internal state is `state` (from [`Pcg32::state`]): it
    /// continues that generator's sequence.
    pub fn from_state(state: u64) -> Pcg32 {
        Pcg32 { state }
    }

    /// The internal state (hashed into the world's state hash).
    pub fn state(&self) -> u64 {
        self.state
    }

    /// The next 32 random bits.
    pub fn next_u32(&mut self) -> u32 {
        let old = self.state;
        self.state = old.wrapping_mul(MULTIPLIER).wrapping_add(INCREMENT);
        let xorshifted = (((old >> 18) ^ old) >> 27) as u32;
        let rot = (old >> 59) as u32;
        xorshifted.rotate_right(rot)
    }

    /// A uniform float in `[0, 1)` with 24 random bits (every value exactly
    /// representable, so the result is the same on every machine).
    pub fn next_unit(&mut self) -> f32 {
        (self.next_u32() >> 8) as f32 * (1.0 / 16_777_216.0)
    }

    /// A uniform float in `[lo, hi)`.
    pub fn range(&mut self, lo: f32, hi: f32) -> f32 {
        lo + (hi - lo) * self.next_unit()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_sequence_and_seeds_differ() {
        let mut a = Pcg32::new(7);
        let mut b = Pcg32::new(7);
        let mut c = Pcg32::new(8);
        let sa: Vec<u32> = (0..16).map(|_| a.next_u32()).collect();
        let sb: Vec<u32> = (0..16).map(|_| b.next_u32()).collect();
        let sc: Vec<u32> = (0..16).map(|_| c.next_u32()).collect();
        assert_eq!(sa, sb);
        assert_ne!(sa, sc);
    }

    #[test]
    fn range_stays_in_bounds_and_covers_both_halves() {
        let mut rng = Pcg32::new(1);
        let (mut below, mut above) = (0, 0);
        for _ in 0..10_000 {
            let v = rng.range(-0.15, 0.15);
            assert!((-0.15..0.15).contains(&v), "{v}");
            if v < 0.0 {
                below += 1;
            } else {
                above += 1;
            }
        }
        assert!(below > 4_000 && above > 4_000, "{below} {above}");
    }
}
