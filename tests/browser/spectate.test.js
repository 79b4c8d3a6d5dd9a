// The JS spectator state (assets/web/js/spec_state.js) rebuilds from a Rust event
// stream exactly the world the Rust SpecState rebuilds.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GapError, SpecState, eventId } from '../../assets/web/js/spec_state.js';
import { golden } from './golden.js';

const stream = golden('spectate');

test('the event stream rebuilds the final entities', () => {
  const state = new SpecState();
  const kinds = new Set();
  for (const ev of stream.events) {
    kinds.add(ev.event);
    state.apply(ev.event, JSON.parse(ev.data));
  }
  assert.deepEqual([...kinds].sort(), ['delta', 'game', 'keyframe']);
  assert.equal(state.tick, stream.expected_tick);
  assert.deepEqual(state.snapshot(), stream.expected_entities);
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
