//! A tiny game for the engine's tests, written only against the Game API: dots that
//! count the ticks their player held "push" (one flags input), one event "pushed".
//! It shows the engine runs a game that is not the arena.

use serde::{Deserialize, Serialize};
use std::sync::OnceLock;
use tickcast_shared::codec::Row;
use tickcast_shared::game::{EventRow, Game, InputValues, Refusal, RoomOptions, StepCommands};
use tickcast_shared::protocol::{NetId, PlayerId, Tick};
use tickcast_shared::schema::{Field, Schema};

/// The game's config: nothing but the seats.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DotsConfig {
    pub seats: u32,
}

/// The whole state.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct DotsState {
    pub tick: Tick,
    /// Player, its dot's id, its count.
    pub dots: Vec<(PlayerId, NetId, u32)>,
    pub next_id: u32,
}

/// The game.
pub struct Dots {
    config: DotsConfig,
    state: DotsState,
}

impl Game for Dots {
    type Config = DotsConfig;
    type Input = bool;
    type Event = PlayerId;
    type State = DotsState;

    fn schema() -> &'static Schema {
        static SCHEMA: OnceLock<Schema> = OnceLock::new();
        SCHEMA.get_or_init(|| {
            Schema::builder("dots")
                .describe("a test game: dots counting pushes")
                .kind("dot", |k| {
                    k.field(Field::uint("count", 16))
                        .field(Field::player_ref("owner"))
                })
                .input(|i| i.field(Field::flags("push", 1)))
                .event("pushed", |e| e.field(Field::player_ref("player")))
                .build()
                .unwrap_or_else(|e| unreachable!("the dots schema breaks a rule: {e}"))
        })
    }

    fn configure(options: &RoomOptions) -> Result<DotsConfig, Refusal> {
        Ok(DotsConfig {
            seats: options.seats,
        })
    }

    fn entity_budget(config: &DotsConfig, seats: u32) -> u64 {
        u64::from(seats.max(config.seats))
    }

    fn new(config: &DotsConfig, _seed: u64) -> Dots {
        Dots {
            config: config.clone(),
            state: DotsState {
                next_id: 1,
                ..DotsState::default()
            },
        }
    }

    fn config(&self) -> &DotsConfig {
        &self.config
    }

    fn tick(&self) -> Tick {
        self.state.tick
    }

    fn step(&mut self, commands: &StepCommands<bool>) -> Vec<PlayerId> {
        let s = &mut self.state;
        s.tick = s.tick.next();
        s.dots.retain(|(p, ..)| !commands.leaves.contains(p));
        for p in &commands.joins {
            if !s.dots.iter().any(|(q, ..)| q == p) {
                s.dots.push((*p, NetId(s.next_id), 0));
                s.next_id += 1;
            }
        }
        let mut events = Vec::new();
        for (p, push) in &commands.inputs {
            if let Some(dot) = s.dots.iter_mut().find(|(q, ..)| q == p).filter(|_| *push) {
                dot.2 = (dot.2 + 1) % 65536;
                events.push(*p);
            }
        }
        events
    }

    fn view(&self, rows: &mut Vec<Row>) {
        for (p, id, count) in &self.state.dots {
            let mut row = Row::new(*id, 0);
            row.values[0] = *count as i32;
            row.values[1] = p.0 as i32;
            rows.push(row);
        }
        rows.sort_by_key(|r| r.id);
    }

    fn player_entity(&self, player: PlayerId) -> Option<NetId> {
        let dot = self.state.dots.iter().find(|(p, ..)| *p == player);
        dot.map(|(_, id, _)| *id)
    }

    fn state_hash(&self) -> u64 {
        let s = &self.state;
        s.dots.iter().fold(u64::from(s.tick.0), |h, (p, id, c)| {
            h.rotate_left(7) ^ u64::from(p.0) ^ (u64::from(id.0) << 20) ^ (u64::from(*c) << 40)
        })
    }

    fn save(&self) -> DotsState {
        self.state.clone()
    }

    fn load(config: &DotsConfig, state: DotsState) -> Result<Dots, Refusal> {
        Ok(Dots {
            config: config.clone(),
            state,
        })
    }

    fn input_values(input: &bool) -> InputValues {
        InputValues(vec![i32::from(*input)])
    }

    fn input_from_values(values: &InputValues) -> bool {
        values.get(0) & 1 == 1
    }

    fn event_row(event: &PlayerId) -> EventRow {
        EventRow {
            event: 0,
            values: vec![event.0 as i32],
        }
    }

    fn event_from_row(row: &EventRow) -> Option<PlayerId> {
        (row.event == 0).then(|| PlayerId(row.get(0) as u32))
    }
}
