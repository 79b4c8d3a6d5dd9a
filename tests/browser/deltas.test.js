// The arena's snapshots in JS (assets/web/js/snapshot.js: the SDK's decoder with
// the arena's schema) against bodies the Rust codec wrote.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DeltaError, applyDelta as decode } from '../../assets/web/js/snapshot.js';
import { arenaSchema, fromHex, golden, rng } from './golden.js';

const { cases } = golden('deltas');
const schema = arenaSchema();
const applyDelta = (baseline, bytes, max) => decode(schema, baseline, bytes, max);

test('every golden body decodes to the snapshot Rust encoded', () => {
  assert.ok(cases.length >= 10);
  for (const c of cases) {
    assert.deepEqual(applyDelta(c.baseline, fromHex(c.body)), c.expected, c.name);
  }
});

test('a delta needs its own baseline', () => {
  const c = cases.find((x) => x.baseline && x.baseline.entities.length);
  assert.throws(() => applyDelta(null, fromHex(c.body)), (e) => e instanceof DeltaError && e.kind === 'missing_baseline');
  const other = { ...c.baseline, tick: c.baseline.tick - 1 };
  assert.throws(() => applyDelta(other, fromHex(c.body)), (e) => e instanceof DeltaError && e.kind === 'baseline_mismatch');
});

test('truncated and trailing bodies are refused', () => {
  for (const c of cases) {
    const body = fromHex(c.body);
    assert.throws(() => applyDelta(c.baseline, body.slice(0, body.length - 1)), DeltaError, c.name);
    const longer = new Uint8Array(body.length + 1);
    longer.set(body);
    assert.throws(() => applyDelta(c.baseline, longer), DeltaError, c.name);
  }
});

test('the entity limit holds', () => {
  const c = cases.find((x) => x.expected.entities.length > 10 && !x.baseline);
  assert.throws(() => applyDelta(null, fromHex(c.body), 10), (e) => e.kind === 'too_many_entities');
});

test('mutated bodies decode or fail with a DeltaError, never anything else', () => {
  const random = rng(7);
  for (let round = 0; round < 2000; round++) {
    const c = cases[round % cases.length];
    const body = fromHex(c.body);
    for (let k = 0; k < 2; k++) body[Math.floor(random() * body.length)] ^= 1 << Math.floor(random() * 8);
    try {
      const s = applyDelta(c.baseline, body);
      assert.ok(Array.isArray(s.entities));
    } catch (e) {
      assert.ok(e instanceof DeltaError, `unexpected ${e}`);
    }
  }
});
