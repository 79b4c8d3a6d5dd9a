// Generated from the Rust constants by tests/tests/golden.rs (TICKCAST_BLESS=1
// regenerates it; the test fails when this file and the Rust constants differ).
// Do not edit by hand.

export const PROTOCOL_VERSION = 5;
export const BUTTONS = Object.freeze({ UP: 1, DOWN: 2, LEFT: 4, RIGHT: 8, FIRE: 16 });
export const POS_SCALE = 16;
export const VEL_SCALE = 8;
export const ANGLE_STEPS = 512;
export const FLAG_DEAD = 1;
export const PLAYER_RADIUS = 16;
export const PLAYER_ACCEL = 1800;
export const PLAYER_FRICTION = 900;
export const PLAYER_MAX_SPEED = 300;
export const MAX_HP = 100;
