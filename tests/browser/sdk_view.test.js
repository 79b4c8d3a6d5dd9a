// The browser SDK's views of decoded rows (assets/web/sdk): display values by
// codec, interpolation by the schema's motion hints, and the generic renderer
// (against a recording stand-in for a canvas), on the two games of sdk.json.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CODECS, bitsFromFloat, describeRow, floatFromBits } from '../../assets/web/sdk/codecs.js';
import { decodeRows } from '../../assets/web/sdk/decode.js';
import { SnapshotBuffer, interpolateRows } from '../../assets/web/sdk/interpolate.js';
import { createRenderer, formatValue } from '../../assets/web/sdk/render.js';
import { parseSchema } from '../../assets/web/sdk/schema.js';
import { fromHex, golden } from './golden.js';

const { schemas } = golden('sdk');
const games = Object.fromEntries(schemas.map((g) => [g.name, { ...g, schema: parseSchema(g.descriptor) }]));
const caseOf = (game, name) => games[game].cases.find((c) => c.name === name);

/** A row of `kind` (by name) with values set by name. */
function row(schema, kindName, id, named) {
  const kind = schema.kinds[schema.kindIndex(kindName)];
  const values = new Array(kind.values).fill(0);
  for (const [name, v] of Object.entries(named)) values[kind.valueIndex(name)] = v;
  return { id, kind: kind.index, values };
}

test('rows read as people read them: units, radians, labels, unsigned ids', () => {
  const arena = games.arena.schema;
  const r = row(arena, 'player', 7, { x: 160, y: -8, angle: 128, hp: 90, flags: 1, owner: -1 });
  const view = describeRow(arena, r);
  assert.deepEqual(view.pos, [10, -0.5]);
  assert.equal(view.x, 10);
  assert.equal(view.kind, 'player');
  assert.ok(Math.abs(view.angle - Math.PI / 2) < 1e-12);
  assert.deepEqual(view.flags, ['dead']);
  assert.equal(view.owner, 4294967295);
  const ball = games.ballgame.schema;
  const clock = describeRow(ball, row(ball, 'clock', 4, { period: 2, mood: 200, temp: bitsFromFloat(21.5) }));
  assert.equal(clock.period, 'extra');
  assert.equal(clock.mood, 200);
  assert.equal(clock.temp, 21.5);
  const spin = describeRow(ball, row(ball, 'ball', 1, { spin: -96, height: 4095 }));
  assert.equal(spin.spin, -1.5);
  assert.equal(spin.height, 4095 / 16);
});

test('interpolation blends interpolated fields and snaps the rest', () => {
  const { schema } = games.arena;
  const c = caseOf('arena', 'send 0 -> 1');
  const [from, to] = [c.baseline, c.expected];
  assert.deepEqual(interpolateRows(schema, from, to, 0).rows, from.rows);
  assert.equal(interpolateRows(schema, from, to, 1), to);
  const mid = interpolateRows(schema, from, to, 0.5);
  assert.equal(mid.tick, (from.tick + to.tick) / 2);
  const player = schema.kinds[0];
  for (const r of mid.rows) {
    const a = from.rows.find((x) => x.id === r.id);
    const b = to.rows.find((x) => x.id === r.id);
    if (!b) continue;
    assert.equal(r.values[player.valueIndex('x')], (a.values[0] + b.values[0]) / 2);
    assert.equal(r.values[player.valueIndex('hp')], a.values[player.valueIndex('hp')], 'hp snaps');
  }
});

test('angles take the short way round; floats blend as floats; uint32 as unsigned', () => {
  const ball = games.ballgame.schema;
  const a = { tick: 0, rows: [row(ball, 'player', 1, { heading: 350, kick: bitsFromFloat(1), stamina: 10 })] };
  const b = { tick: 10, rows: [row(ball, 'player', 1, { heading: 20, kick: bitsFromFloat(3), stamina: 20 })] };
  const kind = ball.kinds[1];
  const at = (t, name) => interpolateRows(ball, a, b, t).rows[0].values[kind.valueIndex(name)];
  assert.equal(at(0.5, 'heading'), 5);
  assert.equal(at(0.25, 'heading'), 357.5);
  assert.equal(floatFromBits(at(0.5, 'kick')), 2);
  assert.equal(at(0.5, 'stamina'), 15);
  const u32 = { bits: 32, signed: false };
  assert.equal(CODECS.int.lerp(u32, 0x7fffffff, -1, 0.5), (0x7fffffff + 0xffffffff) / 2 - 2 ** 32, "halfway between 2^31 - 1 and 2^32 - 1");
});

test('entities appear and vanish when the render time reaches the snapshot', () => {
  const ball = games.ballgame.schema;
  const a = { tick: 0, rows: [row(ball, 'spark', 1, { ttl: 1 })] };
  const b = { tick: 3, rows: [row(ball, 'spark', 2, { ttl: 5 })] };
  assert.deepEqual(interpolateRows(ball, a, b, 0.5).rows.map((r) => r.id), [1]);
  assert.deepEqual(interpolateRows(ball, a, b, 1).rows.map((r) => r.id), [2]);
  const buffer = new SnapshotBuffer(ball);
  buffer.push(a);
  buffer.push(b);
  buffer.push(a); // older: ignored
  assert.equal(buffer.sample(-5), a);
  assert.equal(buffer.sample(99), b);
  assert.equal(buffer.latest(), b);
  assert.deepEqual(buffer.sample(1.5).rows.map((r) => r.id), [1]);
});

