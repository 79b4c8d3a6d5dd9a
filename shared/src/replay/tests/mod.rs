//! Tests of replays: round trips, damage, verification, seeking from checkpoints,
//! size, games and formats.
//!
//! The recorded matches are real: the arena (through the Game API) stepped with
//! inputs from [`Humans`], a model of people playing (held movement keys that
//! change every second or so, fire in bursts, an aim that sweeps smoothly toward a
//! target and so changes on most ticks, now and then a missing input), recorded the
//! way a room records, in today's format or, for the format-4 tests, the old one.

mod damage;
mod formats;
mod hostile;
mod roundtrip;
mod seek;
mod size;
mod verify;

use super::{RecordPolicy, ReplayHeader, ReplayWriter};
use crate::codec::RowSnapshot;
use crate::game::{DynGame, Game, GameEntry};
use crate::protocol::PlayerIdentity;
use crate::protocol::{PlayerId, Tick};
use crate::sim::map::DEFAULT_MAP;
use crate::sim::replay4;
use crate::sim::rng::Pcg32;
use crate::sim::{Arena, ArenaConfig, TickInput, WorldConfig, legacy};
use crate::sim::{Buttons, PlayerInput};

/// The catalog the tests re-simulate with.
fn games() -> Vec<GameEntry> {
    vec![GameEntry::of::<Arena>()]
}

/// A header of today's format for an arena room on the default map.
fn header(npcs: u32, seed: u64) -> ReplayHeader {
    let config = ArenaConfig::new(
        "arena".into(),
        DEFAULT_MAP.into(),
        WorldConfig::new(60, npcs),
    );
    let config = serde_json::to_value(&config).unwrap();
    ReplayHeader {
        map_name: "arena".into(),
        start_unix_ms: 1_700_000_000_000,
        room_name: "test room".into(),
        room_id: "abcdefghijklm".into(),
        ..ReplayHeader::of_game(&GameEntry::of::<Arena>(), &config, seed, 60)
    }
}

/// The view of `game` at its tick.
fn view(game: &dyn DynGame) -> RowSnapshot {
    let mut rows = Vec::new();
    game.view(&mut rows);
    RowSnapshot {
        tick: game.tick(),
        rows,
    }
}

/// One simulated person at the keyboard and mouse.
#[derive(Clone, Copy)]
struct Human {
    input: PlayerInput,
    /// Aim sweep speed (radians per tick) and where it is heading.
    spin: f32,
    target: f32,
    /// Ticks until the next change of movement keys / fire.
    move_in: u32,
    fire_in: u32,
}

/// Inputs of `players` simulated people; player `p` joins at tick `7 p`, player 2
/// leaves at tick 1500 and comes back at tick 1800.
pub(super) struct Humans {
    rng: Pcg32,
    humans: Vec<Option<Human>>,
}

impl Humans {
    pub(super) fn new(players: u32, seed: u64) -> Humans {
        Humans {
            rng: Pcg32::new(seed ^ 0x5eed),
            humans: vec![None; players as usize],
        }
    }

    fn below(&mut self, n: u32) -> u32 {
        self.rng.next_u32() % n.max(1)
    }

    /// The input the room accepts at `tick`.
    pub(super) fn tick(&mut self, tick: u32) -> TickInput {
        let mut t = TickInput::default();
        for p in 0..self.humans.len() as u32 {
            let slot = p as usize;
            if tick == 7 * p || (p == 2 && tick == 1800) {
                t.joins.push(PlayerId(p));
                let aim = self.rng.range(-3.0, 3.0);
                self.humans[slot] = Some(Human {
                    input: PlayerInput {
                        buttons: Buttons(0),
                        aim,
                    },
                    spin: 0.0,
                    target: aim,
                    move_in: 0,
                    fire_in: 30,
                });
            }
            if p == 2 && tick == 1500 {
                t.leaves.push(PlayerId(p));
                self.humans[slot] = None;
            }
            let Some(mut h) = self.humans[slot] else {
                continue;
            };
            self.act(&mut h);
            self.humans[slot] = Some(h);
            // Network jitter: about one tick in 50 has no input from this player.
            if self.below(50) != 0 {
                t.inputs.push((PlayerId(p), h.input));
            }
        }
        t
    }

