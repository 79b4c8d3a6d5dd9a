//! The ball game of `tests/browser/golden/sdk.json`: the second test schema,
//! declared with the public builder ([`ball_schema`]), and the row snapshots it is
//! tested on: a simulated match ([`ball_match`]), values at the limits of their
//! domains ([`ball_edges`]) and outside them ([`ball_out_of_domain`]).

use tickcast_shared::codec::{Row, RowSnapshot};
use tickcast_shared::protocol::{NetId, Tick};
use tickcast_shared::schema::{Field, FieldCodec, Role, Schema};

/// A small deterministic generator (splitmix64) for the simulated sequences.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A value in `lo..=hi`.
    pub fn range(&mut self, lo: i32, hi: i32) -> i32 {
        let span = (i64::from(hi) - i64::from(lo) + 1) as u64;
        (i64::from(lo) + (self.next() % span) as i64) as i32
    }

    /// True with probability `1 / n`.
    pub fn one_in(&mut self, n: u64) -> bool {
        self.next() % n == 0
    }
}

/// The second test schema: a two-team ball game whose kinds use every codec, a
/// kind of more than 8 fields (two mask trees), 5 kinds (a 3-bit kind tree with
/// unused indexes), fields shared by name and codec across kinds (`pos` at scale 32,
/// `heading`, `team`) and one not shared (the goal's `pos` at scale 4).
pub fn ball_schema() -> Schema {
    let pos = |scale| {
        Field::vec2("pos", ["x", "y"], scale)
            .role(Role::Position)
            .interpolate()
    };
    let vel = || {
        Field::vec2("vel", ["vx", "vy"], 32)
            .role(Role::Velocity)
            .interpolate()
    };
    let team = || {
        Field::enumeration("team", 2)
            .labels(&["red", "blue"])
            .role(Role::Team)
    };
    let height = FieldCodec::Fixed {
        bits: 12,
        signed: false,
        scale: 16,
    };
    Schema::builder("ballgame")
        .describe("two teams and a spinning ball: the browser SDK's test schema")
        .kind("ball", |k| {
            k.field(pos(32))
                .field(vel())
                .field(Field::fixed("spin", 16, 64).interpolate())
                .field(Field::new("height", height).interpolate())
                .field(Field::uint("size", 6).role(Role::Radius))
                .field(Field::entity_ref("holder"))
        })
        .kind("player", |k| {
            k.field(pos(32))
                .field(vel())
                .field(
                    Field::angle("heading", 360)
                        .role(Role::Heading)
                        .interpolate(),
                )
                .field(team())
                .field(Field::uint("stamina", 10).role(Role::Health).interpolate())
                .field(
                    Field::flags("state", 4)
                        .labels(&["sprinting", "stunned", "keeper"])
                        .role(Role::State),
                )
                .field(Field::player_ref("owner").role(Role::Owner))
                .field(Field::uint("number", 7).role(Role::Label))
                .field(Field::uint("score", 16).role(Role::Score))
                .field(Field::float32("kick").interpolate())
                .field(Field::uint("colour", 24).role(Role::Colour))
                .field(Field::int("tackle", 32))
        })
        .kind("goal", |k| {
            k.field(pos(4))
                .field(team())
                .field(Field::uint("width", 8).role(Role::Radius))
                .field(Field::flags("lights", 32))
        })
        .kind("clock", |k| {
            k.field(Field::uint("seconds", 12).role(Role::Label))
                .field(Field::enumeration("period", 3).labels(&["first", "second", "extra"]))
                .field(Field::enumeration("phase", 1))
                .field(Field::enumeration("mood", 256))
                .field(Field::angle("half", 3))
                .field(Field::float32("temp"))
                .field(Field::int("counter", 1))
                .field(Field::uint("bit", 1))
        })
        .kind("spark", |k| {
            k.field(pos(32))
                .field(Field::int("ttl", 5))
                .field(Field::angle("heading", 360))
        })
        .input(|i| {
            i.field(Field::vec2("stick", ["sx", "sy"], 8))
                .field(Field::flags("buttons", 3).labels(&["kick", "sprint", "tackle"]))
        })
        .event("goal", |e| {
            e.field(Field::player_ref("scorer")).field(team())
        })
        .build()
        .unwrap()
}

/// Kind indexes of the ball game.
const BALL: u8 = 0;
const PLAYER: u8 = 1;
const GOAL: u8 = 2;
const CLOCK: u8 = 3;
pub const SPARK: u8 = 4;

/// Set the value named `name` of `row` (by the schema's layout).
pub fn set(schema: &Schema, row: &mut Row, name: &str, v: i32) {
    let kind = schema.kind(usize::from(row.kind)).unwrap();
    let at = kind
        .value_index(name)
        .unwrap_or_else(|| panic!("no value {name}"));
    row.values[at] = v;
}

