//! Drawing any game's rows with macroquad (feature `window`): the [`Shapes`] of
//! [`crate::row_shapes`] in a view that grows to hold every position seen so far
//! (world y up), circles sized, pointed and painted by the schema's render roles,
//! health bars scaled by the most health seen, captions, and the rows without a
//! position as text lines under the status line.

use crate::render::{BACKGROUND, Viewport};
use crate::row_shapes::{Paint, Shapes};
use glam::Vec2;
use macroquad::color::{Color, LIGHTGRAY, WHITE};
use macroquad::shapes::{draw_circle, draw_line, draw_rectangle};
use macroquad::text::draw_text;

/// Colours by palette index (a `colour` value below its length) and by kind.
const PALETTE: [u32; 8] = [
    0x60a5fa, 0xf87171, 0xfde047, 0x4ade80, 0xc084fc, 0xfb923c, 0x2dd4bf, 0xf472b6,
];
/// Colours by `team` value.
const TEAMS: [u32; 4] = [0xef4444, 0x3b82f6, 0x22c55e, 0xeab308];
/// Size of a shape without a `radius`, in screen pixels.
const DEFAULT_RADIUS_PX: f32 = 6.0;

fn rgb(packed: u32) -> Color {
    Color::from_rgba((packed >> 16) as u8, (packed >> 8) as u8, packed as u8, 255)
}

fn pick(table: &[u32], index: u32) -> Color {
    let len = u32::try_from(table.len()).unwrap_or(1).max(1);
    rgb(table
        .get((index % len) as usize)
        .copied()
        .unwrap_or(0xffffff))
}

fn colour(paint: Paint) -> Color {
    match paint {
        Paint::Colour(c) if (c as usize) < PALETTE.len() => pick(&PALETTE, c),
        Paint::Colour(c) => rgb(c & 0xff_ffff),
        Paint::Team(t) => pick(&TEAMS, t),
        Paint::Kind(k) => pick(&PALETTE, u32::from(k)),
    }
}

/// The drawing state of one view: the world box seen so far, the most health seen.
#[derive(Debug, Clone, Default)]
pub struct RowCanvas {
    seen: Option<(Vec2, Vec2)>,
    health_max: f32,
}

impl RowCanvas {
    /// Paint one frame of `shapes` with `status` on top.
    pub fn draw(&mut self, shapes: &Shapes, status: &str) {
        for s in &shapes.placed {
            let r = s.radius.unwrap_or(0.0);
            let (lo, hi) = (s.pos - Vec2::splat(r), s.pos + Vec2::splat(r));
            let (min, max) = self.seen.get_or_insert((lo, hi));
            *min = min.min(lo);
            *max = max.max(hi);
            if let Some(h) = s.health {
                self.health_max = self.health_max.max(h);
            }
        }
        macroquad::window::clear_background(BACKGROUND);
        let (min, max) = self.seen.unwrap_or((Vec2::splat(-1.0), Vec2::ONE));
        let pad = (max - min).max(Vec2::ONE) * 0.05;
        let vp = Viewport::fit_box(
            min - pad,
            max + pad,
            macroquad::window::screen_width(),
            macroquad::window::screen_height(),
        );
        // Large things first, so small ones stay visible on top of them.
        let mut placed: Vec<_> = shapes.placed.iter().collect();
        placed.sort_by(|a, b| b.radius.unwrap_or(0.0).total_cmp(&a.radius.unwrap_or(0.0)));
        for s in placed {
            let at = vp.to_screen(s.pos);
            let r = s.radius.map_or(DEFAULT_RADIUS_PX, |r| vp.len(r).max(1.0));
            draw_circle(at.x, at.y, r, colour(s.paint));
            if let Some(h) = s.heading {
                let tip = vp.to_screen(s.pos) + Vec2::new(h.cos(), -h.sin()) * r;
                draw_line(at.x, at.y, tip.x, tip.y, 2.0, BACKGROUND);
            }
            if let Some(h) = s.health.filter(|_| self.health_max > 0.0) {
                let full = 2.0 * r;
                let part = (h / self.health_max).clamp(0.0, 1.0);
                draw_rectangle(at.x - r, at.y - r - 6.0, full, 3.0, LIGHTGRAY);
                draw_rectangle(at.x - r, at.y - r - 6.0, full * part, 3.0, rgb(0x4ade80));
            }
            if !s.caption.is_empty() {
                draw_text(&s.caption, at.x - r, at.y - r - 9.0, 16.0, WHITE);
            }
        }
        draw_text(status, 12.0, 24.0, 22.0, LIGHTGRAY);
        for (i, line) in shapes.loose.iter().enumerate() {
            draw_text(line, 12.0, 46.0 + 18.0 * i as f32, 16.0, LIGHTGRAY);
        }
    }
}
