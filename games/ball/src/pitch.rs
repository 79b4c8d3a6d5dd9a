//! The pitch and the physics: sizes and tuning, how a player runs (shared with the
//! client's prediction), how the ball rolls and curves, bounces off the walls, meets
//! bodies and is kicked.
//!
//! Units are metres and seconds; the origin is the centre spot, red defends the
//! goal at `x = -HALF_LENGTH` and attacks the one at `x = +HALF_LENGTH`. Everything
//! is `f32` arithmetic and `libm` (see [`crate::vector`]), in a fixed order.

use crate::input::BallInput;
use crate::vector::V2;

pub const HALF_LENGTH: f32 = 30.0;
pub const HALF_WIDTH: f32 = 18.0;
/// Half the goal mouth: a goal is the ball's centre past the goal line within it.
pub const GOAL_HALF_WIDTH: f32 = 3.5;

pub const PLAYER_RADIUS: f32 = 0.6;
pub const BALL_RADIUS: f32 = 0.35;

pub const RUN_SPEED: f32 = 6.5;
pub const SPRINT_SPEED: f32 = 9.5;
/// How fast a player's velocity follows its wish (per second).
pub const RESPONSE: f32 = 10.0;

pub const STAMINA_MAX: f32 = 100.0;
/// Stamina spent per second of sprinting, and regained per second otherwise.
pub const STAMINA_DRAIN: f32 = 30.0;
pub const STAMINA_REFILL: f32 = 12.0;
/// A player who stopped sprinting (or ran dry) sprints again from this much.
pub const SPRINT_AGAIN: f32 = 20.0;

/// How far past touching a kick reaches.
pub const KICK_REACH: f32 = 0.5;
pub const KICK_SPEED: f32 = 20.0;
/// Seconds between two kicks of one player, and how long a kick shows in `flags`.
pub const KICK_COOLDOWN: f32 = 0.4;
pub const KICK_SHOWN: f32 = 0.2;
/// Spin (rad/s) per m/s the kicker runs sideways to its facing; spin is capped.
pub const SPIN_PER_LATERAL: f32 = 0.8;
pub const MAX_SPIN: f32 = 8.0;
/// How fast spin turns the ball's path (rad/s of turn per rad/s of spin).
pub const MAGNUS: f32 = 0.08;
pub const SPIN_DECAY: f32 = 0.7;
/// Air drag (per second) and rolling resistance (m/s²).
pub const BALL_DRAG: f32 = 0.5;
pub const ROLL_DECEL: f32 = 1.2;
pub const MAX_BALL_SPEED: f32 = 30.0;
/// Speed kept by a bounce off a wall, and off a body.
pub const WALL_BOUNCE: f32 = 0.7;
pub const BODY_BOUNCE: f32 = 0.4;

/// What moves a player: the part of its state that its own input drives (the
/// client predicts exactly this).
#[derive(Debug, Clone, Copy, PartialEq, Default, serde::Serialize, serde::Deserialize)]
pub struct Runner {
    pub pos: V2,
    pub vel: V2,
    /// Facing, in radians.
    pub heading: f32,
    pub stamina: f32,
    pub sprinting: bool,
}

impl Runner {
    /// One step of running by `input`: face `dir`; with `run`, the velocity eases
    /// toward the run (or, with `sprint`, the sprint) speed that way, else toward
    /// rest; stay inside the walls. Sprinting drains stamina, anything else refills
    /// it; a player who ran dry sprints again only from [`SPRINT_AGAIN`].
    pub fn run(&mut self, input: &BallInput, dt: f32) {
        self.heading = input.heading();
        let fresh = if self.sprinting {
            self.stamina > 0.0
        } else {
            self.stamina >= SPRINT_AGAIN
        };
        self.sprinting = input.run && input.sprint && fresh;
        let target = match (input.run, self.sprinting) {
            (false, _) => V2::ZERO,
            (true, false) => V2::from_angle(self.heading) * RUN_SPEED,
            (true, true) => V2::from_angle(self.heading) * SPRINT_SPEED,
        };
        self.vel += (target - self.vel) * (RESPONSE * dt).min(1.0);
        self.pos += self.vel * dt;
        let (lx, ly) = (HALF_LENGTH - PLAYER_RADIUS, HALF_WIDTH - PLAYER_RADIUS);
        if self.pos.x.abs() > lx {
            self.pos.x = self.pos.x.clamp(-lx, lx);
            self.vel.x = 0.0;
        }
        if self.pos.y.abs() > ly {
            self.pos.y = self.pos.y.clamp(-ly, ly);
            self.vel.y = 0.0;
        }
        self.stamina = if self.sprinting {
            (self.stamina - STAMINA_DRAIN * dt).max(0.0)
        } else {
            (self.stamina + STAMINA_REFILL * dt).min(STAMINA_MAX)
        };
    }
}

/// The ball's motion.
#[derive(Debug, Clone, Copy, PartialEq, Default, serde::Serialize, serde::Deserialize)]
pub struct BallBody {
    pub pos: V2,
    pub vel: V2,
    /// Spin in rad/s; positive curves the path to the left.
    pub spin: f32,
}

