// The ball game's page module (games/ball): how the keyboard and a touch stick
// become its input, and the pitch under the players. Everything else (decoding,
// interpolation, the players and the ball, the score) the pages take from the
// schema. The play view calls `inputFor` once per input tick; its answer names the
// input fields of the schema: `dir` in radians (world y up), `buttons` by label.

/** The pitch (games/ball/src/pitch.rs): half length and width, half goal mouth, m. */
const HALF_LENGTH = 30;
const HALF_WIDTH = 18;
const GOAL_HALF_WIDTH = 3.5;
const GOAL_DEPTH = 1.5;

/** The whole pitch and its goals stay in view. */
export const bounds = { minX: -HALF_LENGTH - 2, minY: -HALF_WIDTH - 1, maxX: HALF_LENGTH + 2, maxY: HALF_WIDTH + 1 };

/** Ticks as a match clock, m:ss (whole seconds, rounded up: 0:00 only at the end). */
export function clockText(ticks, { tickRate = 60 } = {}) {
  const secs = Math.max(0, Math.ceil(Number(ticks) / Math.max(1, tickRate)));
  return `${Math.floor(secs / 60)}:${String(secs % 60).padStart(2, '0')}`;
}

/** Options for the SDK's renderer: the ball white (kind colours in wire order:
 * ball, player, match; players take their team's colour); no caption on the ball
 * (its owner is only who touched it last); the match clock as m:ss. */
export const renderOptions = {
  palette: ['#f8fafc', '#a3a3a3', '#fde047'],
  caption: (kind) => (kind === 'ball' ? null : undefined),
  format: { clock: clockText },
};

/** The touch button's word. */
export const touchButton = 'Kick';

export const help = 'WASD or arrows run, shift sprints, space kicks (where you face; run sideways while kicking to curve it). Red attacks right, blue left.';

let facing = 0;

/**
 * This tick's input.
 * @param {Set<string>} keys the held keys' `KeyboardEvent.code`s
 * @param {{stick: number | null, button: boolean}} pointer the touch stick's
 *   direction (radians, world y up; null when not pushed) and its button
 * @returns {{dir: number, buttons: string[]}}
 */
export function inputFor(keys, pointer) {
  const held = (...codes) => codes.some((c) => keys.has(c));
  const dx = (held('KeyD', 'ArrowRight') ? 1 : 0) - (held('KeyA', 'ArrowLeft') ? 1 : 0);
  const dy = (held('KeyW', 'ArrowUp') ? 1 : 0) - (held('KeyS', 'ArrowDown') ? 1 : 0);
  let run = dx !== 0 || dy !== 0;
  if (run) facing = Math.atan2(dy, dx);
  if (pointer.stick !== null) {
    facing = pointer.stick;
    run = true;
  }
  const buttons = [];
  if (run) buttons.push('run');
  if (run && held('ShiftLeft', 'ShiftRight')) buttons.push('sprint');
  if (held('Space') || pointer.button) buttons.push('kick');
  return { dir: facing, buttons };
}

/** Draw the pitch: `toScreen(x, y)` maps metres to canvas pixels. */
export function drawUnder(ctx, toScreen, scale) {
  const [x0, y0] = toScreen(-HALF_LENGTH, HALF_WIDTH);
  const [x1, y1] = toScreen(HALF_LENGTH, -HALF_WIDTH);
  ctx.fillStyle = '#14532d';
  ctx.fillRect(x0, y0, x1 - x0, y1 - y0);
  ctx.strokeStyle = 'rgba(255,255,255,0.6)';
  ctx.lineWidth = 2;
  ctx.strokeRect(x0, y0, x1 - x0, y1 - y0);
  const [cx, cy] = toScreen(0, 0);
  ctx.beginPath();
  ctx.moveTo(cx, y0);
  ctx.lineTo(cx, y1);
  ctx.stroke();
  ctx.beginPath();
  ctx.arc(cx, cy, 5 * scale, 0, 2 * Math.PI);
  ctx.stroke();
  // The goals: red defends the left one, blue the right one.
  for (const [side, colour] of [[-1, '#ef4444'], [1, '#3b82f6']]) {
    const [gx, gy0] = toScreen(side * HALF_LENGTH, GOAL_HALF_WIDTH);
    const [gx1, gy1] = toScreen(side * (HALF_LENGTH + GOAL_DEPTH), -GOAL_HALF_WIDTH);
    ctx.strokeStyle = colour;
    ctx.lineWidth = 3;
    ctx.strokeRect(Math.min(gx, gx1), gy0, Math.abs(gx1 - gx), gy1 - gy0);
  }
}
