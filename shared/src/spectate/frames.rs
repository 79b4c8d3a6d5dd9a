//! [`GameFrames`]: the spectator frames of a match of any game, in both formats.
//!
//! The arena's spectators have their own model ([`Feed`]: named fields, its
//! snapshot bodies), every other game's frames come from its schema ([`RowFeed`]);
//! both decide keyframe or delta per tick the same way. A live room and a replay
//! playback of it make their frames here, so for the same ticks a playback sends
//! what a live spectator saw.

use super::{
    EventId, Feed, MapView, PlayerName, RowFeed, RowFrame, SpecEvent, binary_sse, game_event,
};
use crate::codec::RowSnapshot;
use crate::game::erased::Running;
use crate::game::{DynGame, EventRow, Game};
use crate::protocol::Tick;
use crate::schema::Schema;
use crate::sim::{Arena, legacy};
use std::sync::Arc;

/// The frame sequence of one match (see the module docs).
#[derive(Debug)]
pub enum GameFrames {
    /// The arena's own model.
    Arena(Feed),
    /// The schema-driven model of any other game.
    Rows(RowFeed),
}

impl GameFrames {
    /// Frames of `schema`'s game on `map`, ticking `tick_rate` times a second, a
    /// keyframe at least every `keyframe_period` ticks.
    pub fn new(
        schema: &'static Schema,
        map: MapView,
        tick_rate: u16,
        keyframe_period: u32,
    ) -> GameFrames {
        if *schema == *Arena::schema() {
            GameFrames::Arena(Feed::new(map, tick_rate, keyframe_period))
        } else {
            GameFrames::Rows(RowFeed::new(schema, &map.name, tick_rate, keyframe_period))
        }
    }

    /// Frames of the running `game` (an arena's map from its World), the map named
    /// `map_name` otherwise.
    pub fn of_game(
        game: &dyn DynGame,
        map_name: &str,
        tick_rate: u16,
        keyframe_period: u32,
    ) -> GameFrames {
        let map = match game.as_any().downcast_ref::<Running<Arena>>() {
            Some(arena) => MapView::of(arena.game().world().map()),
            None => MapView {
                name: map_name.to_owned(),
                width: 0.0,
                height: 0.0,
                walls: Vec::new(),
            },
        };
        GameFrames::new(game.schema(), map, tick_rate, keyframe_period)
    }

    /// The players in the room from the next frame on (named in keyframes).
    pub fn set_players(&mut self, players: Vec<PlayerName>) {
        match self {
            GameFrames::Arena(feed) => feed.set_players(players),
            GameFrames::Rows(feed) => feed.set_players(players),
        }
    }

    /// Forget the previous frame: the next frame is a keyframe.
    pub fn reset(&mut self) {
        match self {
            GameFrames::Arena(feed) => feed.reset(),
            GameFrames::Rows(feed) => feed.reset(),
        }
    }

    /// The frame of `rows` (keyframe or delta), which becomes the previous one;
    /// `None` (and the feed reset) when a row has a kind the schema lacks.
    pub fn frame(&mut self, rows: Arc<RowSnapshot>) -> Option<RowFrame> {
        match self {
            GameFrames::Arena(feed) => {
                let (event, body) = feed.frame_both(legacy::snapshot(&rows));
                Some(arena_frame(&event, &body))
            }
            GameFrames::Rows(feed) => {
                let frame = feed.frame(rows).ok();
                if frame.is_none() {
                    feed.reset();
                }
                frame
            }
        }
    }

    /// A keyframe of the previous frame (for a viewer joining between keyframes).
    pub fn keyframe(&self) -> Option<RowFrame> {
        match self {
            GameFrames::Arena(feed) => {
                let (event, body) = (feed.keyframe()?, feed.keyframe_body()?);
                Some(arena_frame(&event, &body))
            }
            GameFrames::Rows(feed) => feed.keyframe(),
        }
    }

    /// `event: game` for the events of one step (the same in both formats), naming
    /// the players they mention from `known`; `None` when there were none.
    pub fn game(&self, tick: Tick, events: &[EventRow], known: &[PlayerName]) -> Option<String> {
        match self {
            GameFrames::Arena(_) => {
                let events: Vec<_> = events.iter().filter_map(Arena::event_from_row).collect();
                game_event(tick, &events, known).map(|e| e.to_sse())
            }
            GameFrames::Rows(feed) => feed.game(tick, events, known),
        }
    }
}

/// An arena frame event and its body, in both formats.
fn arena_frame(event: &SpecEvent, body: &[u8]) -> RowFrame {
    RowFrame {
        id: event.id().unwrap_or(EventId(0)),
        keyframe: matches!(event, SpecEvent::Keyframe(_)),
        json: event.to_sse(),
        binary: binary_sse(event, body),
    }
}
