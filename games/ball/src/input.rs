//! What a player sends ([`BallInput`]) and what happens ([`BallEvent`]), and their
//! value forms in the schema ([`InputValues`], [`EventRow`]).
//!
//! Input values come from the network: [`BallInput::from_values`] takes any `i32`s
//! and clamps them into the fields' domains (a direction wraps into one turn, the
//! buttons keep their three bits); a short row reads as zeros.

use crate::schema::{
    ANGLE_STEPS, BUTTON_KICK, BUTTON_RUN, BUTTON_SPRINT, EVENT_GOAL, EVENT_KICKOFF,
    EVENT_MATCH_OVER, INPUT_BUTTONS, INPUT_DIR,
};
use crate::state::Team;
use serde::{Deserialize, Serialize};
use std::f32::consts::TAU;
use tickcast_shared::game::{EventRow, InputValues};
use tickcast_shared::protocol::PlayerId;

/// One player's input for one tick. A player keeps its last input until it sends
/// another.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BallInput {
    /// Where to run, face and kick, in 256 steps per turn (0 = +x, counter-clockwise).
    pub dir: u8,
    pub run: bool,
    /// Run faster while stamina lasts.
    pub sprint: bool,
    /// Kick the ball if it is in reach in front.
    pub kick: bool,
}

impl BallInput {
    /// The direction in radians.
    pub fn heading(&self) -> f32 {
        f32::from(self.dir) * (TAU / ANGLE_STEPS as f32)
    }

    /// The step of a direction in radians (any finite value; others give 0).
    pub fn dir_of(radians: f32) -> u8 {
        let steps = libm::roundf(radians * (ANGLE_STEPS as f32 / TAU)) as i32;
        steps.rem_euclid(ANGLE_STEPS) as u8
    }

    pub fn values(&self) -> InputValues {
        let buttons = [
            (self.run, BUTTON_RUN),
            (self.sprint, BUTTON_SPRINT),
            (self.kick, BUTTON_KICK),
        ]
        .iter()
        .filter(|(on, _)| *on)
        .fold(0, |bits, (_, bit)| bits | bit);
        InputValues(vec![i32::from(self.dir), buttons])
    }

    /// An input from any values (see the module docs).
    pub fn from_values(values: &InputValues) -> BallInput {
        let buttons = values.get(INPUT_BUTTONS);
        BallInput {
            dir: values.get(INPUT_DIR).rem_euclid(ANGLE_STEPS) as u8,
            run: buttons & BUTTON_RUN != 0,
            sprint: buttons & BUTTON_SPRINT != 0,
            kick: buttons & BUTTON_KICK != 0,
        }
    }
}

/// Something that happened in a step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BallEvent {
    /// `team` scored; `scorer` touched the ball last (it may be an own goal;
    /// `PlayerId(0)` when nobody touched it).
    Goal { team: Team, scorer: PlayerId },
    /// Play started; `team` had the kickoff.
    Kickoff { team: Team },
    /// The clock ran out; `None` is a draw.
    MatchOver { winner: Option<Team> },
}

impl BallEvent {
    pub fn row(&self) -> EventRow {
        let (event, values) = match *self {
            BallEvent::Goal { team, scorer } => (EVENT_GOAL, vec![team.index(), scorer.0 as i32]),
            BallEvent::Kickoff { team } => (EVENT_KICKOFF, vec![team.index()]),
            BallEvent::MatchOver { winner } => {
                (EVENT_MATCH_OVER, vec![winner.map_or(2, Team::index)])
            }
        };
        EventRow { event, values }
    }

    /// The event of a row, or `None` if the row is not one of this schema (unknown
    /// index, wrong value count, a value outside its field).
    pub fn from_row(row: &EventRow) -> Option<BallEvent> {
        match (row.event, row.values.as_slice()) {
            (EVENT_GOAL, &[team, scorer]) => Some(BallEvent::Goal {
                team: Team::from_index(team)?,
                scorer: PlayerId(scorer as u32),
            }),
            (EVENT_KICKOFF, &[team]) => Some(BallEvent::Kickoff {
                team: Team::from_index(team)?,
            }),
            (EVENT_MATCH_OVER, &[2]) => Some(BallEvent::MatchOver { winner: None }),
            (EVENT_MATCH_OVER, &[team]) => Some(BallEvent::MatchOver {
                winner: Some(Team::from_index(team)?),
            }),
            _ => None,
        }
    }
}
