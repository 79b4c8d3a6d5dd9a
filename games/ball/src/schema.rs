//! The game's schema: what the engine replicates, what a player sends and what
//! happens, declared with the engine's builder ([`tickcast_shared::schema`]).
//!
//! Three kinds (wire indexes [`BALL`], [`PLAYER`], [`MATCH`]); a row is the kind's
//! values in the order below (a `vec2` is two values); [`ball_values`],
//! [`player_values`] and [`match_values`] name those row indexes (a test checks
//! them against the schema).
//!
//! | kind     | field        | codec                  | hints                  |
//! |----------|--------------|------------------------|------------------------|
//! | `ball`   | `pos` x, y   | vec2, 1/32 m           | position, interpolate  |
//! |          | `vel` vx, vy | vec2, 1/8 m/s          | velocity, interpolate  |
//! |          | `spin`       | fixed 16, 1/64 rad/s   | interpolate            |
//! |          | `radius`     | fixed 8 unsigned, 1/32 m | radius               |
//! |          | `touch`      | player ref             | owner (last to touch)  |
//! | `player` | `pos`, `vel` | as the ball's          | as the ball's          |
//! |          | `heading`    | angle, 256 steps       | heading, interpolate   |
//! |          | `team`       | enum `red`, `blue`     | team                   |
//! |          | `stamina`    | uint 8 (0..=100)       | health                 |
//! |          | `flags`      | flags `sprinting`, `kicking` | state            |
//! |          | `owner`      | player ref             | owner                  |
//! |          | `radius`     | as the ball's          | radius                 |
//! | `match`  | `score_red`, `score_blue` | uint 8    | score                  |
//! |          | `clock`      | uint 16, ticks left    | label                  |
//! |          | `phase`      | enum `kickoff`, `playing`, `goal`, `over` | state |
//!
//! Fields named alike with the same codec (`pos`, `vel`, `radius`) share one
//! adaptive model in the delta coder, so a ball and players teach it together.
//!
//! Input: `dir` (angle, 256 steps: where to run, face and kick) and `buttons`
//! (flags `run`, `sprint`, `kick`). Events: `goal` {`team`, `scorer`}, `kickoff`
//! {`team`}, `match_over` {`winner`: `red`, `blue` or `draw`}.

use std::sync::OnceLock;
use tickcast_shared::schema::{Field, Role, Schema, SchemaError};

/// Wire index of each kind.
pub const BALL: u8 = 0;
pub const PLAYER: u8 = 1;
pub const MATCH: u8 = 2;

/// Row indexes of a ball.
pub mod ball_values {
    pub const X: usize = 0;
    pub const Y: usize = 1;
    pub const VX: usize = 2;
    pub const VY: usize = 3;
    pub const SPIN: usize = 4;
    pub const RADIUS: usize = 5;
    pub const TOUCH: usize = 6;
}

/// Row indexes of a player.
pub mod player_values {
    pub const X: usize = 0;
    pub const Y: usize = 1;
    pub const VX: usize = 2;
    pub const VY: usize = 3;
    pub const HEADING: usize = 4;
    pub const TEAM: usize = 5;
    pub const STAMINA: usize = 6;
    pub const FLAGS: usize = 7;
    pub const OWNER: usize = 8;
    pub const RADIUS: usize = 9;
}

/// Row indexes of the match.
pub mod match_values {
    pub const SCORE_RED: usize = 0;
    pub const SCORE_BLUE: usize = 1;
    pub const CLOCK: usize = 2;
    pub const PHASE: usize = 3;
}

/// Player flag bits.
pub const FLAG_SPRINTING: i32 = 1;
pub const FLAG_KICKING: i32 = 2;

/// Quantization: positions in 1/32 m, velocities in 1/8 m/s, spin in 1/64 rad/s,
/// radii in 1/32 m, directions in 256 steps per turn.
pub const POS_SCALE: f32 = 32.0;
pub const VEL_SCALE: f32 = 8.0;
pub const SPIN_SCALE: f32 = 64.0;
pub const RADIUS_SCALE: f32 = 32.0;
pub const ANGLE_STEPS: i32 = 256;

/// Indexes of the event types.
pub const EVENT_GOAL: u8 = 0;
pub const EVENT_KICKOFF: u8 = 1;
pub const EVENT_MATCH_OVER: u8 = 2;

/// Input value indexes and button bits.
pub const INPUT_DIR: usize = 0;
pub const INPUT_BUTTONS: usize = 1;
pub const BUTTON_RUN: i32 = 1;
pub const BUTTON_SPRINT: i32 = 2;
pub const BUTTON_KICK: i32 = 4;

fn pos() -> Field {
    Field::vec2("pos", ["x", "y"], POS_SCALE as u32)
        .role(Role::Position)
        .interpolate()
}

fn vel() -> Field {
    Field::vec2("vel", ["vx", "vy"], VEL_SCALE as u32)
        .role(Role::Velocity)
        .interpolate()
}

fn radius() -> Field {
    Field::new(
        "radius",
        tickcast_shared::schema::FieldCodec::Fixed {
            bits: 8,
            signed: false,
            scale: RADIUS_SCALE as u32,
        },
    )
    .role(Role::Radius)
}

fn team(name: &str) -> Field {
    Field::enumeration(name, 2)
        .labels(&["red", "blue"])
        .role(Role::Team)
}

/// Declare the schema (see the module docs).
pub fn build_schema() -> Result<Schema, SchemaError> {
    Schema::builder("ball")
        .describe(
            "two teams, one ball with spin: run, sprint, kick and curve it into the other goal",
        )
        .kind("ball", |k| {
            k.field(pos())
                .field(vel())
                .field(Field::fixed("spin", 16, SPIN_SCALE as u32).interpolate())
                .field(radius())
                .field(Field::player_ref("touch").role(Role::Owner))
        })
        .kind("player", |k| {
            k.field(pos())
                .field(vel())
                .field(
                    Field::angle("heading", ANGLE_STEPS as u32)
                        .role(Role::Heading)
                        .interpolate(),
                )
                .field(team("team"))
                .field(Field::uint("stamina", 8).role(Role::Health))
                .field(
                    Field::flags("flags", 2)
                        .labels(&["sprinting", "kicking"])
                        .role(Role::State),
                )
                .field(Field::player_ref("owner").role(Role::Owner))
                .field(radius())
        })
        .kind("match", |k| {
            k.field(Field::uint("score_red", 8).role(Role::Score))
                .field(Field::uint("score_blue", 8).role(Role::Score))
                .field(Field::uint("clock", 16).role(Role::Label))
                .field(
                    Field::enumeration("phase", 4)
                        .labels(&["kickoff", "playing", "goal", "over"])
                        .role(Role::State),
                )
        })
        .input(|i| {
            i.field(Field::angle("dir", ANGLE_STEPS as u32).role(Role::Heading))
                .field(Field::flags("buttons", 3).labels(&["run", "sprint", "kick"]))
        })
        .event("goal", |e| {
            e.field(team("team"))
                .field(Field::player_ref("scorer").role(Role::Owner))
        })
        .event("kickoff", |e| e.field(team("team")))
        .event("match_over", |e| {
            e.field(
                Field::enumeration("winner", 3)
                    .labels(&["red", "blue", "draw"])
                    .role(Role::Team),
            )
        })
        .build()
}

/// The schema, built once.
pub fn ball_schema() -> &'static Schema {
    static SCHEMA: OnceLock<Schema> = OnceLock::new();
    SCHEMA.get_or_init(|| {
        build_schema().unwrap_or_else(|e| unreachable!("the ball schema breaks a rule: {e}"))
    })
}
