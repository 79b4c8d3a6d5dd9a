//! One step of the game: the commands in the order the API gives them (leaves,
//! joins, inputs), then the match phase's rules.
//!
//! - A join takes a seat on the team with fewer players (red on a tie); a join the
//!   teams have no room for, or of a player already on the pitch, is ignored (the
//!   engine asks [`crate::Ball`]'s `admit` first). A leave removes the player.
//! - `Kickoff`: players stand in formation in their halves (one of the team with
//!   the kickoff at the ball) and may only turn; the pause counts down while anyone
//!   is on the pitch, then play starts (`kickoff`).
//! - `Playing`: players run, bump and kick (kicks in one step share: the ball takes
//!   their mean, the touch goes to the nearest kicker); the ball flies, meets bodies,
//!   bounces; a goal scores and pauses (`goal`); the clock counts down to `Over`
//!   (`match_over`). An empty pitch goes back to `Kickoff` to wait.
//! - `Goal` and `Over`: players run freely, the ball rests; then a kickoff (the
//!   conceding team's) or a new match (a coin toss from the seeded generator).

use crate::Ball;
use crate::input::{BallEvent, BallInput};
use crate::pitch::{
    BALL_RADIUS, BallBody, HALF_LENGTH, HALF_WIDTH, KICK_COOLDOWN, PLAYER_RADIUS, Runner,
    STAMINA_MAX, separate,
};
use crate::state::{
    GOAL_PAUSE, KICKOFF_PAUSE, MatchState, OVER_PAUSE, Phase, PlayerState, State, Team,
};
use crate::vector::V2;
use tickcast_shared::game::StepCommands;
use tickcast_shared::protocol::PlayerId;

impl Ball {
    /// One step (see the module docs).
    pub(crate) fn advance(&mut self, commands: &StepCommands<BallInput>) -> Vec<BallEvent> {
        let mut events = Vec::new();
        let s = &mut self.state;
        s.tick = s.tick.wrapping_add(1);
        for player in &commands.leaves {
            s.players.retain(|p| p.player != *player);
        }
        for player in &commands.joins {
            self.join(*player);
        }
        let s = &mut self.state;
        // The first input of each player on the pitch counts (linear in the
        // commands: a replay file may list any number).
        let mut taken = vec![false; s.players.len()];
        for (player, input) in &commands.inputs {
            let Some(i) = s.players.iter().position(|p| p.player == *player) else {
                continue;
            };
            if let (Some(taken), Some(p)) = (taken.get_mut(i), s.players.get_mut(i)) {
                if !*taken {
                    *taken = true;
                    p.input = *input;
                }
            }
        }
        match s.game.phase {
            Phase::Kickoff => self.kickoff(&mut events),
            Phase::Playing => self.play(&mut events),
            Phase::Goal | Phase::Over => self.pause(),
        }
        events
    }

    /// The team a new player joins, if either has room.
    pub(crate) fn team_for_newcomer(&self) -> Option<Team> {
        let count = |team| self.state.players.iter().filter(|p| p.team == team).count();
        let (red, blue) = (count(Team::Red), count(Team::Blue));
        let seats = self.config.per_team as usize;
        let team = if red <= blue { Team::Red } else { Team::Blue };
        (red.min(blue) < seats).then_some(team)
    }

    fn join(&mut self, player: PlayerId) {
        if self.state.players.iter().any(|p| p.player == player) {
            return;
        }
        let Some(team) = self.team_for_newcomer() else {
            return;
        };
        let s = &mut self.state;
        let Some(next_id) = s.next_id.checked_add(1) else {
            return;
        };
        let slot = s.players.iter().filter(|p| p.team == team).count();
        let pos = kickoff_place(team, slot, s.game.kickoff_team);
        let heading = if team == Team::Red {
            0.0
        } else {
            std::f32::consts::PI
        };
        s.players.push(PlayerState {
            player,
            id: s.next_id,
            team,
            body: Runner {
                pos,
                vel: V2::ZERO,
                heading,
                stamina: STAMINA_MAX,
                sprinting: false,
            },
            input: BallInput {
                dir: BallInput::dir_of(heading),
                ..BallInput::default()
            },
            kick_cooldown: 0,
        });
        s.next_id = next_id;
    }

    fn kickoff(&mut self, events: &mut Vec<BallEvent>) {
        let dt = self.config.dt();
        let s = &mut self.state;
        for p in &mut s.players {
            let turn_only = BallInput {
                run: false,
                ..p.input
            };
            p.body.run(&turn_only, dt);
        }
        if s.players.is_empty() {
            return;
        }
        s.game.pause = s.game.pause.saturating_sub(1);
        if s.game.pause == 0 {
            s.game.phase = Phase::Playing;
            events.push(BallEvent::Kickoff {
                team: s.game.kickoff_team,
            });
        }
    }