/// Which end the ball went in at: `+1.0` past `+HALF_LENGTH`, `-1.0` past the other.
pub type GoalEnd = f32;

impl BallBody {
    /// One step of flight: spin turns the path (keeping the speed), drag and
    /// rolling resistance slow it, spin decays, then it moves.
    pub fn roll(&mut self, dt: f32) {
        let speed = self.vel.length();
        if speed > 0.0 {
            let turned = self.vel + self.vel.perp() * (MAGNUS * self.spin * dt);
            self.vel = turned.normalize_or_zero() * speed;
        }
        let slowed = (speed * (1.0 - BALL_DRAG * dt) - ROLL_DECEL * dt).max(0.0);
        self.vel = self.vel.normalize_or_zero() * slowed.min(MAX_BALL_SPEED);
        self.spin *= (1.0 - SPIN_DECAY * dt).max(0.0);
        self.pos += self.vel * dt;
    }

    /// Score or bounce: the end of a goal the ball's centre went past, else bounce
    /// it off the walls (the goal line beside the mouth is a wall) and `None`.
    pub fn bounce(&mut self) -> Option<GoalEnd> {
        if self.pos.y.abs() < GOAL_HALF_WIDTH && self.pos.x.abs() > HALF_LENGTH {
            return Some(if self.pos.x > 0.0 { 1.0 } else { -1.0 });
        }
        let ly = HALF_WIDTH - BALL_RADIUS;
        if self.pos.y.abs() > ly {
            self.pos.y = (2.0 * ly.copysign(self.pos.y) - self.pos.y).clamp(-ly, ly);
            self.vel.y = -self.vel.y * WALL_BOUNCE;
            self.spin *= -0.5;
        }
        let lx = HALF_LENGTH - BALL_RADIUS;
        if self.pos.x.abs() > lx && self.pos.y.abs() >= GOAL_HALF_WIDTH {
            self.pos.x = (2.0 * lx.copysign(self.pos.x) - self.pos.x).clamp(-lx, lx);
            self.vel.x = -self.vel.x * WALL_BOUNCE;
            self.spin *= -0.5;
        }
        None
    }

    /// Push the ball out of a player's body, bouncing off it (a running player
    /// dribbles). Whether they touched.
    pub fn meet(&mut self, body: &Runner) -> bool {
        let apart = self.pos - body.pos;
        let dist = apart.length();
        let touching = PLAYER_RADIUS + BALL_RADIUS;
        if dist >= touching {
            return false;
        }
        let normal = if dist > 1e-6 {
            apart * (1.0 / dist)
        } else {
            V2::from_angle(body.heading)
        };
        self.pos = body.pos + normal * touching;
        let closing = (self.vel - body.vel).dot(normal);
        if closing < 0.0 {
            self.vel -= normal * ((1.0 + BODY_BOUNCE) * closing);
        }
        true
    }

    /// The kick `kicker` gives the ball, if it is in reach and not behind it: along
    /// the kicker's facing, with spin from running sideways to it.
    pub fn kick_by(&self, kicker: &Runner) -> Option<Kick> {
        let facing = V2::from_angle(kicker.heading);
        let apart = self.pos - kicker.pos;
        let reach = apart.length();
        if reach > PLAYER_RADIUS + BALL_RADIUS + KICK_REACH || apart.dot(facing) < 0.0 {
            return None;
        }
        let lateral = facing.cross(kicker.vel);
        Some(Kick {
            vel: (facing * KICK_SPEED + kicker.vel * 0.25).clamp_length(MAX_BALL_SPEED),
            spin: (lateral * SPIN_PER_LATERAL).clamp(-MAX_SPIN, MAX_SPIN),
            reach,
        })
    }

    /// Take the kicks of one step: one sets the ball's velocity and spin, several
    /// (a tackle) their mean, so no kicker wins by the order they are listed in.
    pub fn take_kicks(&mut self, kicks: &[Kick]) {
        if kicks.is_empty() {
            return;
        }
        let share = 1.0 / kicks.len() as f32;
        let (mut vel, mut spin) = (V2::ZERO, 0.0);
        for kick in kicks {
            vel += kick.vel * share;
            spin += kick.spin * share;
        }
        self.vel = vel;
        self.spin = spin;
    }
}

/// One player's kick of the ball.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Kick {
    pub vel: V2,
    pub spin: f32,
    /// How far the kicker's centre was from the ball's.
    pub reach: f32,
}

/// Push two overlapping players apart, half each.
pub fn separate(a: &mut Runner, b: &mut Runner) {
    let apart = b.pos - a.pos;
    let dist = apart.length();
    let touching = 2.0 * PLAYER_RADIUS;
    if dist >= touching {
        return;
    }
    let normal = if dist > 1e-6 {
        apart * (1.0 / dist)
    } else {
        V2::new(1.0, 0.0)
    };
    let push = normal * ((touching - dist) * 0.5);
    a.pos -= push;
    b.pos += push;
}
