//! The full state of one game ([`State`], the `Game::State` that replay checkpoints
//! save), its check on load and its hash.
//!
//! A saved state read from a file is hostile: [`State::check`] refuses anything a
//! step could not have produced under the config (counts over the seats, ids out of
//! order, non-finite or out-of-pitch numbers, timers past their length), so a loaded
//! game only ever holds states the simulation knows.

use crate::config::BallConfig;
use crate::input::BallInput;
use crate::pitch::{
    BallBody, HALF_LENGTH, HALF_WIDTH, KICK_COOLDOWN, MAX_BALL_SPEED, MAX_SPIN, Runner,
    SPRINT_SPEED, STAMINA_MAX,
};
use crate::rng::Pcg32;
use crate::vector::V2;
use serde::{Deserialize, Serialize};
use tickcast_shared::game::Fnv64;
use tickcast_shared::game::Refusal;
use tickcast_shared::protocol::PlayerId;

/// Network ids: the ball, the match, then players from [`FIRST_PLAYER_ID`] up, in
/// join order, never reused.
pub const BALL_ID: u32 = 1;
pub const MATCH_ID: u32 = 2;
pub const FIRST_PLAYER_ID: u32 = 3;

/// Seconds of each pause: before a kickoff, after a goal, after the match.
pub const KICKOFF_PAUSE: f32 = 1.5;
pub const GOAL_PAUSE: f32 = 2.5;
pub const OVER_PAUSE: f32 = 5.0;

/// A side: red attacks `+x`, blue `-x`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Team {
    Red,
    Blue,
}

impl Team {
    /// Its value in the schema's `team` enums.
    pub fn index(self) -> i32 {
        match self {
            Team::Red => 0,
            Team::Blue => 1,
        }
    }

    pub fn from_index(index: i32) -> Option<Team> {
        match index {
            0 => Some(Team::Red),
            1 => Some(Team::Blue),
            _ => None,
        }
    }

    pub fn other(self) -> Team {
        match self {
            Team::Red => Team::Blue,
            Team::Blue => Team::Red,
        }
    }

    /// The direction it attacks along x.
    pub fn attack(self) -> f32 {
        match self {
            Team::Red => 1.0,
            Team::Blue => -1.0,
        }
    }
}

/// Where the match is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Phase {
    /// Players in their halves, the ball on the spot; play starts when the pause
    /// ends (the pause waits while the pitch is empty).
    Kickoff,
    /// The clock runs.
    Playing,
    /// A goal was scored; a kickoff follows the pause.
    Goal,
    /// The clock ran out; a new match follows the pause.
    Over,
}

impl Phase {
    pub fn index(self) -> i32 {
        match self {
            Phase::Kickoff => 0,
            Phase::Playing => 1,
            Phase::Goal => 2,
            Phase::Over => 3,
        }
    }
}

/// One player on the pitch.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct PlayerState {
    pub player: PlayerId,
    /// Its entity's network id.
    pub id: u32,
    pub team: Team,
    pub body: Runner,
    /// The input it holds until it sends another.
    pub input: BallInput,
    /// Steps until it may kick again.
    pub kick_cooldown: u32,
}

/// The match: score, clock and phase.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct MatchState {
    pub score_red: u8,
    pub score_blue: u8,
    /// Steps of play left.
    pub clock: u16,
    pub phase: Phase,
    /// Steps left of the phase's pause (not counted while `Playing`).
    pub pause: u32,
    /// Who has (or had) the current kickoff.
    pub kickoff_team: Team,
}

/// The whole game state (see the module docs).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct State {
    pub tick: u32,
    pub rng: Pcg32,
    /// The next player's network id.
    pub next_id: u32,
    pub ball: BallBody,
    /// The player who touched the ball last (`PlayerId(0)`: nobody since kickoff).
    pub touch: PlayerId,
    /// Sorted by `id`.
    pub players: Vec<PlayerState>,
    pub game: MatchState,
}

fn within(v: V2, x: f32, y: f32) -> bool {
    v.is_finite() && v.x.abs() <= x && v.y.abs() <= y
}

