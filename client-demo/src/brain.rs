//! A playing bot's decisions: seeded, so a bot run is repeatable for a given seed.
//!
//! The brain holds a direction for a while, sweeps its aim by small random turns
//! and fires in bursts: enough variety to exercise movement, hits, deaths and
//! respawns on the server, with no game knowledge.

use rand::{Rng, SeedableRng};
use rand_pcg::Pcg32;
use tickcast_shared::protocol::{Buttons, PlayerInput};

/// A playing bot's pseudo-random intent: hold a direction for a while, sweep the aim,
/// fire in bursts.
pub struct Brain {
    rng: Pcg32,
    moves: u8,
    firing: bool,
    aim: f32,
    hold: u32,
}

impl Brain {
    /// A brain whose every decision follows from `seed`.
    pub fn new(seed: u64) -> Brain {
        Brain {
            rng: Pcg32::seed_from_u64(seed),
            moves: 0,
            firing: false,
            aim: 0.0,
            hold: 0,
        }
    }

    /// The input for the next tick.
    pub fn next_input(&mut self) -> PlayerInput {
        if self.hold == 0 {
            self.hold = self.rng.random_range(20..90);
            let vertical = [0, Buttons::UP, Buttons::DOWN];
            let horizontal = [0, Buttons::LEFT, Buttons::RIGHT];
            let v = vertical
                .get(self.rng.random_range(0..3))
                .copied()
                .unwrap_or(0);
            let h = horizontal
                .get(self.rng.random_range(0..3))
                .copied()
                .unwrap_or(0);
            self.moves = v | h;
            self.firing = self.rng.random_bool(0.5);
        }
        self.hold -= 1;
        let turn: f32 = self.rng.random_range(-0.15..0.15);
        self.aim = (self.aim + turn).rem_euclid(std::f32::consts::TAU);
        let fire = if self.firing { Buttons::FIRE } else { 0 };
        PlayerInput {
            buttons: Buttons(self.moves | fire),
            aim: self.aim,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn brains_move_fire_and_are_seeded() {
        let mut a = Brain::new(7);
        let mut b = Brain::new(7);
        let xs: Vec<PlayerInput> = (0..600).map(|_| a.next_input()).collect();
        let ys: Vec<PlayerInput> = (0..600).map(|_| b.next_input()).collect();
        assert_eq!(xs, ys);
        assert!(xs.iter().any(|i| i.buttons.has(Buttons::FIRE)));
        assert!(xs.iter().any(|i| i.buttons.0 & 0b1111 != 0));
        assert!(
            xs.iter()
                .all(|i| (0.0..std::f32::consts::TAU).contains(&i.aim))
        );
    }
}
