//! Drawing the arena with macroquad (feature `window`).
//!
//! Pure drawing: a [`Viewport`] fits the map into the window (world y points up,
//! screen y down), [`draw_frame`] paints walls, entities and the own player at its
//! predicted position. It holds no state and reads no input, so the `play` command
//! and a replay viewer can both use it.

use glam::Vec2;
use macroquad::color::{Color, DARKGRAY, GOLD, GRAY, LIGHTGRAY, ORANGE, RED, SKYBLUE, WHITE};
use macroquad::shapes::{draw_circle, draw_circle_lines, draw_line, draw_rectangle};
use macroquad::text::draw_text;
use tickcast_shared::protocol::NetId;
use tickcast_shared::sim::{Body, Map};
use tickcast_shared::sim::{EntityKind, EntityState, Snapshot};

/// Radius of a player as drawn, in world units.
const PLAYER_RADIUS: f32 = 16.0;
const DRONE_RADIUS: f32 = 12.0;
const PROJECTILE_RADIUS: f32 = 4.0;
/// Screen pixels kept free above the arena for the status line.
const STATUS_HEIGHT: f32 = 32.0;
/// The window's background.
pub const BACKGROUND: Color = Color::new(0.08, 0.09, 0.11, 1.0);

/// How world coordinates map to the window.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Viewport {
    /// Screen position of the world's top-left corner (`left`, `top`).
    origin: Vec2,
    scale: f32,
    left: f32,
    top: f32,
}

impl Viewport {
    /// Fit `map` into a `width` x `height` window with a margin, keeping the aspect.
    pub fn fit(map: &Map, width: f32, height: f32) -> Viewport {
        Viewport::fit_box(Vec2::ZERO, map.size, width, height)
    }

    /// Fit the world box from `min` to `max` into a `width` x `height` window with
    /// a margin, keeping the aspect.
    pub fn fit_box(min: Vec2, max: Vec2, width: f32, height: f32) -> Viewport {
        let margin = 16.0;
        let size = (max - min).max(Vec2::ONE);
        let free = Vec2::new(width - 2.0 * margin, height - 2.0 * margin - STATUS_HEIGHT);
        let scale = (free.x / size.x).min(free.y / size.y).max(0.01);
        let drawn = size * scale;
        Viewport {
            origin: Vec2::new(margin, margin + STATUS_HEIGHT) + (free - drawn) / 2.0,
            scale,
            left: min.x,
            top: min.y + size.y,
        }
    }

    /// World point -> screen point.
    pub fn to_screen(&self, p: Vec2) -> Vec2 {
        Vec2::new(
            self.origin.x + (p.x - self.left) * self.scale,
            self.origin.y + (self.top - p.y) * self.scale,
        )
    }

    /// Screen point -> world point.
    pub fn to_world(&self, s: Vec2) -> Vec2 {
        Vec2::new(
            self.left + (s.x - self.origin.x) / self.scale,
            self.top - (s.y - self.origin.y) / self.scale,
        )
    }

    /// World length -> screen length.
    pub fn len(&self, world: f32) -> f32 {
        world * self.scale
    }
}

/// What one frame shows.
#[derive(Debug, Clone, Copy)]
pub struct Scene<'a> {
    pub map: &'a Map,
    pub world: Option<&'a Snapshot>,
    /// The own player's entity: drawn at `predicted` when that is known.
    pub own: Option<NetId>,
    pub predicted: Option<Body>,
    /// Own aim in radians, drawn as a line from the own player.
    pub aim: Option<f32>,
    /// A status line at the top left.
    pub status: &'a str,
}

/// Paint one frame: background, walls, entities, the own player, the status line.
pub fn draw_frame(scene: &Scene<'_>, vp: &Viewport) {
    macroquad::window::clear_background(BACKGROUND);
    let corner = vp.to_screen(Vec2::new(0.0, scene.map.size.y));
    draw_rectangle(
        corner.x,
        corner.y,
        vp.len(scene.map.size.x),
        vp.len(scene.map.size.y),
        Color::new(0.13, 0.14, 0.17, 1.0),
    );
    for wall in &scene.map.walls {
        let top_left = vp.to_screen(Vec2::new(wall.min.x, wall.max.y));
        let size = (wall.max - wall.min) * vp.scale;
        draw_rectangle(top_left.x, top_left.y, size.x, size.y, GRAY);
    }
    if let Some(world) = scene.world {
        for e in &world.entities {
            if Some(e.id) != scene.own {
                draw_entity(e, e.pos(), false, vp);
            }
        }
        if let Some(me) = scene.own.and_then(|id| world.get(id)) {
            let pos = scene.predicted.map_or(me.pos(), |b| b.pos);
            // The server's position as a faint ring, the prediction solid.
            let server = vp.to_screen(me.pos());
            draw_circle_lines(server.x, server.y, vp.len(PLAYER_RADIUS), 1.0, DARKGRAY);
            draw_entity(me, pos, true, vp);
            if let Some(aim) = scene.aim {
                let from = vp.to_screen(pos);
                let to = vp.to_screen(pos + Vec2::from_angle(aim) * PLAYER_RADIUS * 2.5);
                draw_line(from.x, from.y, to.x, to.y, 2.0, WHITE);
            }
        }
    }
    draw_text(scene.status, 12.0, 24.0, 22.0, LIGHTGRAY);
}

fn draw_entity(e: &EntityState, pos: Vec2, own: bool, vp: &Viewport) {
    let s = vp.to_screen(pos);
    let dead = e.flags & EntityState::FLAG_DEAD != 0;
    match e.kind {
        EntityKind::Player if dead => {
            draw_circle_lines(s.x, s.y, vp.len(PLAYER_RADIUS), 1.0, GRAY);
        }
        EntityKind::Player => {
            let color = if own { SKYBLUE } else { ORANGE };
            draw_circle(s.x, s.y, vp.len(PLAYER_RADIUS), color);
            let tip = vp.to_screen(pos + Vec2::from_angle(e.angle_rad()) * PLAYER_RADIUS);
            draw_line(s.x, s.y, tip.x, tip.y, 2.0, BACKGROUND);
            let label = format!("{} hp {}", e.hp, e.score);
            draw_text(
                &label,
                s.x - 18.0,
                s.y - vp.len(PLAYER_RADIUS) - 4.0,
                16.0,
                WHITE,
            );
        }
        EntityKind::Drone => draw_circle(s.x, s.y, vp.len(DRONE_RADIUS), RED),
        EntityKind::Projectile => draw_circle(s.x, s.y, vp.len(PROJECTILE_RADIUS).max(2.0), GOLD),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn viewport_flips_y_and_round_trips() {
        let map = Map {
            name: "t".into(),
            size: Vec2::new(200.0, 100.0),
            spawns: vec![],
            walls: vec![],
        };
        let vp = Viewport::fit(&map, 432.0, 264.0);
        // 200x100 into 400x200 (after margins and the status line): scale 2.
        assert_eq!(vp.to_screen(Vec2::new(0.0, 100.0)), Vec2::new(16.0, 48.0));
        assert_eq!(vp.to_screen(Vec2::new(200.0, 0.0)), Vec2::new(416.0, 248.0));
        // A wider window centres the arena horizontally.
        let wide = Viewport::fit(&map, 632.0, 264.0);
        assert_eq!(
            wide.to_screen(Vec2::new(0.0, 100.0)),
            Vec2::new(116.0, 48.0)
        );
        let p = Vec2::new(37.5, 12.25);
        assert!((vp.to_world(vp.to_screen(p)) - p).length() < 1e-4);
    }
}
