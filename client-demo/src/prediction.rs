//! Client-side prediction of the own player, reconciled against the server (the
//! arena's: its movement rules and map; other games are not predicted).
//!
//! Every input the client sends is also applied locally with the shared
//! `sim::move_player`, so the own player moves at once instead of a round trip later.
//! Each snapshot tells which input the server consumed last (`last_input`); the
//! predictor then restarts from the server's state of the own entity and replays the
//! inputs the server has not consumed yet. The pending inputs are bounded: when the
//! server stops consuming, the oldest are dropped. Each pending input remembers where
//! the prediction had the player after it, so a reconciliation can say how far off
//! the prediction was (the correction, [`Predictor::reconcile`]'s answer).

use std::collections::VecDeque;
use tickcast_shared::game::InputValues;
use tickcast_shared::protocol::InputSeq;
use tickcast_shared::sim::EntityState;
use tickcast_shared::sim::PlayerInput;
use tickcast_shared::sim::{Body, Map, move_player};

/// Default bound on inputs awaiting the server (2 s at 60 Hz).
pub const DEFAULT_PENDING_INPUTS: usize = 120;

/// The predicted own player.
#[derive(Debug, Clone)]
pub struct Predictor {
    map: Map,
    dt: f32,
    /// Inputs not yet consumed, with the predicted position after each.
    pending: VecDeque<(InputSeq, PlayerInput, Option<glam::Vec2>)>,
    capacity: usize,
    body: Option<Body>,
}

impl Predictor {
    /// A predictor on `map`, stepping `1 / tick_rate` per input, keeping at most
    /// `capacity` unacknowledged inputs.
    pub fn new(map: Map, tick_rate: u16, capacity: usize) -> Predictor {
        Predictor {
            map,
            dt: 1.0 / f32::from(tick_rate.max(1)),
            pending: VecDeque::with_capacity(capacity.max(1)),
            capacity: capacity.max(1),
            body: None,
        }
    }

    /// The map predictions collide with.
    pub fn map(&self) -> &Map {
        &self.map
    }

    /// The predicted body, once a snapshot showed the own player alive.
    pub fn body(&self) -> Option<Body> {
        self.body
    }

    /// Inputs sent but not yet consumed by the server.
    pub fn pending(&self) -> usize {
        self.pending.len()
    }

    /// Apply a just-sent input (the arena's input values) locally.
    pub fn input(&mut self, seq: InputSeq, values: &InputValues) {
        let input = crate::arena::input_from_values(values);
        if self.pending.len() >= self.capacity {
            self.pending.pop_front();
        }
        let predicted = self.body.as_mut().map(|body| {
            move_player(body, &input, &self.map, self.dt);
            body.pos
        });
        self.pending.push_back((seq, input, predicted));
    }

    /// Reconcile with the server: `own` is the own entity in the newest snapshot
    /// (`None` when absent), `last_input` the newest input the server consumed.
    ///
    /// Returns the prediction error: the distance between the server's position and
    /// the one predicted after `last_input` (`None` when that input was not predicted
    /// here, e.g. while dead, or is no longer pending).
    pub fn reconcile(&mut self, own: Option<&EntityState>, last_input: InputSeq) -> Option<f32> {
        let mut predicted_at_last = None;
        while let Some((seq, _, predicted)) = self.pending.front().copied() {
            if seq > last_input {
                break;
            }
            predicted_at_last = (seq == last_input).then_some(predicted).flatten();
            self.pending.pop_front();
        }
        let Some(own) = own.filter(|e| e.flags & EntityState::FLAG_DEAD == 0) else {
            self.body = None;
            return None;
        };
        let mut body = Body {
            pos: own.pos(),
            vel: own.vel(),
        };
        let error = predicted_at_last.map(|p| p.distance(body.pos));
        for (_, input, predicted) in &mut self.pending {
            move_player(&mut body, input, &self.map, self.dt);
            *predicted = Some(body.pos);
        }
        self.body = Some(body);
        error
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::arena::input_values;
    use tickcast_shared::protocol::NetId;
    use tickcast_shared::sim::Buttons;
    use tickcast_shared::sim::EntityKind;
    use tickcast_shared::sim::snapshot::{quantize_pos, quantize_vel};

    fn own_at(x: f32, y: f32) -> EntityState {
        EntityState {
            x: quantize_pos(x),
            y: quantize_pos(y),
            hp: 100,
            owner: 1,
            ..EntityState::new(NetId(1), EntityKind::Player)
        }
    }

    fn right() -> PlayerInput {
        PlayerInput {
            buttons: Buttons(Buttons::RIGHT),
            aim: 0.0,
        }
    }

    /// A spot of the default map far from walls: the first spawn point.
    fn spawn() -> glam::Vec2 {
        Map::default_map().spawns[0]
    }

    #[test]
    fn prediction_equals_the_server_replaying_the_same_inputs() {
        let map = Map::default_map();
        let start = spawn();
        let mut p = Predictor::new(map.clone(), 60, 16);
        p.reconcile(Some(&own_at(start.x, start.y)), InputSeq(0));
        for seq in 1..=5 {
            p.input(InputSeq(seq), &input_values(&right()));
        }
        let mut expected = p.body().unwrap();
        assert!(expected.pos.x > start.x, "moving right moves right");
        // The server consumed inputs 1..=3 and reports the state after them.
        let mut server = Body {
            pos: own_at(start.x, start.y).pos(),
            vel: glam::Vec2::ZERO,
        };
        for _ in 0..3 {
            move_player(&mut server, &right(), &map, 1.0 / 60.0);
        }
        let mut reported = own_at(server.pos.x, server.pos.y);
        reported.vx = quantize_vel(server.vel.x);
        let error = p
            .reconcile(Some(&reported), InputSeq(3))
            .expect("input 3 predicted");
        assert!(error < 0.1, "quantization only: {error}");
        assert_eq!(p.pending(), 2);
        // Replaying 4 and 5 from the (quantized) server state lands near the prediction.
        let got = p.body().unwrap();
        expected.pos -= got.pos;
        assert!(expected.pos.length() < 0.5, "off by {:?}", expected.pos);
    }

    #[test]
    fn a_server_state_away_from_the_prediction_is_a_correction_of_that_size() {
        let start = spawn();
        let mut p = Predictor::new(Map::default_map(), 60, 16);
        assert_eq!(
            p.reconcile(Some(&own_at(start.x, start.y)), InputSeq(0)),
            None
        );
        p.input(InputSeq(1), &input_values(&PlayerInput::default()));
        // The server says input 1 left the player 2 units to the right of that.
        let error = p.reconcile(Some(&own_at(start.x + 2.0, start.y)), InputSeq(1));
        assert!((error.unwrap() - 2.0).abs() < 0.1, "{error:?}");
        // An input that is no longer pending has nothing to compare.
        assert_eq!(
            p.reconcile(Some(&own_at(start.x, start.y)), InputSeq(1)),
            None
        );
    }

    #[test]
    fn pending_inputs_are_bounded_and_dead_players_are_not_predicted() {
        let start = spawn();
        let mut p = Predictor::new(Map::default_map(), 60, 4);
        for seq in 1..=10 {
            p.input(InputSeq(seq), &input_values(&right()));
        }
        assert_eq!(p.pending(), 4);
        let mut dead = own_at(start.x, start.y);
        dead.flags = EntityState::FLAG_DEAD;
        p.reconcile(Some(&dead), InputSeq(0));
        assert!(p.body().is_none());
        p.reconcile(None, InputSeq(10));
        assert_eq!(p.pending(), 0);
    }
}
