//! # Coins: the smallest complete tickcast game
//!
//! Players walk a square board and pick up coins; each coin is a point and comes
//! back somewhere else. It is the game README's "Write your own game" walks
//! through, step by step: every code block there is a piece of this file (a test
//! checks that), and the tests build it into a server and play it.
//!
//! A game is a deterministic state machine behind [`Game`]: the engine owns the
//! clock, the sockets and the players, and calls [`Game::step`] once per tick with
//! that tick's joins, leaves and inputs. What clients see is declared once, as a
//! [`Schema`]; the engine codes snapshots, inputs and events from it, and browsers
//! decode and draw them from its descriptor, with no code of this game's own.
//!
//! Positions are whole sixteenths of a unit (`i32`), so the game needs no floats
//! and is deterministic on every machine without care.

use serde::{Deserialize, Serialize};
use std::sync::OnceLock;
use tickcast_shared::codec::Row;
use tickcast_shared::game::{
    EventRow, Fnv64, Game, InputValues, Refusal, RoomOptions, StepCommands,
};
use tickcast_shared::protocol::{NetId, PlayerId, Tick};
use tickcast_shared::schema::{Field, Role, Schema};

// ANCHOR: schema
/// Board side, in sixteenths of a unit (64 units).
pub const BOARD: i32 = 64 * 16;
/// How far a player walks per tick along each axis held (a quarter unit).
pub const STEP: i32 = 4;
/// How close a player must come to a coin to take it (one unit).
pub const REACH: i32 = 16;

/// Kind indexes, in the order the schema declares them.
pub const PLAYER: u8 = 0;
pub const COIN: u8 = 1;

/// What clients see and send, declared once.
pub fn coins_schema() -> &'static Schema {
    static SCHEMA: OnceLock<Schema> = OnceLock::new();
    SCHEMA.get_or_init(|| {
        Schema::builder("coins")
            .describe("walk the board and pick up coins: the walk-through game")
            .kind("player", |k| {
                k.field(
                    Field::vec2("pos", ["x", "y"], 16)
                        .role(Role::Position)
                        .interpolate(),
                )
                .field(Field::uint("score", 16).role(Role::Score))
                .field(Field::player_ref("owner").role(Role::Owner))
            })
            .kind("coin", |k| {
                k.field(Field::vec2("pos", ["x", "y"], 16).role(Role::Position))
            })
            .input(|i| i.field(Field::flags("keys", 4).labels(&["up", "down", "left", "right"])))
            .event("collected", |e| {
                e.field(Field::player_ref("player"))
                    .field(Field::entity_ref("coin"))
            })
            .build()
            .unwrap_or_else(|e| unreachable!("the coins schema breaks a rule: {e}"))
    })
}
// ANCHOR_END: schema

// ANCHOR: types
/// A room's settings: how many coins lie on the board.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CoinsConfig {
    pub coins: u32,
}

/// One tick of a player's keys (bit 0 up, 1 down, 2 left, 3 right).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Keys(pub u8);

/// A player took a coin.
#[derive(Debug, Clone, PartialEq)]
pub struct Collected {
    pub player: PlayerId,
    pub coin: NetId,
}

/// Everything that is the game; also its saved state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Coins {
    config: CoinsConfig,
    tick: u32,
    rng: u64,
    next_id: u32,
    /// Coins by id: ids `1..=config.coins`, always all on the board.
    coins: Vec<(u32, [i32; 2])>,
    /// Players in join order (ids ascending): player id, entity id, position, score.
    players: Vec<Walker>,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
struct Walker {
    player: u32,
    entity: u32,
    pos: [i32; 2],
    score: u32,
}
// ANCHOR_END: types

impl Coins {
    /// A place on the board from the game's own seeded generator (xorshift64).
    fn random_spot(&mut self) -> [i32; 2] {
        let mut next = || {
            self.rng ^= self.rng << 13;
            self.rng ^= self.rng >> 7;
            self.rng ^= self.rng << 17;
            (self.rng % BOARD as u64) as i32
        };
        [next(), next()]
    }
}

// ANCHOR: game
impl Game for Coins {
    type Config = CoinsConfig;
    type Input = Keys;
    type Event = Collected;
    type State = Coins;