fn get(schema: &Schema, row: &Row, name: &str) -> i32 {
    let kind = schema.kind(usize::from(row.kind)).unwrap();
    row.values[kind.value_index(name).unwrap()]
}

fn new_player(schema: &Schema, rng: &mut Rng, id: u32) -> Row {
    let mut p = Row::new(NetId(id), PLAYER);
    set(schema, &mut p, "x", rng.range(-3200, 3200));
    set(schema, &mut p, "y", rng.range(-2000, 2000));
    set(schema, &mut p, "team", (id % 2) as i32);
    set(schema, &mut p, "stamina", 1000);
    set(schema, &mut p, "owner", id as i32 - 9);
    set(schema, &mut p, "number", (id % 100) as i32);
    set(schema, &mut p, "colour", 0x33_66_cc);
    p
}

/// A match of the ball game, one snapshot per send (3 ticks): the ball rolls and
/// spins, players run and tire, sparks come and go, a player leaves, one joins
/// between kept ids, one id changes kind.
pub fn ball_match(schema: &Schema) -> Vec<RowSnapshot> {
    let mut rng = Rng::new(19);
    let mut ball = Row::new(NetId(1), BALL);
    set(schema, &mut ball, "vx", 40);
    set(schema, &mut ball, "vy", -25);
    set(schema, &mut ball, "size", 12);
    let mut rows = vec![ball];
    for (id, side) in [(2u32, 0), (3, 1)] {
        let mut goal = Row::new(NetId(id), GOAL);
        set(schema, &mut goal, "x", if side == 0 { -200 } else { 200 });
        set(schema, &mut goal, "team", side);
        set(schema, &mut goal, "width", 30);
        rows.push(goal);
    }
    let mut clock = Row::new(NetId(4), CLOCK);
    set(schema, &mut clock, "temp", 21.5f32.to_bits() as i32);
    rows.push(clock);
    for id in [10, 11, 13, 14, 15, 16] {
        rows.push(new_player(schema, &mut rng, id));
    }
    let mut next_spark = 100;
    let mut out = Vec::new();
    for step in 0..16u32 {
        if step > 0 {
            advance(schema, &mut rng, &mut rows, step, &mut next_spark);
        }
        rows.sort_by_key(|r| r.id);
        out.push(RowSnapshot {
            tick: Tick(1000 + 3 * step),
            rows: rows.clone(),
        });
    }
    out
}

fn advance(schema: &Schema, rng: &mut Rng, rows: &mut Vec<Row>, step: u32, next_spark: &mut u32) {
    for row in rows.iter_mut() {
        match row.kind {
            BALL | PLAYER => {
                let (x, y) = (get(schema, row, "x"), get(schema, row, "y"));
                let (vx, vy) = (get(schema, row, "vx"), get(schema, row, "vy"));
                set(schema, row, "x", x + vx * 3 / 2);
                set(schema, row, "y", y + vy * 3 / 2);
                if row.kind == BALL {
                    set(schema, row, "spin", rng.range(-3000, 3000));
                    set(schema, row, "height", rng.range(0, 4095));
                    if rng.one_in(3) {
                        set(schema, row, "holder", rng.range(10, 16));
                    }
                } else {
                    set(schema, row, "vx", (vx + rng.range(-8, 8)).clamp(-90, 90));
                    set(schema, row, "vy", (vy + rng.range(-8, 8)).clamp(-90, 90));
                    set(schema, row, "heading", rng.range(0, 359));
                    let stamina = get(schema, row, "stamina");
                    set(schema, row, "stamina", (stamina - rng.range(0, 9)).max(0));
                    if rng.one_in(4) {
                        let state = get(schema, row, "state");
                        set(schema, row, "state", state ^ (1 << rng.range(0, 3)));
                    }
                    if rng.one_in(5) {
                        let score = get(schema, row, "score");
                        set(schema, row, "score", score + 1);
                        set(
                            schema,
                            row,
                            "kick",
                            (rng.range(0, 1000) as f32 / 7.0).to_bits() as i32,
                        );
                        set(schema, row, "tackle", rng.next() as i32);
                    }
                }
            }
            CLOCK => {
                set(schema, row, "seconds", step as i32);
                set(schema, row, "half", step as i32 % 3);
                set(schema, row, "mood", rng.range(0, 255));
                set(schema, row, "counter", -(step as i32 % 2));
                set(schema, row, "period", (step / 6) as i32);
            }
            SPARK => {
                let ttl = get(schema, row, "ttl");
                set(schema, row, "ttl", ttl - 1);
                let x = get(schema, row, "x");
                set(schema, row, "x", x + 17);
            }
            _ => {}
        }
    }
    rows.retain(|r| r.kind != SPARK || get(schema, r, "ttl") > 0);
    for _ in 0..rng.range(0, 2) {
        let mut spark = Row::new(NetId(*next_spark), SPARK);
        *next_spark += 1 + rng.range(0, 3) as u32;
        set(schema, &mut spark, "x", rng.range(-500, 500));
        set(schema, &mut spark, "ttl", rng.range(1, 6));
        set(schema, &mut spark, "heading", rng.range(0, 359));
        rows.push(spark);
    }
    match step {
        5 => rows.retain(|r| r.id != NetId(14)),
        7 => rows.push(new_player(schema, rng, 12)),
        9 => {
            if let Some(r) = rows.iter_mut().find(|r| r.id == NetId(11)) {
                let mut spark = Row::new(NetId(11), SPARK);
                set(schema, &mut spark, "ttl", 15);
                *r = spark;
            }
        }
        _ => {}
    }
}

