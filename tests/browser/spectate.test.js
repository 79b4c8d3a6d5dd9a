// The JS spectator state (assets/web/js/spec_state.js) rebuilds from a Rust event
// stream exactly the world the Rust SpecState rebuilds.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GapError, SpecState, eventId } from '../../assets/web/js/spec_state.js';
import { applyDelta, entityView } from '../../assets/web/js/snapshot.js';
import { BinarySpecState, UndecodableError, decodeBase64, fromBase64 } from '../../assets/web/js/spec_binary.js';
import { arenaSchema, golden } from './golden.js';

const stream = golden('spectate');
const schema = arenaSchema();
/** A binary state whose bodies decode as the arena's entities (as spectate.js makes it). */
const arenaState = () => new BinarySpecState((baseline, bytes) => applyDelta(schema, baseline, bytes));
// The golden file writes entities in the spectator JSON form (positions and
// velocities with two decimals); the decoders give the snapshot's exact steps.
const STEPS = { x: 16, y: 16, vx: 8, vy: 8 };
const expectedEntities = stream.expected_entities.map((e) => {
  const out = { ...e };
  for (const [f, steps] of Object.entries(STEPS)) if (f in out) out[f] = Math.round(out[f] * steps) / steps;
  return out;
});

test('the event stream rebuilds the final entities', () => {
  const state = new SpecState();
  const kinds = new Set();
  for (const ev of stream.events) {
    kinds.add(ev.event);
    state.apply(ev.event, JSON.parse(ev.data));
  }
  assert.deepEqual([...kinds].sort(), ['delta', 'game', 'keyframe']);
  assert.equal(state.tick, stream.expected_tick);
  assert.deepEqual(state.snapshot(), expectedEntities);
});

test('a repeated frame is skipped and a gap is refused', () => {
  const frames = stream.events.filter((e) => e.event !== 'game');
  const state = new SpecState();
  assert.throws(() => state.apply('delta', JSON.parse(frames[1].data)), GapError);
  assert.equal(state.apply(frames[0].event, JSON.parse(frames[0].data)), 'frame');
  assert.equal(state.apply(frames[0].event, JSON.parse(frames[0].data)), 'stale');
  assert.throws(() => state.apply('delta', JSON.parse(frames[2].data)), GapError);
  assert.equal(state.apply('delta', JSON.parse(frames[1].data)), 'frame');
  assert.equal(state.apply('delta', JSON.parse(frames[1].data)), 'stale');
});

test('ids are unique and increasing, as the server numbers them', () => {
  let prev = -1;
  for (const ev of stream.events) {
    const data = JSON.parse(ev.data);
    assert.equal(ev.id, eventId(ev.event, data.tick));
    assert.ok(ev.id > prev, `${ev.id} after ${prev}`);
    prev = ev.id;
  }
});

test('a reset drops the state so the restart keyframe applies', () => {
  const frames = stream.events.filter((e) => e.event !== 'game');
  const state = new SpecState();
  const last = frames[frames.length - 1];
  for (const f of frames) state.apply(f.event, JSON.parse(f.data));
  // An older keyframe is stale for a state that is ahead of it...
  assert.equal(state.apply(frames[0].event, JSON.parse(frames[0].data)), 'stale');
  // ...but after a reset it is the new start.
  assert.equal(state.apply('reset', { requested: last.id, restart: JSON.parse(frames[0].data).tick, reason: 'x' }), 'reset');
  assert.equal(state.tick, null);
  assert.equal(state.apply(frames[0].event, JSON.parse(frames[0].data)), 'frame');
});

test('the binary stream rebuilds the same entities as the JSON one', () => {
  const state = arenaState();
  const kinds = new Set();
  for (const ev of stream.binary_events) {
    kinds.add(ev.event);
    state.apply(ev.event, ev.data, ev.id);
  }
  assert.deepEqual([...kinds].sort(), ['delta', 'game', 'keyframe']);
  assert.equal(state.tick, stream.expected_tick);
  assert.equal(state.mapName, 'arena');
  // Angles: Rust computes in f32, JavaScript in double (within 1e-6 rad).
  assert.equal(state.game, 'arena');
  const got = state.snap.entities.map(entityView);
  const want = expectedEntities;
  assert.equal(got.length, want.length);
  got.forEach((e, i) => assert.ok(Math.abs(e.angle - want[i].angle) < 1e-6, `angle of ${e.id}`));
  const noAngle = (list) => list.map(({ angle, ...rest }) => rest);
  assert.deepEqual(noAngle(got), noAngle(want));
  // The same ids as the JSON stream.
  assert.deepEqual(stream.binary_events.map((e) => e.id), stream.events.map((e) => e.id));
});

test('binary frames: repeated frames are stale, gaps and bad data are refused', () => {
  const frames = stream.binary_events.filter((e) => e.event !== 'game');
  const state = arenaState();
  assert.throws(() => state.apply('delta', frames[1].data, frames[1].id), GapError);
  assert.equal(state.apply('keyframe', frames[0].data, frames[0].id), 'frame');
  assert.equal(state.apply('keyframe', frames[0].data, frames[0].id), 'stale');
  assert.throws(() => state.apply('delta', frames[2].data, frames[2].id), GapError);
  assert.equal(state.apply('delta', frames[1].data, frames[1].id), 'frame');
  assert.equal(state.apply('delta', frames[1].data, frames[1].id), 'stale');
  assert.throws(() => state.apply('delta', '!!!!', frames[2].id), GapError);
  assert.equal(state.apply('reset', '{}', NaN), 'reset');
  assert.equal(state.tick, null);
  // A keyframe whose body is not the arena's says so (a view may stop, not loop).
  const other = JSON.stringify({ ...JSON.parse(frames[0].data), body: 'AAAA' });
  assert.throws(() => state.apply('keyframe', other, frames[0].id), UndecodableError);
  assert.throws(() => state.apply('keyframe', other, frames[0].id), GapError);
});

test('the fallback base64 decoder agrees with the platform one', () => {
  for (const ev of stream.binary_events.filter((e) => e.event === 'delta').slice(0, 10)) {
    const want = new Uint8Array(Buffer.from(ev.data, 'base64'));
    assert.deepEqual(decodeBase64(ev.data), want);
    assert.deepEqual(fromBase64(ev.data, null), want);
  }
  for (const bad of ['A', 'AB=', 'A$==', 'AAAAA']) assert.throws(() => decodeBase64(bad), GapError);
  assert.deepEqual(decodeBase64(''), new Uint8Array(0));
  assert.deepEqual(decodeBase64('AA=='), new Uint8Array([0]));
  assert.deepEqual(decodeBase64('AAE='), new Uint8Array([0, 1]));
});