    fn play(&mut self, events: &mut Vec<BallEvent>) {
        let (dt, cooldown) = (self.config.dt(), self.config.ticks(KICK_COOLDOWN));
        let s = &mut self.state;
        if s.players.is_empty() {
            s.game.phase = Phase::Kickoff;
            s.game.pause = self.config.ticks(KICKOFF_PAUSE);
            line_up(s);
            return;
        }
        run_players(s, dt);
        let mut kicks = Vec::new();
        let mut nearest: Option<(f32, PlayerId)> = None;
        for p in &mut s.players {
            p.kick_cooldown = p.kick_cooldown.saturating_sub(1);
            if !p.input.kick || p.kick_cooldown > 0 {
                continue;
            }
            if let Some(kick) = s.ball.kick_by(&p.body) {
                p.kick_cooldown = cooldown;
                if nearest.is_none_or(|(reach, _)| kick.reach < reach) {
                    nearest = Some((kick.reach, p.player));
                }
                kicks.push(kick);
            }
        }
        s.ball.take_kicks(&kicks);
        if let Some((_, player)) = nearest {
            s.touch = player;
        }
        s.ball.roll(dt);
        for p in &s.players {
            if s.ball.meet(&p.body) {
                s.touch = p.player;
            }
        }
        if let Some(end) = s.ball.bounce() {
            let team = if end > 0.0 { Team::Red } else { Team::Blue };
            let g = &mut s.game;
            match team {
                Team::Red => g.score_red = g.score_red.saturating_add(1),
                Team::Blue => g.score_blue = g.score_blue.saturating_add(1),
            }
            events.push(BallEvent::Goal {
                team,
                scorer: s.touch,
            });
            g.phase = Phase::Goal;
            g.pause = self.config.ticks(GOAL_PAUSE);
            g.kickoff_team = team.other();
            s.ball = BallBody {
                pos: V2::new(end * (HALF_LENGTH + 1.0), s.ball.pos.y),
                ..BallBody::default()
            };
            return;
        }
        s.game.clock = s.game.clock.saturating_sub(1);
        if s.game.clock == 0 {
            let g = &mut s.game;
            let winner = match g.score_red.cmp(&g.score_blue) {
                std::cmp::Ordering::Greater => Some(Team::Red),
                std::cmp::Ordering::Less => Some(Team::Blue),
                std::cmp::Ordering::Equal => None,
            };
            events.push(BallEvent::MatchOver { winner });
            g.phase = Phase::Over;
            g.pause = self.config.ticks(OVER_PAUSE);
            s.ball.vel = V2::ZERO;
            s.ball.spin = 0.0;
        }
    }

    fn pause(&mut self) {
        let s = &mut self.state;
        run_players(s, self.config.dt());
        for p in &mut s.players {
            p.kick_cooldown = p.kick_cooldown.saturating_sub(1);
        }
        s.game.pause = s.game.pause.saturating_sub(1);
        if s.game.pause > 0 {
            return;
        }
        if s.game.phase == Phase::Over {
            s.game = MatchState {
                score_red: 0,
                score_blue: 0,
                clock: self.config.match_ticks(),
                ..s.game
            };
            s.game.kickoff_team = coin_toss(s);
        }
        s.game.phase = Phase::Kickoff;
        s.game.pause = self.config.ticks(KICKOFF_PAUSE);
        line_up(s);
    }
}

/// Run every player by its held input, then push overlapping ones apart (in id
/// order) and keep them on the pitch.
fn run_players(s: &mut State, dt: f32) {
    for p in &mut s.players {
        p.body.run(&p.input, dt);
    }
    for i in 0..s.players.len() {
        let (head, tail) = s.players.split_at_mut(i + 1);
        if let Some(a) = head.last_mut() {
            for b in tail {
                separate(&mut a.body, &mut b.body);
            }
        }
    }
    let (lx, ly) = (HALF_LENGTH - PLAYER_RADIUS, HALF_WIDTH - PLAYER_RADIUS);
    for p in &mut s.players {
        p.body.pos = V2::new(p.body.pos.x.clamp(-lx, lx), p.body.pos.y.clamp(-ly, ly));
    }
}

/// A coin toss for the first kickoff of a match.
pub(crate) fn coin_toss(s: &mut State) -> Team {
    if s.rng.next_u32() & 1 == 0 {
        Team::Red
    } else {
        Team::Blue
    }
}

/// Ball on the spot, nobody's touch, every player at its formation place.
pub(crate) fn line_up(s: &mut State) {
    s.ball = BallBody::default();
    s.touch = PlayerId(0);
    let mut slots = [0usize; 2];
    for p in &mut s.players {
        let slot = &mut slots[usize::from(p.team == Team::Blue)];
        p.body.pos = kickoff_place(p.team, *slot, s.game.kickoff_team);
        p.body.vel = V2::ZERO;
        *slot += 1;
    }
}

/// The kickoff place of a team's `slot`-th player: the first player of the team
/// with the kickoff stands at the ball, the others in columns of three back from
/// the halfway line, in their own half.
fn kickoff_place(team: Team, slot: usize, kickoff_team: Team) -> V2 {
    if slot == 0 && team == kickoff_team {
        return V2::new(-(PLAYER_RADIUS + BALL_RADIUS + 0.3) * team.attack(), 0.0);
    }
    let column = (slot / 3) as f32;
    let row = (slot % 3) as f32 - 1.0;
    let x = -(4.0 + 6.5 * column) * team.attack();
    V2::new(x, (row * 7.0 + column * 1.5) * team.attack())
}
