//! The replicated view: the state as rows of the schema, and back for the client.
//!
//! Rows come sorted by id: the ball ([`BALL_ID`]), the match ([`MATCH_ID`]), then
//! the players in join order. Numbers are quantized by the schema's scales
//! (rounded, saturating), directions to 256 steps, stamina to whole points.

use crate::input::BallInput;
use crate::pitch::{BALL_RADIUS, PLAYER_RADIUS, Runner, STAMINA_MAX};
use crate::schema::{
    ANGLE_STEPS, BALL, FLAG_KICKING, FLAG_SPRINTING, MATCH, PLAYER, POS_SCALE, RADIUS_SCALE,
    SPIN_SCALE, VEL_SCALE,
};
use crate::schema::{ball_values as bv, match_values as mv, player_values as pv};
use crate::state::{BALL_ID, MATCH_ID, State};
use crate::vector::V2;
use tickcast_shared::codec::Row;
use tickcast_shared::protocol::NetId;

/// `v` in steps of `1 / scale`.
pub fn quantize(v: f32, scale: f32) -> i32 {
    libm::roundf(v * scale) as i32
}

fn put_v2(row: &mut Row, at: usize, v: V2, scale: f32) {
    row.values[at] = quantize(v.x, scale);
    row.values[at + 1] = quantize(v.y, scale);
}

fn get_v2(row: &Row, at: usize, scale: f32) -> V2 {
    V2::new(
        row.values[at] as f32 / scale,
        row.values[at + 1] as f32 / scale,
    )
}

/// Write a runner into a player row (position, velocity, heading, stamina, the
/// sprinting flag).
pub fn put_runner(row: &mut Row, r: &Runner) {
    put_v2(row, pv::X, r.pos, POS_SCALE);
    put_v2(row, pv::VX, r.vel, VEL_SCALE);
    row.values[pv::HEADING] = i32::from(BallInput::dir_of(r.heading));
    row.values[pv::STAMINA] = libm::roundf(r.stamina) as i32;
    let flags = row.values[pv::FLAGS] & !FLAG_SPRINTING;
    row.values[pv::FLAGS] = flags | if r.sprinting { FLAG_SPRINTING } else { 0 };
}

/// A runner as a player row shows it (any values: a row from the network).
pub fn runner_of(row: &Row) -> Runner {
    let dir = row.values[pv::HEADING].rem_euclid(ANGLE_STEPS) as u8;
    Runner {
        pos: get_v2(row, pv::X, POS_SCALE),
        vel: get_v2(row, pv::VX, VEL_SCALE),
        heading: BallInput {
            dir,
            ..BallInput::default()
        }
        .heading(),
        stamina: (row.values[pv::STAMINA] as f32).clamp(0.0, STAMINA_MAX),
        sprinting: row.values[pv::FLAGS] & FLAG_SPRINTING != 0,
    }
}

/// The ball's position as its row shows it.
pub fn ball_pos(row: &Row) -> V2 {
    get_v2(row, bv::X, POS_SCALE)
}

/// Append the state's rows (see the module docs); a player shows `kicking` while
/// its kick cooldown is above `kick_shown_after`.
pub fn rows(state: &State, kick_shown_after: u32, rows: &mut Vec<Row>) {
    let mut ball = Row::new(NetId(BALL_ID), BALL);
    put_v2(&mut ball, bv::X, state.ball.pos, POS_SCALE);
    put_v2(&mut ball, bv::VX, state.ball.vel, VEL_SCALE);
    ball.values[bv::SPIN] = quantize(state.ball.spin, SPIN_SCALE);
    ball.values[bv::RADIUS] = quantize(BALL_RADIUS, RADIUS_SCALE);
    ball.values[bv::TOUCH] = state.touch.0 as i32;
    rows.push(ball);

    let g = &state.game;
    let mut game = Row::new(NetId(MATCH_ID), MATCH);
    game.values[mv::SCORE_RED] = i32::from(g.score_red);
    game.values[mv::SCORE_BLUE] = i32::from(g.score_blue);
    game.values[mv::CLOCK] = i32::from(g.clock);
    game.values[mv::PHASE] = g.phase.index();
    rows.push(game);

    for p in &state.players {
        let mut row = Row::new(NetId(p.id), PLAYER);
        put_runner(&mut row, &p.body);
        row.values[pv::TEAM] = p.team.index();
        if p.kick_cooldown > kick_shown_after {
            row.values[pv::FLAGS] |= FLAG_KICKING;
        }
        row.values[pv::OWNER] = p.player.0 as i32;
        row.values[pv::RADIUS] = quantize(PLAYER_RADIUS, RADIUS_SCALE);
        rows.push(row);
    }
}
