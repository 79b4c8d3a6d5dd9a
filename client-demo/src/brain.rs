//! A playing bot's decisions: seeded, so a bot run is repeatable for a given seed.
//!
//! [`BotBrain::for_game`] picks how a bot of a game decides: a game of this client's
//! catalog ([`crate::games::catalog`]) decides with its own brain
//! ([`GameEntry::bot_input`]: the arena's holds a direction for a while, sweeps its
//! aim and fires in bursts, enough to exercise movement, hits, deaths and respawns);
//! a game this client knows nothing of gets inputs drawn from its input schema
//! ([`random_input`]), each value in its field's domain.

use rand::{Rng, SeedableRng};
use rand_pcg::Pcg32;
use tickcast_shared::codec::Row;
use tickcast_shared::game::{GameEntry, InputValues};
use tickcast_shared::protocol::{NetId, Tick};
use tickcast_shared::schema::{FieldCodec, Schema};

/// How one bot decides its inputs, for the game its room runs.
pub enum BotBrain {
    /// The game's own brain; `tick` counts the bot's inputs.
    Game {
        entry: GameEntry,
        seed: u64,
        tick: u32,
    },
    /// Inputs drawn from the game's input schema.
    Schema { schema: Schema, rng: Pcg32 },
}

impl BotBrain {
    /// The brain for a bot of the game whose schema is `schema`.
    pub fn for_game(schema: &Schema, seed: u64) -> BotBrain {
        match crate::games::of_schema(schema) {
            Some(entry) => BotBrain::Game {
                entry,
                seed,
                tick: 0,
            },
            None => BotBrain::Schema {
                schema: schema.clone(),
                rng: Pcg32::seed_from_u64(seed),
            },
        }
    }

    /// The input for the next tick, seeing `rows` (the newest snapshot) with the own
    /// entity `own`.
    pub fn next_input(&mut self, rows: &[Row], own: Option<NetId>) -> InputValues {
        match self {
            BotBrain::Game { entry, seed, tick } => {
                *tick = tick.wrapping_add(1);
                (entry.bot_input)(rows, own, Tick(*tick), seed)
            }
            BotBrain::Schema { schema, rng } => random_input(schema, rng),
        }
    }
}

/// Input values drawn from `schema`'s input fields, each in its field's domain
/// (floats in -pi..pi, references 0, vectors within a few units).
pub fn random_input(schema: &Schema, rng: &mut impl Rng) -> InputValues {
    let mut values = Vec::new();
    for field in schema.input() {
        match field.codec {
            FieldCodec::Int { bits, signed } | FieldCodec::Fixed { bits, signed, .. } => {
                values.push(random_int(rng, bits, signed));
            }
            FieldCodec::Flags { bits } => values.push(random_int(rng, bits, false)),
            FieldCodec::Angle { steps } => values.push(rng.random_range(0..steps.max(1)) as i32),
            FieldCodec::Enum { variants } => {
                values.push(rng.random_range(0..variants.max(1)) as i32);
            }
            FieldCodec::Vec2 { scale } => {
                let reach = i32::try_from(scale.saturating_mul(4)).unwrap_or(i32::MAX);
                values.push(rng.random_range(-reach..=reach));
                values.push(rng.random_range(-reach..=reach));
            }
            FieldCodec::Ref { .. } => values.push(0),
            FieldCodec::Float32 => {
                let f: f32 = rng.random_range(-std::f32::consts::PI..std::f32::consts::PI);
                values.push(f.to_bits() as i32);
            }
        }
    }
    InputValues(values)
}

/// A random integer `bits` wide (1..=32), sign-extended when `signed`.
fn random_int(rng: &mut impl Rng, bits: u8, signed: bool) -> i32 {
    let bits = u32::from(bits.clamp(1, 32));
    let raw: u32 = rng.random::<u32>() >> (32 - bits);
    if signed {
        // Sign-extend from `bits`.
        ((raw << (32 - bits)) as i32) >> (32 - bits)
    } else {
        raw as i32
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tickcast_shared::schema::Field;

    #[test]
    fn inputs_drawn_from_a_schema_stay_in_their_domains() {
        let schema = Schema::builder("other")
            .kind("thing", |k| k.field(Field::uint("n", 4)))
            .input(|i| {
                i.field(Field::flags("keys", 3))
                    .field(Field::int("turn", 4))
                    .field(Field::enumeration("mode", 3))
                    .field(Field::vec2("stick", ["sx", "sy"], 2))
                    .field(Field::float32("aim"))
            })
            .build()
            .unwrap();
        let mut brain = BotBrain::for_game(&schema, 9);
        assert!(matches!(brain, BotBrain::Schema { .. }));
        for _ in 0..500 {
            let v = brain.next_input(&[], None);
            assert_eq!(v.0.len(), 6);
            assert!((0..8).contains(&v.get(0)), "{v:?}");
            assert!((-8..8).contains(&v.get(1)), "{v:?}");
            assert!((0..3).contains(&v.get(2)), "{v:?}");
            assert!((-8..=8).contains(&v.get(3)) && (-8..=8).contains(&v.get(4)));
            assert!(f32::from_bits(v.get(5) as u32).abs() <= std::f32::consts::PI);
        }
    }

    #[test]
    fn arena_bots_move_fire_and_are_seeded() {
        use tickcast_shared::sim::{Arena, Buttons, PlayerInput};
        let schema = tickcast_shared::sim::schema::arena_schema();
        let mut a = BotBrain::for_game(schema, 7);
        let mut b = BotBrain::for_game(schema, 7);
        assert!(matches!(a, BotBrain::Game { .. }));
        let xs: Vec<PlayerInput> = (0..600)
            .map(|_| {
                <Arena as tickcast_shared::game::Game>::input_from_values(&a.next_input(&[], None))
            })
            .collect();
        let ys: Vec<InputValues> = (0..600).map(|_| b.next_input(&[], None)).collect();
        assert_eq!(
            xs.iter()
                .map(<Arena as tickcast_shared::game::Game>::input_values)
                .collect::<Vec<_>>(),
            ys
        );
        assert!(xs.iter().any(|i| i.buttons.has(Buttons::FIRE)));
        assert!(xs.iter().any(|i| i.buttons.0 & 0b1111 != 0));
    }
}
