//! Collision geometry against map walls: swept boxes for players, swept points
//! (segments) against boxes and circles for projectiles.
//!
//! Every test is swept (from the start of a step to its end), so nothing tunnels
//! through a thin wall however large `dt` or a speed is. Only `+ - * /` and
//! comparisons are used, so results are bit-identical on every machine.

use super::map::Wall;
use glam::Vec2;

/// Move a coordinate `from` by `delta` along one axis, stopping at the first
/// obstacle face. `obstacles` are the `[lo, hi]` intervals (on this axis) of walls
/// already expanded by the mover's half-size and overlapping it on the other axis;
/// `bounds` is the allowed `[lo, hi]` range. Returns the new coordinate and whether
/// the move was blocked (the caller then zeroes that velocity component).
///
/// A wall only blocks a mover that starts outside it on the near side, so a mover
/// placed inside a wall can always walk out.
pub fn sweep_axis(
    from: f32,
    delta: f32,
    obstacles: impl Iterator<Item = (f32, f32)>,
    bounds: (f32, f32),
) -> (f32, bool) {
    let mut to = from + delta;
    let mut blocked = false;
    for (lo, hi) in obstacles {
        if delta > 0.0 && from <= lo && to > lo {
            to = lo;
            blocked = true;
        } else if delta < 0.0 && from >= hi && to < hi {
            to = hi;
            blocked = true;
        }
    }
    if to < bounds.0 {
        to = bounds.0;
        blocked |= delta < 0.0;
    }
    if to > bounds.1 {
        to = bounds.1;
        blocked |= delta > 0.0;
    }
    (to, blocked)
}

/// The `[lo, hi]` range a point of half-size `half` may occupy on an axis of
/// length `len`. Degenerates to the middle if the axis is narrower than the mover.
pub fn axis_bounds(len: f32, half: f32) -> (f32, f32) {
    let mid = len * 0.5;
    (half.min(mid), (len - half).max(mid))
}

/// Where along the segment `from -> from + delta` (as a fraction in `[0, 1]`) a point
/// of radius `radius` first touches `wall`; `Some(0.0)` if it starts touching it.
pub fn segment_wall(from: Vec2, delta: Vec2, radius: f32, wall: &Wall) -> Option<f32> {
    let min = wall.min - Vec2::splat(radius);
    let max = wall.max + Vec2::splat(radius);
    let mut t_enter = 0.0f32;
    let mut t_exit = 1.0f32;
    for (p, d, lo, hi) in [
        (from.x, delta.x, min.x, max.x),
        (from.y, delta.y, min.y, max.y),
    ] {
        if d == 0.0 {
            if p < lo || p > hi {
                return None;
            }
        } else {
            let (a, b) = ((lo - p) / d, (hi - p) / d);
            let (near, far) = if a < b { (a, b) } else { (b, a) };
            t_enter = t_enter.max(near);
            t_exit = t_exit.min(far);
            if t_enter > t_exit {
                return None;
            }
        }
    }
    Some(t_enter)
}

/// Where along the segment `from -> from + delta` (fraction in `[0, 1]`) it first
/// comes within `radius` of `center`; `Some(0.0)` if it starts within.
pub fn segment_circle(from: Vec2, delta: Vec2, center: Vec2, radius: f32) -> Option<f32> {
    let rel = from - center;
    let c = rel.dot(rel) - radius * radius;
    if c <= 0.0 {
        return Some(0.0);
    }
    let a = delta.dot(delta);
    if a == 0.0 {
        return None;
    }
    let b = rel.dot(delta);
    if b >= 0.0 {
        return None; // moving away
    }
    let disc = b * b - a * c;
    if disc < 0.0 {
        return None;
    }
    let t = (-b - disc.sqrt()) / a;
    (t <= 1.0).then_some(t.max(0.0))
}

