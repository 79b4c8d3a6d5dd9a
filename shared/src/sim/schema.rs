//! The arena's schema, declared with the generic builder ([`crate::schema`]).
//!
//! Every kind (player, drone, projectile, wire indexes 0, 1, 2) has the same seven
//! fields, in this order (a field a kind does not use stays 0, which costs nothing
//! to send; see [`super::view`] for what each kind fills in):
//!
//! | field   | codec                         | values  | hints                  |
//! |---------|-------------------------------|---------|------------------------|
//! | `pos`   | vec2, 1/16 unit (`POS_SCALE`) | x, y    | position, interpolate  |
//! | `vel`   | vec2, 1/8 unit/s (`VEL_SCALE`)| vx, vy  | velocity, interpolate  |
//! | `angle` | angle, 512 steps              | angle   | heading, interpolate   |
//! | `hp`    | uint 8                        | hp      | health                 |
//! | `score` | uint 16                       | score   | score                  |
//! | `flags` | flags 8 (`dead`)              | flags   | state                  |
//! | `owner` | player ref                    | owner   | owner                  |
//!
//! So each kind's changed-field mask is one 7-bit tree ([`crate::codec::fields`]:
//! bit 0 = pos, ..., bit 6 = owner), as before the schema existed: the arena's bytes
//! did not change.
//!
//! The input is one tick of [`crate::sim::PlayerInput`]: `buttons` (8 flag
//! bits: up, down, left, right, fire) and `aim` (the float in radians). The
//! acknowledged tick, the input sequence and the view tick for lag compensation are
//! the engine's, not the game's. The events are [`crate::sim::GameEvent`]'s.
//!
//! This declaration reproduces the codec that preceded schemas bit for bit; the
//! golden vectors (tests/tests/golden) and `arena_descriptor_is_frozen` guard it.

use crate::codec::RowCodec;
use crate::schema::{Field, FieldsBuilder, Role, Schema, SchemaError};
use crate::sim::snapshot::{ANGLE_STEPS, POS_SCALE, VEL_SCALE};
use std::sync::OnceLock;

/// Wire index of each arena kind (the order of [`arena_schema`]'s kinds).
pub const PLAYER: usize = 0;
pub const DRONE: usize = 1;
pub const PROJECTILE: usize = 2;

/// The seven fields of every arena kind.
fn entity_fields(k: FieldsBuilder) -> FieldsBuilder {
    k.field(
        Field::vec2("pos", ["x", "y"], POS_SCALE as u32)
            .role(Role::Position)
            .interpolate(),
    )
    .field(
        Field::vec2("vel", ["vx", "vy"], VEL_SCALE as u32)
            .role(Role::Velocity)
            .interpolate(),
    )
    .field(
        Field::angle("angle", ANGLE_STEPS)
            .role(Role::Heading)
            .interpolate(),
    )
    .field(Field::uint("hp", 8).role(Role::Health))
    .field(Field::uint("score", 16).role(Role::Score))
    .field(Field::flags("flags", 8).labels(&["dead"]).role(Role::State))
    .field(Field::player_ref("owner").role(Role::Owner))
}

/// Declare the arena's schema (see the module docs).
pub fn build_arena_schema() -> Result<Schema, SchemaError> {
    Schema::builder("arena")
        .describe("top-down arena: players, wandering drones and projectiles")
        .kind("player", entity_fields)
        .kind("drone", entity_fields)
        .kind("projectile", entity_fields)
        .input(|i| {
            i.field(Field::flags("buttons", 8).labels(&["up", "down", "left", "right", "fire"]))
                .field(Field::float32("aim").role(Role::Heading))
        })
        .event("joined", |e| {
            e.field(Field::player_ref("player"))
                .field(Field::entity_ref("entity"))
        })
        .event("left", |e| e.field(Field::player_ref("player")))
        .event("kill", |e| {
            e.field(Field::player_ref("killer"))
                .field(Field::player_ref("victim"))
        })
        .event("respawn", |e| {
            e.field(Field::player_ref("player"))
                .field(Field::entity_ref("entity"))
        })
        .build()
}

/// The arena's schema, built once.
pub fn arena_schema() -> &'static Schema {
    static SCHEMA: OnceLock<Schema> = OnceLock::new();
    SCHEMA.get_or_init(|| {
        build_arena_schema()
            .unwrap_or_else(|e| unreachable!("the arena's schema breaks a rule: {e}"))
    })
}

/// The arena's schema compiled for the delta coder, built once.
pub fn arena_codec() -> &'static RowCodec {
    static CODEC: OnceLock<RowCodec> = OnceLock::new();
    CODEC.get_or_init(|| RowCodec::new(arena_schema()))
}
