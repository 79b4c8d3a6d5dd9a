//! The replay window: the recorded match re-simulated and drawn, paced by the clock.
//!
//! The World is re-simulated from the file as the clock advances (`speed` ticks of
//! match time per tick of wall time); a seek restores the latest checkpoint at or
//! before its target ([`SeekIndex`], [`Resim::seek_from`]) and steps from there (from
//! tick 0 in a file without checkpoints). Keys: Space
//! pauses, Up/Down double or halve the speed (0.25x to 16x), Left/Right seek 5 s,
//! Escape quits. An arena recording is drawn as the arena (map, walls, players); any
//! other game from its schema's render roles ([`RowShapes`], [`RowCanvas`]).

use super::CmdResult;
use macroquad::input::{KeyCode, is_key_down, is_key_pressed};
use tickcast_client::render::{Scene, Viewport, draw_frame};
use tickcast_client::render_rows::RowCanvas;
use tickcast_client::row_shapes::RowShapes;
use tickcast_shared::protocol::Tick;
use tickcast_shared::replay::{Resim, SeekIndex};
use tickcast_shared::sim::{Arena, ArenaConfig, Map, legacy};

/// How the window draws the recorded game.
enum Look {
    /// The arena, on its map.
    Arena(Map),
    /// Any other game, from its schema's render roles.
    Rows(RowShapes, RowCanvas),
}

/// Most ticks re-simulated per drawn frame (a slow frame does not stall the window).
const MAX_STEPS_PER_FRAME: u32 = 4096;
/// Seconds one Left/Right press seeks.
const SEEK_SECS: i64 = 5;

pub fn run(bytes: Vec<u8>, speed: f64) -> CmdResult {
    // Refuse a file whose header cannot be read before opening a window.
    let index = SeekIndex::build(&bytes)?;
    if let Some(stop) = &index.stop {
        eprintln!("tickcast-client replay: playing the undamaged part only: {stop}");
    }
    let conf = macroquad::window::Conf {
        window_title: format!("tickcast replay: {}", index.header.room_name),
        window_width: 1280,
        window_height: 800,
        high_dpi: true,
        ..Default::default()
    };
    macroquad::Window::from_config(conf, window(bytes, index, speed));
    Ok(())
}

async fn window(bytes: Vec<u8>, index: SeekIndex, mut speed: f64) {
    let total = index.ticks;
    let games = tickcast_client::games::catalog();
    let Ok(mut resim) = Resim::new(&bytes, &games) else {
        return;
    };
    let header = resim.header();
    let arena = header.game == <Arena as tickcast_shared::game::Game>::schema().name();
    let mut look = if arena {
        // An arena room's map, else an empty one.
        let map = serde_json::from_value::<ArenaConfig>(header.config_value())
            .map_or_else(|_| Map::fallback(), |c| c.parsed_map().clone());
        Look::Arena(map)
    } else {
        Look::Rows(RowShapes::new(resim.game().schema()), RowCanvas::default())
    };
    let title = match header.map_name.as_str() {
        "" => format!("{} ({})", header.room_name, header.game),
        map => format!("{} ({} on {map})", header.room_name, header.game),
    };
    let tick_rate = resim.header().tick_rate.max(1);
    let mut paused = false;
    // Match time owed to the re-simulation, in ticks.
    let mut owed = 0.0f64;
    loop {
        if is_key_pressed(KeyCode::Space) {
            paused = !paused;
        }
        if is_key_pressed(KeyCode::Up) {
            speed = (speed * 2.0).min(16.0);
        }
        if is_key_pressed(KeyCode::Down) {
            speed = (speed / 2.0).max(0.25);
        }
        let step = SEEK_SECS * i64::from(tick_rate);
        let seek = match (
            is_key_pressed(KeyCode::Right),
            is_key_pressed(KeyCode::Left),
        ) {
            (true, false) => Some(step),
            (false, true) => Some(-step),
            _ => None,
        };
        if let Some(delta) = seek {
            let now = i64::from(resim.tick().0);
            let target = Tick(u32::try_from((now + delta).clamp(0, i64::from(total))).unwrap_or(0));
            // Forward with no checkpoint on the way: stepping on is the quickest.
            let here = resim.tick();
            let checkpoint_between = index
                .checkpoints
                .iter()
                .any(|(t, _)| *t > here && *t <= target);
            if target >= here && !checkpoint_between {
                resim.seek(target);
            } else {
                match Resim::seek_from(&bytes, &games, &index, target) {
                    Ok(sought) => resim = sought,
                    Err(_) => return,
                }
            }
            owed = 0.0;
        }
        if !paused {
            let frame_secs = f64::from(macroquad::time::get_frame_time());
            owed += frame_secs * f64::from(tick_rate) * speed;
            let steps = (owed.floor() as u32).min(MAX_STEPS_PER_FRAME);
            owed = (owed - f64::from(steps)).min(f64::from(MAX_STEPS_PER_FRAME));
            for _ in 0..steps {
                if resim.step().is_none() {
                    owed = 0.0;
                    break;
                }
            }
        }
        let tick = resim.tick().0;
        let status = format!(
            "{title} | {:.1}/{:.1} s | {speed}x{} | space pause, up/down speed, left/right seek",
            f64::from(tick) / f64::from(tick_rate),
            f64::from(total) / f64::from(tick_rate),
            if paused { " paused" } else { "" },
        );
        match &mut look {
            Look::Arena(map) => {
                let snapshot = legacy::snapshot(&resim.view());
                let vp = Viewport::fit(
                    map,
                    macroquad::window::screen_width(),
                    macroquad::window::screen_height(),
                );
                let scene = Scene {
                    map,
                    world: Some(&snapshot),
                    own: None,
                    predicted: None,
                    aim: None,
                    status: &status,
                };
                draw_frame(&scene, &vp);
            }
            Look::Rows(shapes, canvas) => canvas.draw(&shapes.shapes(&resim.view().rows), &status),
        }
        if is_key_down(KeyCode::Escape) {
            break;
        }
        macroquad::window::next_frame().await;
    }
}
