// The JS port of the movement rules (assets/web/js/movement.js) reproduces the
// Rust trajectories bit for bit.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { movePlayer } from '../../assets/web/js/movement.js';
import { golden } from './golden.js';

const { map, cases } = golden('movement');

test('every step equals the Rust f32 result exactly', () => {
  assert.ok(cases.length >= 5);
  for (const c of cases) {
    const [x, y, vx, vy] = c.start.map(Math.fround);
    const body = { x, y, vx, vy };
    const dt = Math.fround(1 / c.tick_rate);
    c.buttons.forEach((buttons, i) => {
      movePlayer(body, buttons, map, dt);
      const got = [body.x, body.y, body.vx, body.vy];
      assert.deepEqual(got, c.steps[i].map(Math.fround), `${c.name}, step ${i + 1}`);
    });
  }
});

test('the trajectories do collide (walls and edges stop a body)', () => {
  const blocked = cases.some((c) => c.steps.some(([, , vx, vy], i) => i > 0 && (vx === 0 || vy === 0) && c.buttons[i] !== 0));
  assert.ok(blocked);
});