/// Two ball-game snapshots with values at the limits of their domains, ids at the
/// ends of u32, and a tick that wraps past u32::MAX between them.
pub fn ball_edges(schema: &Schema) -> (RowSnapshot, RowSnapshot) {
    let mut lo = new_player(schema, &mut Rng::new(1), 0);
    let limits_lo: [(&str, i32); 14] = [
        ("x", i32::MIN),
        ("y", i32::MAX),
        ("vx", i32::MAX),
        ("vy", i32::MIN),
        ("heading", 359),
        ("team", 1),
        ("stamina", 1023),
        ("state", 15),
        ("owner", -1),
        ("number", 127),
        ("score", 65_535),
        ("kick", f32::NAN.to_bits() as i32),
        ("colour", 0xff_ff_ff),
        ("tackle", i32::MIN),
    ];
    for (name, v) in limits_lo {
        set(schema, &mut lo, name, v);
    }
    let mut hi = lo;
    let limits_hi: [(&str, i32); 14] = [
        ("x", i32::MAX),
        ("y", i32::MIN),
        ("vx", i32::MIN),
        ("vy", i32::MAX),
        ("heading", 0),
        ("team", 0),
        ("stamina", 0),
        ("state", 0),
        ("owner", 0),
        ("number", 0),
        ("score", 0),
        ("kick", (-0.0f32).to_bits() as i32),
        ("colour", 0),
        ("tackle", i32::MAX),
    ];
    for (name, v) in limits_hi {
        set(schema, &mut hi, name, v);
    }
    let mut clock_a = Row::new(NetId(5), CLOCK);
    for (name, v) in [
        ("seconds", 4095),
        ("period", 2),
        ("mood", 255),
        ("half", 2),
        ("temp", f32::INFINITY.to_bits() as i32),
        ("counter", -1),
        ("bit", 1),
    ] {
        set(schema, &mut clock_a, name, v);
    }
    let mut clock_b = Row::new(NetId(5), CLOCK);
    set(
        schema,
        &mut clock_b,
        "temp",
        f32::NEG_INFINITY.to_bits() as i32,
    );
    let mut goal = Row::new(NetId(6), GOAL);
    set(schema, &mut goal, "lights", -1);
    set(schema, &mut goal, "width", 255);
    let mut ball = Row::new(NetId(u32::MAX), BALL);
    set(schema, &mut ball, "spin", -32_768);
    set(schema, &mut ball, "height", 4095);
    set(schema, &mut ball, "holder", -1);
    let mut moved_goal = goal;
    set(schema, &mut moved_goal, "lights", 0x5555_5555);
    let mut spark = Row::new(NetId(7), SPARK);
    set(schema, &mut spark, "ttl", -16);
    let a = RowSnapshot {
        tick: Tick(u32::MAX - 1),
        rows: vec![lo, clock_a, goal, spark, ball],
    };
    let mut reborn = Row::new(NetId(7), BALL); // the spark's id, now a ball
    set(schema, &mut reborn, "size", 63);
    set(schema, &mut reborn, "holder", i32::MIN);
    let b = RowSnapshot {
        tick: Tick(2),
        rows: vec![hi, clock_b, moved_goal, reborn],
    };
    (a, b)
}

/// A ball-game snapshot with values outside their fields' domains: Rust codes each
/// as the value it normalizes to, so the decoded rows differ from these.
pub fn ball_out_of_domain(schema: &Schema) -> RowSnapshot {
    let mut p = new_player(schema, &mut Rng::new(2), 20);
    for (name, v) in [
        ("heading", 725),
        ("team", 5),
        ("stamina", 2000),
        ("state", 0xf3),
        ("number", -1),
    ] {
        set(schema, &mut p, name, v);
    }
    let mut clock = Row::new(NetId(21), CLOCK);
    for (name, v) in [("period", 9), ("half", -4), ("counter", 3), ("bit", 2)] {
        set(schema, &mut clock, name, v);
    }
    RowSnapshot {
        tick: Tick(77),
        rows: vec![p, clock],
    }
}
