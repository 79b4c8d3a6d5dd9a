//! [`GameFrames`]: the spectator frames of a match of any game, in both formats.
//!
//! One frame maker for a live room and for a replay playback of it, so that for
//! the same ticks a playback sends exactly what a live spectator saw. Frames come
//! from the game's rows through its schema ([`RowFeed`]), the arena's included:
//! its binary bodies are the bytes of its own model (see `arena_rows_tests`).

use super::{PlayerName, RowFeed, RowFrame};
use crate::codec::RowSnapshot;
use crate::game::{DynGame, EventRow};
use crate::protocol::Tick;
use crate::schema::Schema;
use std::sync::Arc;

/// The frame sequence of one match (see the module docs).
#[derive(Debug)]
pub struct GameFrames {
    feed: RowFeed,
}

impl GameFrames {
    /// Frames of `schema`'s game on the map named `map`, ticking `tick_rate` times
    /// a second, a keyframe at least every `keyframe_period` ticks.
    pub fn new(
        schema: &'static Schema,
        map: &str,
        tick_rate: u16,
        keyframe_period: u32,
    ) -> GameFrames {
        GameFrames {
            feed: RowFeed::new(schema, map, tick_rate, keyframe_period),
        }
    }

    /// Frames of the running `game` on the map named `map_name`.
    pub fn of_game(
        game: &dyn DynGame,
        map_name: &str,
        tick_rate: u16,
        keyframe_period: u32,
    ) -> GameFrames {
        GameFrames::new(game.schema(), map_name, tick_rate, keyframe_period)
    }

    /// The players in the room from the next frame on (named in keyframes).
    pub fn set_players(&mut self, players: Vec<PlayerName>) {
        self.feed.set_players(players);
    }

    /// Forget the previous frame: the next frame is a keyframe.
    pub fn reset(&mut self) {
        self.feed.reset();
    }

    /// The frame of `rows` (keyframe or delta), which becomes the previous one;
    /// `None` (and the feed reset) when a row has a kind the schema lacks.
    pub fn frame(&mut self, rows: Arc<RowSnapshot>) -> Option<RowFrame> {
        let frame = self.feed.frame(rows).ok();
        if frame.is_none() {
            self.feed.reset();
        }
        frame
    }

    /// A keyframe of the previous frame (for a viewer joining between keyframes).
    pub fn keyframe(&self) -> Option<RowFrame> {
        self.feed.keyframe()
    }

    /// `event: game` for the events of one step (the same in both formats), naming
    /// the players they mention from `known`; `None` when there were none.
    pub fn game(&self, tick: Tick, events: &[EventRow], known: &[PlayerName]) -> Option<String> {
        self.feed.game(tick, events, known)
    }
}
