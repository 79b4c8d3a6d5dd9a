// The pages' input for any game (assets/web/js/game_input.js) and the ball game's
// page module (assets/web/games/ball.js): values by field name become the schema's
// input values, and a game without a module gets a mapping from its input schema.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { parseSchema } from '../../assets/web/sdk/index.js';
import { defaultModule, inputValues } from '../../assets/web/js/game_input.js';
import * as ball from '../../assets/web/games/ball.js';

const ballSchema = parseSchema(readFileSync(new URL('../../games/ball/tests/ball_schema.json', import.meta.url), 'utf8'));
const still = { stick: null, button: false };

/** A game whose input is a move vector and flags, to exercise the default mapping. */
const vecSchema = parseSchema({
  format: 1,
  name: 'vecgame',
  description: '',
  kinds: [{ name: 'dot', fields: [{ name: 'pos', codec: { type: 'vec2', scale: 16 }, parts: ['x', 'y'], labels: [], hints: { motion: 'interpolate', role: 'position' } }] }],
  input: [
    { name: 'move', codec: { type: 'vec2', scale: 16 }, parts: ['mx', 'my'], labels: [], hints: { motion: 'snap', role: null } },
    { name: 'keys', codec: { type: 'flags', bits: 5 }, parts: [], labels: ['up', 'down', 'left', 'right', 'jump'], hints: { motion: 'snap', role: null } },
  ],
  events: [],
});

test('the ball module runs, sprints and kicks the way the keys point', () => {
  assert.deepEqual(inputValues(ballSchema, ball.inputFor(new Set(['KeyD']), still)), [0, 1]);
  assert.deepEqual(inputValues(ballSchema, ball.inputFor(new Set(['ArrowUp', 'ShiftLeft']), still)), [64, 3]);
  // No key: no run, the last direction kept for a kick.
  assert.deepEqual(inputValues(ballSchema, ball.inputFor(new Set(['Space']), still)), [64, 4]);
  assert.deepEqual(inputValues(ballSchema, ball.inputFor(new Set(['KeyA', 'KeyS']), still)), [160, 1]);
  // The touch stick points and runs; its button kicks.
  assert.deepEqual(inputValues(ballSchema, ball.inputFor(new Set(), { stick: -Math.PI / 2, button: true })), [192, 5]);
});

test('input values come from names in people\'s units, hostile ones as 0', () => {
  assert.deepEqual(inputValues(ballSchema, { dir: Math.PI, buttons: ['kick', 'nonsense'] }), [128, 4]);
  assert.deepEqual(inputValues(ballSchema, { dir: Number.NaN, buttons: 'x' }), [0, 0]);
  assert.deepEqual(inputValues(ballSchema, null), [0, 0]);
  assert.deepEqual(inputValues(vecSchema, { move: [0.5, -1], keys: ['up', 'jump'] }), [8, -16, 17]);
});

test('a game without a module moves its vec2 with the arrows and jumps with space', () => {
  const module = defaultModule(vecSchema);
  assert.deepEqual(inputValues(vecSchema, module.inputFor(new Set(['ArrowRight']), still)), [16, 0, 0]);
  assert.deepEqual(inputValues(vecSchema, module.inputFor(new Set(['KeyW', 'Space']), still)), [0, 16, 16]);
  assert.deepEqual(inputValues(vecSchema, module.inputFor(new Set(), still)), [0, 0, 0]);
});

test('a game with direction flags and an angle gets them from the keys', () => {
  const schema = parseSchema({ ...JSON.parse(vecSchema.canonical), input: [JSON.parse(vecSchema.canonical).input[1], { name: 'aim', codec: { type: 'angle', steps: 256 }, parts: [], labels: [], hints: { motion: 'snap', role: null } }] });
  const module = defaultModule(schema);
  assert.deepEqual(inputValues(schema, module.inputFor(new Set(['KeyA', 'KeyW', 'Space']), still)), [0b10101, 96]);
});
