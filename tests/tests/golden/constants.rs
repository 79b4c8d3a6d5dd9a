//! `assets/web/js/sim_constants.js`: the one source of the constants the browser
//! client shares with the Rust code.

use crate::check_or_bless;
use tickcast_shared::protocol::PROTOCOL_VERSION;
use tickcast_shared::sim::Buttons;
use tickcast_shared::sim::EntityState;
use tickcast_shared::sim::Rules;
use tickcast_shared::sim::movement::{
    PLAYER_ACCEL, PLAYER_FRICTION, PLAYER_MAX_SPEED, PLAYER_RADIUS,
};
use tickcast_shared::sim::snapshot::{ANGLE_STEPS, POS_SCALE, VEL_SCALE};

fn constants_js() -> String {
    let rules = Rules::default();
    format!(
        "// Generated from the Rust constants by tests/tests/golden.rs (TICKCAST_BLESS=1\n\
         // regenerates it; the test fails when this file and the Rust constants differ).\n\
         // Do not edit by hand.\n\
         \n\
         export const PROTOCOL_VERSION = {PROTOCOL_VERSION};\n\
         export const BUTTONS = Object.freeze({{ UP: {}, DOWN: {}, LEFT: {}, RIGHT: {}, FIRE: {} }});\n\
         export const POS_SCALE = {POS_SCALE};\n\
         export const VEL_SCALE = {VEL_SCALE};\n\
         export const ANGLE_STEPS = {ANGLE_STEPS};\n\
         export const FLAG_DEAD = {};\n\
         export const PLAYER_RADIUS = {PLAYER_RADIUS};\n\
         export const PLAYER_ACCEL = {PLAYER_ACCEL};\n\
         export const PLAYER_FRICTION = {PLAYER_FRICTION};\n\
         export const PLAYER_MAX_SPEED = {PLAYER_MAX_SPEED};\n\
         export const MAX_HP = {};\n",
        Buttons::UP,
        Buttons::DOWN,
        Buttons::LEFT,
        Buttons::RIGHT,
        Buttons::FIRE,
        EntityState::FLAG_DEAD,
        rules.max_hp,
    )
}

#[test]
fn sim_constants_js_matches_the_rust_constants() {
    check_or_bless("assets/web/js/sim_constants.js", &constants_js());
}