/// Where along `from -> from + delta` (fraction in `[0, 1]`) a point leaves the
/// box `[0, size]`; `None` if it stays inside.
pub fn segment_exit(from: Vec2, delta: Vec2, size: Vec2) -> Option<f32> {
    let mut t_exit: Option<f32> = None;
    for (p, d, len) in [(from.x, delta.x, size.x), (from.y, delta.y, size.y)] {
        let end = p + d;
        let t = if end < 0.0 {
            Some(if d == 0.0 { 0.0 } else { -p / d })
        } else if end > len {
            Some(if d == 0.0 { 0.0 } else { (len - p) / d })
        } else {
            None
        };
        if let Some(t) = t {
            let t = t.clamp(0.0, 1.0);
            t_exit = Some(t_exit.map_or(t, |e: f32| e.min(t)));
        }
    }
    t_exit
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wall() -> Wall {
        Wall {
            min: Vec2::new(10.0, 10.0),
            max: Vec2::new(12.0, 20.0),
        }
    }

    #[test]
    fn sweep_stops_at_the_near_face_and_reports_it() {
        let (to, blocked) = sweep_axis(0.0, 50.0, [(10.0, 12.0)].into_iter(), (0.0, 100.0));
        assert_eq!((to, blocked), (10.0, true));
        let (to, blocked) = sweep_axis(20.0, -50.0, [(10.0, 12.0)].into_iter(), (0.0, 100.0));
        assert_eq!((to, blocked), (12.0, true));
        let (to, blocked) = sweep_axis(20.0, 5.0, [(10.0, 12.0)].into_iter(), (0.0, 100.0));
        assert_eq!((to, blocked), (25.0, false));
        let (to, blocked) = sweep_axis(98.0, 5.0, std::iter::empty(), (0.0, 100.0));
        assert_eq!((to, blocked), (100.0, true));
    }

    #[test]
    fn thin_wall_stops_a_fast_segment() {
        let t = segment_wall(Vec2::new(0.0, 15.0), Vec2::new(1000.0, 0.0), 0.0, &wall());
        assert_eq!(t, Some(0.01));
        assert_eq!(
            segment_wall(Vec2::new(0.0, 25.0), Vec2::new(1000.0, 0.0), 0.0, &wall()),
            None
        );
        // Grazing with a radius counts.
        assert!(segment_wall(Vec2::new(0.0, 22.0), Vec2::new(1000.0, 0.0), 3.0, &wall()).is_some());
        // Starting inside: immediate.
        assert_eq!(
            segment_wall(Vec2::new(11.0, 15.0), Vec2::new(0.0, 5.0), 0.0, &wall()),
            Some(0.0)
        );
    }

    #[test]
    fn circle_hit_fraction() {
        let t = segment_circle(
            Vec2::ZERO,
            Vec2::new(100.0, 0.0),
            Vec2::new(50.0, 0.0),
            10.0,
        );
        assert_eq!(t, Some(0.4));
        assert_eq!(
            segment_circle(
                Vec2::ZERO,
                Vec2::new(100.0, 0.0),
                Vec2::new(50.0, 20.0),
                10.0
            ),
            None
        );
        assert_eq!(
            segment_circle(Vec2::ZERO, Vec2::new(30.0, 0.0), Vec2::new(50.0, 0.0), 10.0),
            None
        );
        assert_eq!(
            segment_circle(
                Vec2::ZERO,
                Vec2::new(-100.0, 0.0),
                Vec2::new(50.0, 0.0),
                10.0
            ),
            None
        );
    }

    #[test]
    fn exit_fraction() {
        let size = Vec2::new(100.0, 100.0);
        assert_eq!(
            segment_exit(Vec2::new(90.0, 50.0), Vec2::new(20.0, 0.0), size),
            Some(0.5)
        );
        assert_eq!(
            segment_exit(Vec2::new(50.0, 50.0), Vec2::new(20.0, 0.0), size),
            None
        );
        assert_eq!(
            segment_exit(Vec2::new(50.0, 5.0), Vec2::new(0.0, -10.0), size),
            Some(0.5)
        );
    }
}