fn refuse(what: &str) -> Result<(), Refusal> {
    Err(Refusal(format!("saved ball state: {what}")))
}

impl State {
    /// Refuse a state no step could have produced under `config` (module docs).
    pub fn check(&self, config: &BallConfig) -> Result<(), Refusal> {
        let fast = 2.0 * MAX_BALL_SPEED;
        let b = &self.ball;
        if !within(b.pos, HALF_LENGTH + 2.0, HALF_WIDTH) || !within(b.vel, fast, fast) {
            return refuse("ball off the pitch or too fast");
        }
        if !b.spin.is_finite() || b.spin.abs() > MAX_SPIN {
            return refuse("ball spin out of range");
        }
        if !(FIRST_PLAYER_ID..=u32::MAX).contains(&self.next_id) {
            return refuse("next id below the first player id");
        }
        let per_team = config.per_team as usize;
        for team in [Team::Red, Team::Blue] {
            if self.players.iter().filter(|p| p.team == team).count() > per_team {
                return refuse("more players on a team than it has seats");
            }
        }
        let sorted = self.players.windows(2).all(|w| match w {
            [a, b] => a.id < b.id,
            _ => true,
        });
        if !sorted {
            return refuse("players not sorted by id");
        }
        let cooldown = config.ticks(KICK_COOLDOWN);
        for (i, p) in self.players.iter().enumerate() {
            let r = &p.body;
            if p.id < FIRST_PLAYER_ID || p.id >= self.next_id {
                return refuse("player id out of range");
            }
            if self
                .players
                .iter()
                .skip(i + 1)
                .any(|q| q.player == p.player)
            {
                return refuse("a player on the pitch twice");
            }
            let fast = 2.0 * SPRINT_SPEED;
            if !within(r.pos, HALF_LENGTH, HALF_WIDTH) || !within(r.vel, fast, fast) {
                return refuse("player off the pitch or too fast");
            }
            if !(r.heading.is_finite() && r.heading.abs() <= 8.0) {
                return refuse("player heading out of range");
            }
            if !(0.0..=STAMINA_MAX).contains(&r.stamina) || p.kick_cooldown > cooldown {
                return refuse("player stamina or kick cooldown out of range");
            }
        }
        let g = &self.game;
        let longest = config.ticks(OVER_PAUSE.max(GOAL_PAUSE).max(KICKOFF_PAUSE));
        if g.clock > config.match_ticks() || g.pause > longest {
            return refuse("match clock or pause out of range");
        }
        Ok(())
    }

    /// FNV-1a over every field of the state, in declaration order.
    pub fn hash(&self) -> u64 {
        let mut h = Fnv64::default();
        h.u32(self.tick);
        h.u64(self.rng.state);
        h.u32(self.next_id);
        hash_v2(&mut h, self.ball.pos);
        hash_v2(&mut h, self.ball.vel);
        h.f32(self.ball.spin);
        h.u32(self.touch.0);
        h.u32(self.players.len() as u32);
        for p in &self.players {
            h.u32(p.player.0);
            h.u32(p.id);
            h.u32(p.team.index() as u32);
            hash_v2(&mut h, p.body.pos);
            hash_v2(&mut h, p.body.vel);
            h.f32(p.body.heading);
            h.f32(p.body.stamina);
            h.bytes(&[u8::from(p.body.sprinting)]);
            let i = &p.input;
            h.bytes(&[i.dir, u8::from(i.run), u8::from(i.sprint), u8::from(i.kick)]);
            h.u32(p.kick_cooldown);
        }
        let g = &self.game;
        h.bytes(&[g.score_red, g.score_blue]);
        h.u32(u32::from(g.clock));
        h.u32(g.phase.index() as u32);
        h.u32(g.pause);
        h.u32(g.kickoff_team.index() as u32);
        h.finish()
    }
}

fn hash_v2(h: &mut Fnv64, v: V2) {
    h.f32(v.x);
    h.f32(v.y);
}