/** A canvas whose 2-D context records every call. */
function recordingCanvas() {
  const calls = [];
  const ctx = new Proxy({}, {
    get: (target, key) => (key in target ? target[key] : (...args) => calls.push([key, ...args])),
    set: (target, key, value) => ((target[key] = value), true),
  });
  return { width: 800, height: 600, getContext: () => ctx, calls };
}

test('the renderer draws any game from its roles alone', () => {
  for (const [name, caseName] of [['arena', 'keyframe late in the match'], ['ballgame', 'keyframe late in the match']]) {
    const { schema } = games[name];
    const c = caseOf(name, caseName);
    const snapshot = decodeRows(schema, c.baseline, fromHex(c.body));
    const canvas = recordingCanvas();
    createRenderer(canvas, schema).draw(snapshot);
    const circles = canvas.calls.filter(([k]) => k === 'arc');
    const positioned = snapshot.rows.filter((r) => schema.kinds[r.kind].fieldByRole('position'));
    assert.equal(circles.length, positioned.length, name);
    for (const [, x, y] of circles) assert.ok(x >= 0 && x <= 800 && y >= 0 && y <= 600, `${name}: on the canvas`);
    const texts = canvas.calls.filter(([k]) => k === 'fillText').map(([, s]) => s);
    if (name === 'ballgame') {
      assert.ok(texts.some((s) => s.startsWith('clock #4: seconds')), 'the clock, which has no position, as text');
      assert.ok(texts.some((s) => /^player P\d+: \d+$/.test(s)), 'a scoreboard');
    }
  }
});

test('roles on codecs that cannot draw them are skipped, extreme values draw', () => {
  const field = (name, codec, role, parts = []) => ({ name, codec, parts, hints: { motion: 'snap', role } });
  const schema = parseSchema({
    format: 1, name: 'odd', description: '', input: [], events: [],
    kinds: [{
      name: 'thing',
      fields: [
        field('at', { type: 'int', bits: 8, signed: true }, 'position'),
        field('pos', { type: 'vec2', scale: 1 }, 'position', ['x', 'y']),
        field('size', { type: 'vec2', scale: 1 }, 'radius', ['w', 'h']),
        field('tint', { type: 'float32' }, 'colour'),
        field('life', { type: 'int', bits: 32, signed: true }, 'health'),
        field('who', { type: 'flags', bits: 32 }, 'owner'),
      ],
    }],
  });
  const canvas = recordingCanvas();
  const view = createRenderer(canvas, schema);
  const rows = [
    { id: 1, kind: 0, values: [5, -2147483648, 2147483647, 3, 4, bitsFromFloat(NaN), -2147483648, -1] },
    { id: 2, kind: 0, values: [0, 0, 0, 0, 0, 0, 0, 0] },
  ];
  view.draw({ tick: 0, rows });
  view.draw({ tick: 1, rows: [] });
  assert.equal(canvas.calls.filter(([k]) => k === 'arc').length, 2);
});

test('renderer options: names over players, no caption where the game says none, formatted values', () => {
  const field = (name, codec, role, parts = []) => ({ name, codec, parts, hints: { motion: 'snap', role } });
  const pos = () => field('pos', { type: 'vec2', scale: 1 }, 'position', ['x', 'y']);
  const owner = (name) => field(name, { type: 'ref', target: 'player' }, 'owner');
  const schema = parseSchema({
    format: 1, name: 'pitch', description: '', input: [], events: [],
    kinds: [
      { name: 'ball', fields: [pos(), owner('touch')] },
      { name: 'player', fields: [pos(), owner('owner')] },
      { name: 'match', fields: [field('clock', { type: 'int', bits: 16, signed: false }, 'label')] },
    ],
  });
  const canvas = recordingCanvas();
  const names = new Map([[1, 'ann']]);
  const view = createRenderer(canvas, schema, {
    nameOf: (p) => names.get(p),
    caption: (kind) => (kind === 'ball' ? null : undefined),
    format: { clock: (ticks, { tickRate }) => `${Math.floor(ticks / tickRate / 60)}:${String(Math.floor(ticks / tickRate) % 60).padStart(2, '0')}` },
  });
  view.setTickRate(30);
  view.draw({
    tick: 9,
    rows: [
      { id: 1, kind: 0, values: [0, 0, 1] },
      { id: 2, kind: 1, values: [10, 0, 1] },
      { id: 3, kind: 1, values: [-10, 0, 2] },
      { id: 4, kind: 2, values: [30 * 125] },
    ],
  });
  const texts = canvas.calls.filter(([k]) => k === 'fillText');
  const words = texts.map(([, s]) => s);
  assert.equal(words.filter((s) => s === 'ann').length, 1, `the named player only: ${words}`);
  assert.ok(words.includes('P2'), 'a player without a known name by id');
  assert.ok(words.includes('match #4: clock 2:05'), `the clock as the game formats it: ${words}`);
  // The name stands over its player (above the circle).
  const [, , nameX, nameY] = texts.find(([, s]) => s === 'ann');
  const circle = canvas.calls.find(([k, x]) => k === 'arc' && Math.abs(x - nameX) < 1e-9);
  assert.ok(circle && nameY < circle[2] - circle[3], 'the caption is above the entity');
  assert.equal(view.caption({ id: 1, kind: 0, values: [0, 0, 1] }, view.roles[0]), '', 'the ball has none');
  assert.equal(formatValue(schema.kinds[2].fields[0], 7, {}), '7', 'no format: the value');
});
