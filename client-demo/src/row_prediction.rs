//! Client-side prediction of the own entity for any game of the catalog, on rows.
//!
//! The game's predictor ([`DynPredictor`], made from the room's config by its
//! [`GameEntry`](tickcast_shared::game::GameEntry)) moves the own row one tick per
//! input. As in the arena's [`crate::prediction`], every sent input is applied at
//! once and remembered (bounded); each snapshot's `last_input` drops the consumed
//! ones, the prediction restarts from the server's row and replays the rest. The
//! correction is the distance between where the prediction had the entity after
//! `last_input` and where the server has it, measured on the kind's field with the
//! `position` role (a `vec2`); a kind without one reports no corrections.

use std::collections::VecDeque;
use tickcast_shared::codec::Row;
use tickcast_shared::game::{DynPredictor, InputValues};
use tickcast_shared::protocol::InputSeq;
use tickcast_shared::schema::{FieldCodec, Role, Schema};

/// The predicted own row of a game's entity.
pub struct RowPredictor {
    game: Box<dyn DynPredictor>,
    schema: Schema,
    dt: f32,
    /// Inputs not yet consumed, with the predicted row after each.
    pending: VecDeque<(InputSeq, InputValues, Option<Row>)>,
    capacity: usize,
    own: Option<Row>,
}

impl std::fmt::Debug for RowPredictor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RowPredictor")
            .field("game", &self.schema.name())
            .field("pending", &self.pending.len())
            .field("own", &self.own)
            .finish_non_exhaustive()
    }
}

impl RowPredictor {
    /// A predictor stepping `1 / tick_rate` per input with `game`, for rows of
    /// `schema`, keeping at most `capacity` unacknowledged inputs.
    pub fn new(
        game: Box<dyn DynPredictor>,
        schema: &Schema,
        tick_rate: u16,
        capacity: usize,
    ) -> RowPredictor {
        RowPredictor {
            game,
            schema: schema.clone(),
            dt: 1.0 / f32::from(tick_rate.max(1)),
            pending: VecDeque::with_capacity(capacity.max(1)),
            capacity: capacity.max(1),
            own: None,
        }
    }

    /// The predicted own row, once a snapshot showed it.
    pub fn own(&self) -> Option<&Row> {
        self.own.as_ref()
    }

    /// Inputs sent but not yet consumed by the server.
    pub fn pending(&self) -> usize {
        self.pending.len()
    }

    /// Apply a just-sent input locally.
    pub fn input(&mut self, seq: InputSeq, values: &InputValues) {
        if self.pending.len() >= self.capacity {
            self.pending.pop_front();
        }
        let predicted = self.own.as_mut().map(|row| {
            self.game.predict(row, values, self.dt);
            *row
        });
        self.pending.push_back((seq, values.clone(), predicted));
    }

    /// Reconcile with the server's own row (`None`: absent) after it consumed
    /// `last_input`; returns the correction (see the module docs).
    pub fn reconcile(&mut self, own: Option<&Row>, last_input: InputSeq) -> Option<f32> {
        let mut predicted_at_last = None;
        while let Some((seq, _, predicted)) = self.pending.front() {
            if *seq > last_input {
                break;
            }
            predicted_at_last = (*seq == last_input).then_some(*predicted).flatten();
            self.pending.pop_front();
        }
        let Some(server) = own.copied() else {
            self.own = None;
            return None;
        };
        let error = predicted_at_last.and_then(|p| self.distance(&p, &server));
        let mut row = server;
        for (_, values, predicted) in &mut self.pending {
            self.game.predict(&mut row, values, self.dt);
            *predicted = Some(row);
        }
        self.own = Some(row);
        error
    }

    /// Distance between two rows' positions, in world units.
    fn distance(&self, a: &Row, b: &Row) -> Option<f32> {
        let kind = self.schema.kind(usize::from(b.kind))?;
        let (at, scale) = kind.layout().find_map(|(at, field)| match field.codec {
            FieldCodec::Vec2 { scale } if field.hints.role == Some(Role::Position) => {
                Some((at, scale.max(1) as f32))
            }
            _ => None,
        })?;
        let part = |r: &Row, i: usize| r.values.get(at + i).map_or(0.0, |v| *v as f32) / scale;
        let (dx, dy) = (part(a, 0) - part(b, 0), part(a, 1) - part(b, 1));
        Some((dx * dx + dy * dy).sqrt())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tickcast_shared::game::{Game, GameEntry};
    use tickcast_shared::protocol::NetId;
    use tickcast_shared::sim::schema::arena_schema;
    use tickcast_shared::sim::{Arena, ArenaConfig, Buttons, Map, PlayerInput, WorldConfig};

    fn arena_predictor() -> RowPredictor {
        let config = ArenaConfig::new(
            "arena".into(),
            tickcast_shared::sim::map::DEFAULT_MAP.into(),
            WorldConfig::new(60, 0),
        );
        let entry = GameEntry::of::<Arena>();
        let game = (entry.predictor)(&serde_json::to_value(config).unwrap()).unwrap();
        RowPredictor::new(game, arena_schema(), 60, 4)
    }

    fn own_at(x: i32, y: i32) -> Row {
        let mut row = Row::new(NetId(1), 0);
        row.values[0] = x;
        row.values[1] = y;
        row.values[5] = 100;
        row
    }

    fn right() -> InputValues {
        Arena::input_values(&PlayerInput {
            buttons: Buttons(Buttons::RIGHT),
            aim: 0.0,
        })
    }

    #[test]
    fn the_games_predictor_moves_the_own_row_and_reconciles() {
        let spawn = Map::default_map().spawns[0] * 16.0;
        let start = own_at(spawn.x as i32, spawn.y as i32);
        let mut p = arena_predictor();
        assert_eq!(p.reconcile(Some(&start), InputSeq(0)), None);
        for seq in 1..=3 {
            p.input(InputSeq(seq), &right());
        }
        let predicted = *p.own().unwrap();
        assert!(
            predicted.values[0] > start.values[0],
            "moving right moves right"
        );
        // The server agrees on input 1 exactly: no correction.
        let mut server = start;
        arena_predictor()
            .game
            .predict(&mut server, &right(), 1.0 / 60.0);
        let error = p.reconcile(Some(&server), InputSeq(1)).unwrap();
        assert!(error < 0.01, "{error}");
        assert_eq!(p.pending(), 2);
        // The server has input 2 leave the entity 2 units (32 steps of 1/16)
        // right of the prediction: a correction of 2.
        let mut shifted = server;
        arena_predictor()
            .game
            .predict(&mut shifted, &right(), 1.0 / 60.0);
        shifted.values[0] += 32;
        let error = p.reconcile(Some(&shifted), InputSeq(2)).unwrap();
        assert!((error - 2.0).abs() < 0.01, "{error}");
        // Bounded, and forgotten when the own entity is gone.
        for seq in 5..=20 {
            p.input(InputSeq(seq), &right());
        }
        assert_eq!(p.pending(), 4);
        assert_eq!(p.reconcile(None, InputSeq(20)), None);
        assert!(p.own().is_none());
    }
}
