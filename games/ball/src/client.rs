//! What runs on a client, from the rows it received: a bot's brain and the
//! prediction of the own player. Rows come from the network, so nothing here
//! trusts them: a missing row gives the idle input, any values give some input.
//!
//! The bot: the player of its team nearest the ball (ties to the lower id) attacks:
//! it gets behind the ball on the line to the other goal (around it, if it is on
//! the wrong side), sprints while far and fresh, and kicks at the goal (aim jittered
//! a little by the bot's own random state) once the ball is in reach in front.
//! Its team mates take lanes (by their rank in the team, mirrored for the two ends,
//! so neither side is favoured) 70 % of the way from their own goal to the ball.

use crate::input::BallInput;
use crate::pitch::{BALL_RADIUS, HALF_LENGTH, KICK_REACH, PLAYER_RADIUS};
use crate::rng::Pcg32;
use crate::schema::{BALL, PLAYER, player_values as pv};
use crate::state::Team;
use crate::vector::V2;
use crate::view::{ball_pos, put_runner, runner_of};
use tickcast_shared::codec::Row;
use tickcast_shared::protocol::NetId;

/// A bot's input for its player `own` (see the module docs).
pub fn bot_input(rows: &[Row], own: Option<NetId>, rng: &mut u64) -> BallInput {
    let me = own.and_then(|id| rows.iter().find(|r| r.id == id && r.kind == PLAYER));
    let (Some(me), Some(ball)) = (me, rows.iter().find(|r| r.kind == BALL)) else {
        return BallInput::default();
    };
    let team = Team::from_index(me.values[pv::TEAM]).unwrap_or(Team::Red);
    let ball = ball_pos(ball);
    let runner = runner_of(me);
    let mates = || {
        rows.iter()
            .filter(|r| r.kind == PLAYER && r.values[pv::TEAM] == team.index())
    };
    let nearest = mates().min_by(|a, b| {
        let (da, db) = (distance2(a, ball), distance2(b, ball));
        da.total_cmp(&db).then(a.id.cmp(&b.id))
    });
    if nearest.map(|r| r.id) != Some(me.id) {
        let own_goal = V2::new(-HALF_LENGTH * team.attack(), 0.0);
        // Lanes by rank among the team (by id), mirrored for the two ends.
        let rank = mates().filter(|r| r.id < me.id).count();
        let lane = ((rank % 3) as f32 - 1.0) * team.attack();
        let spot = own_goal + (ball - own_goal) * 0.7 + V2::new(0.0, lane * 6.0);
        return go_to(runner.pos, spot, false);
    }
    let goal = V2::new(HALF_LENGTH * team.attack(), 0.0);
    let aim = (goal - ball).normalize_or_zero();
    let to_ball = ball - runner.pos;
    let dist = to_ball.length();
    let reach = PLAYER_RADIUS + BALL_RADIUS + KICK_REACH * 0.8;
    if dist <= reach && to_ball.dot(aim) > 0.0 {
        let mut jitter = Pcg32 { state: *rng };
        let angle = aim.angle() + jitter.range(-0.08, 0.08);
        *rng = jitter.state;
        return BallInput {
            dir: BallInput::dir_of(angle),
            run: true,
            sprint: false,
            kick: true,
        };
    }
    let behind = ball - aim * (PLAYER_RADIUS + BALL_RADIUS + 0.2);
    let wrong_side = (runner.pos - ball).dot(aim) > -0.3;
    let target = if wrong_side {
        let side = if aim.cross(runner.pos - ball) >= 0.0 {
            1.0
        } else {
            -1.0
        };
        ball - aim * 1.5 + aim.perp() * (1.8 * side)
    } else {
        behind
    };
    let fresh = runner.stamina > 30.0;
    go_to(runner.pos, target, dist > 6.0 && fresh)
}

fn distance2(row: &Row, to: V2) -> f32 {
    let d = runner_of(row).pos - to;
    d.dot(d)
}

/// Run from `from` toward `to`, or stand (facing there) when close.
fn go_to(from: V2, to: V2, sprint: bool) -> BallInput {
    let way = to - from;
    BallInput {
        dir: BallInput::dir_of(way.angle()),
        run: way.length() > 0.3,
        sprint,
        kick: false,
    }
}

/// Move the own player's row one step by `input`, as the server moves it (the
/// same [`crate::pitch::Runner::run`], from the row's quantized values).
pub fn predict(own: &mut Row, input: &BallInput, dt: f32) {
    if own.kind != PLAYER || !dt.is_finite() || !(0.0..=1.0).contains(&dt) {
        return;
    }
    let mut runner = runner_of(own);
    runner.run(input, dt);
    put_runner(own, &runner);
}
