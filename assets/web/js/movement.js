// The player movement rules of shared/src/sim/movement.rs, ported for prediction.
//
// The Rust code uses f32 and only + - * / sqrt and comparisons, so rounding every
// intermediate with Math.fround gives the same bits as the server (checked against
// trajectories the Rust code wrote, tests/browser/golden/movement.json). Constants
// come from sim_constants.js, generated from the Rust ones.

import { BUTTONS, PLAYER_ACCEL, PLAYER_FRICTION, PLAYER_MAX_SPEED, PLAYER_RADIUS } from './sim_constants.js';

const f = Math.fround;
const FRAC_1_SQRT_2 = f(Math.SQRT1_2);

/** The unit (or zero) direction the held buttons ask for (UP is +y). */
export function wishDir(buttons) {
  const axis = (pos, neg) => ((buttons & pos) !== 0 ? 1 : 0) - ((buttons & neg) !== 0 ? 1 : 0);
  const x = axis(BUTTONS.RIGHT, BUTTONS.LEFT);
  const y = axis(BUTTONS.UP, BUTTONS.DOWN);
  if (x !== 0 && y !== 0) return [f(x * FRAC_1_SQRT_2), f(y * FRAC_1_SQRT_2)];
  return [x, y];
}

function length(x, y) {
  return f(Math.sqrt(f(f(x * x) + f(y * y))));
}

/** sweep_axis of shared/src/sim/collide.rs. */
function sweepAxis(from, delta, obstacles, bounds) {
  let to = f(from + delta);
  let blocked = false;
  for (const [lo, hi] of obstacles) {
    if (delta > 0 && from <= lo && to > lo) {
      to = lo;
      blocked = true;
    } else if (delta < 0 && from >= hi && to < hi) {
      to = hi;
      blocked = true;
    }
  }
  if (to < bounds[0]) {
    to = bounds[0];
    blocked ||= delta < 0;
  }
  if (to > bounds[1]) {
    to = bounds[1];
    blocked ||= delta > 0;
  }
  return [to, blocked];
}

function axisBounds(len, half) {
  const mid = f(len * 0.5);
  return [Math.min(half, mid), Math.max(f(len - half), mid)];
}

/**
 * Advance `body` ({x, y, vx, vy}, mutated) one step of `dt` seconds under `buttons`,
 * colliding with `map` ({width, height, walls: [{min: [x, y], max: [x, y]}]}).
 */
export function movePlayer(body, buttons, map, dt) {
  dt = f(dt);
  if (!(Number.isFinite(dt) && dt > 0)) return;
  let speed = length(body.vx, body.vy);
  if (speed > 0) {
    const slowed = Math.max(f(speed - f(PLAYER_FRICTION * dt)), 0);
    const k = f(slowed / speed);
    body.vx = f(body.vx * k);
    body.vy = f(body.vy * k);
  }
  const [dx, dy] = wishDir(buttons);
  const a = f(PLAYER_ACCEL * dt);
  body.vx = f(body.vx + f(dx * a));
  body.vy = f(body.vy + f(dy * a));
  speed = length(body.vx, body.vy);
  if (speed > PLAYER_MAX_SPEED) {
    const k = f(PLAYER_MAX_SPEED / speed);
    body.vx = f(body.vx * k);
    body.vy = f(body.vy * k);
  }

  const r = PLAYER_RADIUS;
  const stepX = f(body.vx * dt);
  const stepY = f(body.vy * dt);

  const y = body.y;
  const xWalls = map.walls
    .filter((w) => y > f(w.min[1] - r) && y < f(w.max[1] + r))
    .map((w) => [f(w.min[0] - r), f(w.max[0] + r)]);
  const [x, blockedX] = sweepAxis(body.x, stepX, xWalls, axisBounds(map.width, r));
  body.x = x;
  if (blockedX) body.vx = 0;

  const yWalls = map.walls
    .filter((w) => x > f(w.min[0] - r) && x < f(w.max[0] + r))
    .map((w) => [f(w.min[1] - r), f(w.max[1] + r)]);
  const [ny, blockedY] = sweepAxis(body.y, stepY, yWalls, axisBounds(map.height, r));
  body.y = ny;
  if (blockedY) body.vy = 0;
}
