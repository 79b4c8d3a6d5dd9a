// The browser SDK (assets/web/sdk) against vectors the Rust code wrote
// (tests/tests/golden/sdk.rs): descriptors and hashes, schema-driven delta bodies
// of two games, hostile bodies and bad descriptors with the errors Rust reports.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DecodeError, RowDecoder, decodeRows } from '../../assets/web/sdk/decode.js';
import { SchemaError, parseGameDetail, parseSchema } from '../../assets/web/sdk/schema.js';
import { fromHex, golden, rng } from './golden.js';

const { schemas, descriptors } = golden('sdk');
const parsed = new Map(schemas.map((s) => [s.name, parseSchema(s.descriptor)]));

/** The baseline a hostile vector decodes against (see sdk_hostile.rs). */
function hostileBaseline(game, vector) {
  const base = game.cases[vector.of].baseline;
  if (vector.baseline === 'none') return null;
  if (vector.baseline && base) return { ...base, tick: vector.baseline.tick };
  return base;
}

/** What decoding gives, in the vectors' terms: {rows} or the error's fields. */
function outcome(schema, baseline, body, maxEntities) {
  try {
    return { rows: decodeRows(schema, baseline, body, maxEntities === undefined ? {} : { maxEntities }) };
  } catch (e) {
    if (!(e instanceof DecodeError)) throw e;
    const out = { error: e.kind };
    if (e.kind === 'malformed') out.detail = e.detail;
    if (e.kind === 'baseline_mismatch') Object.assign(out, { body_tick: e.bodyTick, given_tick: e.givenTick });
    if (e.kind === 'too_many_entities') out.limit = e.limit;
    return out;
  }
}

test('both games are in the vectors', () => {
  assert.deepEqual([...parsed.keys()], ['arena', 'ballgame']);
});

test('the SDK hashes each schema as Rust does', () => {
  for (const game of schemas) {
    const schema = parsed.get(game.name);
    assert.equal(schema.canonical, game.descriptor, game.name);
    assert.equal(schema.hash, game.hash, game.name);
    const detail = { name: game.name, schema_hash: game.hash, description: schema.description, schema: JSON.parse(game.descriptor) };
    assert.equal(parseGameDetail(detail).hash, game.hash);
    assert.throws(() => parseGameDetail({ ...detail, schema_hash: '0000000000000000' }), (e) => e.kind === 'hash_mismatch');
  }
});

test('the layout is Rust\'s: arena values x, y, vx, vy, angle, hp, score, flags, owner', () => {
  const arena = parsed.get('arena');
  const player = arena.kinds[arena.kindIndex('player')];
  assert.deepEqual(player.valueNames, ['x', 'y', 'vx', 'vy', 'angle', 'hp', 'score', 'flags', 'owner']);
  assert.equal(player.valueIndex('hp'), 5);
  assert.equal(player.valueIndex('pos'), -1);
  assert.equal(player.fieldByRole('position').name, 'pos');
  const ball = parsed.get('ballgame');
  const clock = ball.kinds[ball.kindIndex('clock')];
  assert.equal(clock.values, 8);
  assert.equal(ball.kinds[ball.kindIndex('player')].fields.length, 12);
});

test('every case decodes to the rows Rust decoded', () => {
  for (const game of schemas) {
    const schema = parsed.get(game.name);
    assert.ok(game.cases.length >= 20, game.name);
    for (const c of game.cases) {
      assert.deepEqual(decodeRows(schema, c.baseline, fromHex(c.body)), c.expected, `${game.name}: ${c.name}`);
    }
  }
});

test('every hostile body gives what Rust gives: the same rows or the same error', () => {
  for (const game of schemas) {
    const schema = parsed.get(game.name);
    const kinds = new Set();
    for (const v of game.hostile) {
      const got = outcome(schema, hostileBaseline(game, v), fromHex(v.body), v.max_entities);
      assert.deepEqual(got, v.result, `${game.name}: ${v.name}`);
      kinds.add(v.result.error ?? 'ok');
    }
    for (const kind of ['ok', 'truncated', 'malformed', 'missing_baseline', 'baseline_mismatch', 'too_many_entities']) {
      assert.ok(kinds.has(kind), `${game.name} has a ${kind} vector`);
    }
  }
});

test('random mutations decode or fail with a DecodeError, never anything else', () => {
  const random = rng(19);
  for (const game of schemas) {
    const schema = parsed.get(game.name);
    for (let round = 0; round < 3000; round++) {
      const c = game.cases[round % game.cases.length];
      const body = fromHex(c.body);
      if (!body.length) continue;
      for (let k = 0; k < 3; k++) body[Math.floor(random() * body.length)] ^= 1 << Math.floor(random() * 8);
      try {
        assert.ok(Array.isArray(decodeRows(schema, c.baseline, body).rows));
      } catch (e) {
        assert.ok(e instanceof DecodeError, `unexpected ${e}`);
      }
    }
  }
});

/** A descriptor vector's text (sdk_descriptors.rs: literal, an edit of a game's
 *  canonical descriptor, or it padded with spaces). */
function descriptorText(v) {
  if (v.text !== undefined) return v.text;
  const base = schemas.find((s) => s.name === v.base).descriptor;
  if (v.pad !== undefined) return base + ' '.repeat(v.pad);
  const doc = JSON.parse(base);
  const path = v.edit.path;
  let at = doc;
  for (const step of path.slice(0, -1)) at = at[step];
  const last = path[path.length - 1];
  if (v.edit.remove) delete at[last];
  else at[last] = v.edit.value;
  return JSON.stringify(doc);
}

test('descriptors are read or refused as Rust reads or refuses them', () => {
  assert.ok(descriptors.length >= 60);
  for (const v of descriptors) {
    const text = descriptorText(v);
    if (v.error === null) {
      const schema = parseSchema(text);
      assert.equal(schema.hash, v.hash, v.name);
      assert.equal(schema.canonical, v.canonical, v.name);
    } else {
      assert.throws(() => parseSchema(text), (e) => e instanceof SchemaError && e.kind === v.error, v.name);
    }
  }
});

test('a RowDecoder finds each baseline by its tick', () => {
  for (const game of schemas) {
    const decoder = new RowDecoder(parsed.get(game.name), { keep: 4 });
    const first = game.cases.find((c) => c.name === 'first keyframe');
    assert.deepEqual(decoder.decode(null, fromHex(first.body)), first.expected);
    for (let i = 0; i < 6; i++) {
      const c = game.cases.find((x) => x.name === `send ${i} -> ${i + 1}`);
      assert.deepEqual(decoder.decode(c.baseline.tick, fromHex(c.body)), c.expected, `${game.name}: ${c.name}`);
    }
    assert.equal(decoder.byTick.size, 4);
    const stale = game.cases.find((c) => c.name === 'send 0 -> 1');
    assert.throws(() => decoder.decode(stale.baseline.tick, fromHex(stale.body)), (e) => e.kind === 'missing_baseline');
  }
});

test('descriptor text is read as strictly as serde_json reads it', () => {
  const tiny = descriptors.find((v) => v.name.startsWith('defaults left out')).text;
  // Deep nesting is refused without exhausting the stack.
  assert.throws(() => parseSchema('['.repeat(60000)), (e) => e.kind === 'json');
  assert.throws(() => parseSchema(tiny.replace('"events":[]', '"events":[],"__proto__":{}')), (e) => e.kind === 'json');
  assert.equal(parseSchema(tiny.replace('"description":""', '"description":"\\u0041 \\"q\\" \\/"')).description, 'A "q" /');
});