    fn act(&mut self, h: &mut Human) {
        let mut buttons = h.input.buttons.0;
        if h.move_in == 0 {
            const MOVES: [u8; 9] = [0, 1, 2, 4, 8, 5, 9, 6, 10];
            buttons = (buttons & Buttons::FIRE) | MOVES[self.below(9) as usize];
            h.move_in = 20 + self.below(70);
        }
        if h.fire_in == 0 {
            buttons ^= Buttons::FIRE;
            h.fire_in = 10 + self.below(80);
        }
        h.move_in -= 1;
        h.fire_in -= 1;
        if self.below(90) == 0 {
            h.target = self.rng.range(-3.1, 3.1);
        }
        // The mouse sweeps toward the target, slowing down as it gets there; while
        // the player moves, the aim at a fixed point drifts a little every tick.
        h.spin = 0.8 * h.spin + 0.03 * (h.target - h.input.aim);
        let drift = if buttons & 15 != 0 {
            self.rng.range(-0.004, 0.004)
        } else {
            0.0
        };
        let aim = h.input.aim + h.spin + drift;
        h.input = PlayerInput {
            buttons: Buttons(buttons),
            aim: if (aim - h.input.aim).abs() < 1e-4 {
                h.input.aim
            } else {
                aim
            },
        };
    }
}

/// A recorded match: the file and what went into it.
pub(super) struct Recording {
    pub bytes: Vec<u8>,
    /// The inputs the World stepped with.
    pub inputs: Vec<TickInput>,
    /// The World's hash after each tick (`hashes[t]` at tick `t`, from tick 0).
    pub hashes: Vec<u64>,
}

/// Record `ticks` ticks of `players` [`Humans`] and `npcs` NPCs, as a room does
/// (hash every second, keyframe every 5 s, a flush in the middle of each second).
/// With `tamper = Some(t)`, the file gets a different input at tick `t` than the
/// World stepped with.
pub(super) fn record(
    players: u32,
    npcs: u32,
    ticks: u32,
    seed: u64,
    tamper: Option<u32>,
) -> Recording {
    let policy = RecordPolicy::for_tick_rate(60);
    record_with(policy, players, npcs, ticks, seed, tamper)
}

/// [`record`] with checks and seek points by `policy` (checkpoints included).
pub(super) fn record_with(
    policy: RecordPolicy,
    players: u32,
    npcs: u32,
    ticks: u32,
    seed: u64,
    tamper: Option<u32>,
) -> Recording {
    let v = super::FORMAT_VERSION;
    record_version(v, policy, players, npcs, ticks, seed, tamper)
}

/// [`record_with`] in format `version` (2 to 4: the arena's old format, else
/// today's).
pub(super) fn record_version(
    version: u16,
    policy: RecordPolicy,
    players: u32,
    npcs: u32,
    ticks: u32,
    seed: u64,
    tamper: Option<u32>,
) -> Recording {
    let (mut writer, config) = if version < 5 {
        let old = replay4::tests::header(npcs, seed);
        let config = old.generic().config_value();
        (replay4::writer(&old, version), config)
    } else {
        let header = header(npcs, seed);
        let config = header.config_value();
        (ReplayWriter::new(&header, Arena::schema()), config)
    };
    let mut game = (GameEntry::of::<Arena>().create)(&config, seed).unwrap();
    let mut humans = Humans::new(players, seed);
    let mut rec = Recording {
        bytes: Vec::new(),
        inputs: Vec::new(),
        hashes: vec![game.state_hash()],
    };
    writer.push_hash(Tick(0), game.state_hash()).unwrap();
    writer.push_keyframe(&view(game.as_ref())).unwrap();
    if policy.wants_checkpoint(0) {
        writer.push_checkpoint(Tick(0), &game.save()).unwrap();
    }
    for t in 0..ticks {
        let input = humans.tick(t);
        for p in &input.joins {
            let name = format!("human {}", p.0);
            let sub = (p.0 % 2 == 0).then(|| format!("user-{}", p.0));
            let info = PlayerIdentity {
                player: *p,
                name,
                sub,
            };
            writer.push_player(&info).unwrap();
        }
        game.step(&legacy::commands(&input));
        let mut recorded = input.clone();
        if tamper == Some(t) {
            let (_, first) = recorded.inputs.first_mut().expect("a tick with inputs");
            first.aim += 0.5;
            first.buttons.0 ^= Buttons::UP | Buttons::RIGHT;
        }
        writer.push_tick(&legacy::commands(&recorded)).unwrap();
        let now = game.tick();
        rec.hashes.push(game.state_hash());
        if policy.wants_hash(now.0) {
            writer.push_hash(now, game.state_hash()).unwrap();
        }
        if policy.wants_keyframe(now.0) {
            writer.push_keyframe(&view(game.as_ref())).unwrap();
        }
        if policy.wants_checkpoint(now.0) {
            writer.push_checkpoint(now, &game.save()).unwrap();
        }
        if now.0 % 60 == 30 {
            writer.flush();
        }
        rec.bytes.extend(writer.take_bytes());
        rec.inputs.push(input);
    }
    writer.end().unwrap();
    rec.bytes.extend(writer.take_bytes());
    rec
}

/// `Arena::schema`, to keep the tests' imports short.
pub(super) fn arena_schema() -> &'static crate::schema::Schema {
    Arena::schema()
}