    fn schema() -> &'static Schema {
        coins_schema()
    }

    fn configure(options: &RoomOptions) -> Result<CoinsConfig, Refusal> {
        let coins = match options.extra.get("coins") {
            None => 8,
            Some(n) => n.as_u64().filter(|n| (1..=64).contains(n)).ok_or_else(|| {
                Refusal("\"coins\" must be a whole number from 1 to 64".to_owned())
            })? as u32,
        };
        Ok(CoinsConfig { coins })
    }

    fn entity_budget(config: &CoinsConfig, seats: u32) -> u64 {
        u64::from(config.coins) + u64::from(seats)
    }

    fn new(config: &CoinsConfig, seed: u64) -> Coins {
        let mut game = Coins {
            config: config.clone(),
            tick: 0,
            rng: seed | 1,
            next_id: config.coins + 1,
            coins: Vec::new(),
            players: Vec::new(),
        };
        for id in 1..=config.coins {
            let spot = game.random_spot();
            game.coins.push((id, spot));
        }
        game
    }

    fn config(&self) -> &CoinsConfig {
        &self.config
    }

    fn tick(&self) -> Tick {
        Tick(self.tick)
    }

    fn step(&mut self, commands: &StepCommands<Keys>) -> Vec<Collected> {
        self.tick += 1;
        let leaving = |w: &Walker| commands.leaves.contains(&PlayerId(w.player));
        self.players.retain(|w| !leaving(w));
        for &PlayerId(player) in &commands.joins {
            let pos = self.random_spot();
            let entity = self.next_id;
            self.next_id += 1;
            self.players.push(Walker {
                player,
                entity,
                pos,
                score: 0,
            });
        }
        let mut events = Vec::new();
        for (PlayerId(player), Keys(keys)) in &commands.inputs {
            let Some(i) = self.players.iter().position(|w| w.player == *player) else {
                continue;
            };
            let held = |bit: u8| i32::from(keys & (1 << bit) != 0);
            let w = &mut self.players[i];
            w.pos[0] = (w.pos[0] + STEP * (held(3) - held(2))).clamp(0, BOARD - 1);
            w.pos[1] = (w.pos[1] + STEP * (held(1) - held(0))).clamp(0, BOARD - 1);
            let pos = w.pos;
            let near = |c: &[i32; 2]| (c[0] - pos[0]).abs().max((c[1] - pos[1]).abs()) <= REACH;
            if let Some(c) = self.coins.iter().position(|(_, spot)| near(spot)) {
                self.players[i].score += 1;
                let coin = self.coins[c].0;
                self.coins[c].1 = self.random_spot();
                events.push(Collected {
                    player: PlayerId(*player),
                    coin: NetId(coin),
                });
            }
        }
        events
    }
    // ANCHOR_END: game

    // ANCHOR: view
    fn view(&self, rows: &mut Vec<Row>) {
        for (id, [x, y]) in &self.coins {
            let mut row = Row::new(NetId(*id), COIN);
            row.values[..2].copy_from_slice(&[*x, *y]);
            rows.push(row);
        }
        for w in &self.players {
            let mut row = Row::new(NetId(w.entity), PLAYER);
            let score = w.score.min(u32::from(u16::MAX)) as i32;
            row.values[..4].copy_from_slice(&[w.pos[0], w.pos[1], score, w.player as i32]);
            rows.push(row);
        }
    }

    fn player_entity(&self, player: PlayerId) -> Option<NetId> {
        let walker = self.players.iter().find(|w| w.player == player.0)?;
        Some(NetId(walker.entity))
    }
    // ANCHOR_END: view

    // ANCHOR: state
    fn state_hash(&self) -> u64 {
        // The engine's FNV-1a over the saved state's bytes: the same on every machine.
        let mut hash = Fnv64::default();
        hash.bytes(&tickcast_shared::codec::encode_value(self));
        hash.finish()
    }

    fn save(&self) -> Coins {
        self.clone()
    }

    fn load(config: &CoinsConfig, state: Coins) -> Result<Coins, Refusal> {
        let on_board = |p: &[i32; 2]| p.iter().all(|v| (0..BOARD).contains(v));
        let coins_ok = state.coins.len() == config.coins as usize
            && state
                .coins
                .iter()
                .enumerate()
                .all(|(i, (id, p))| *id as usize == i + 1 && on_board(p));
        let ids_ok = state.players.windows(2).all(|w| w[0].entity < w[1].entity)
            && state
                .players
                .iter()
                .all(|w| w.entity > config.coins && w.entity < state.next_id && on_board(&w.pos));
        if state.config != *config || !coins_ok || !ids_ok {
            return Err(Refusal("saved coins state is inconsistent".to_owned()));
        }
        Ok(state)
    }
    // ANCHOR_END: state

    // ANCHOR: values
    fn input_values(keys: &Keys) -> InputValues {
        InputValues(vec![i32::from(keys.0)])
    }

    fn input_from_values(values: &InputValues) -> Keys {
        Keys((values.get(0) & 0b1111) as u8)
    }

    fn event_row(event: &Collected) -> EventRow {
        EventRow {
            event: 0,
            values: vec![event.player.0 as i32, event.coin.0 as i32],
        }
    }

    fn event_from_row(row: &EventRow) -> Option<Collected> {
        (row.event == 0).then(|| Collected {
            player: PlayerId(row.get(0) as u32),
            coin: NetId(row.get(1) as u32),
        })
    }
    // ANCHOR_END: values

    // ANCHOR: bot
    fn bot_input(rows: &[Row], own: Option<NetId>, _tick: Tick, _rng: &mut u64) -> Keys {
        let Some(me) = rows.iter().find(|r| Some(r.id) == own) else {
            return Keys(0);
        };
        let dist =
            |r: &Row| (r.values[0] - me.values[0]).abs() + (r.values[1] - me.values[1]).abs();
        let Some(coin) = rows
            .iter()
            .filter(|r| r.kind == COIN)
            .min_by_key(|r| dist(r))
        else {
            return Keys(0);
        };
        let toward = |axis: usize, less: u8, more: u8| match coin.values[axis].cmp(&me.values[axis])
        {
            std::cmp::Ordering::Less => 1 << less,
            std::cmp::Ordering::Greater => 1 << more,
            std::cmp::Ordering::Equal => 0,
        };
        Keys(toward(1, 0, 1) | toward(0, 2, 3))
    }

    fn predict(_config: &CoinsConfig, own: &mut Row, keys: &Keys, _dt: f32) {
        let held = |bit: u8| i32::from(keys.0 & (1 << bit) != 0);
        own.values[0] = (own.values[0] + STEP * (held(3) - held(2))).clamp(0, BOARD - 1);
        own.values[1] = (own.values[1] + STEP * (held(1) - held(0))).clamp(0, BOARD - 1);
    }
    // ANCHOR_END: bot
}

#[cfg(test)]
mod tests;
