// The JS envelope (assets/web/js/protocol.js) against bytes the Rust codec wrote.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DecodeError } from '../../assets/web/js/bincode.js';
import { decodeServer, encodeClient } from '../../assets/web/js/protocol.js';
import { fromHex, golden, rng } from './golden.js';

const vectors = golden('envelope');

/** The serde_json shape: byte vectors are arrays of numbers. */
function plain(value) {
  return JSON.parse(JSON.stringify(value, (_, v) => (v instanceof Uint8Array ? [...v] : v)));
}

test('client messages encode to the bytes Rust writes', () => {
  assert.ok(vectors.client.length >= 5);
  for (const { bytes, json } of vectors.client) {
    assert.equal(Buffer.from(encodeClient(json)).toString('hex'), bytes, JSON.stringify(json));
  }
});

test('server messages decode to the values Rust encoded', () => {
  assert.ok(vectors.server.length >= 5);
  for (const { bytes, json } of vectors.server) {
    assert.deepEqual(plain(decodeServer(fromHex(bytes))), json);
  }
});

test('broken server frames fail with the same error kind as in Rust', () => {
  for (const { name, bytes, error } of vectors.server_errors) {
    assert.throws(
      () => decodeServer(fromHex(bytes)),
      (e) => e instanceof DecodeError && e.kind === error,
      name,
    );
  }
});

test('frames over the size limit are refused before decoding', () => {
  const { bytes } = vectors.server[0];
  assert.throws(() => decodeServer(fromHex(bytes), 4), (e) => e instanceof DecodeError && e.kind === 'too_large');
});

test('mutated frames decode or fail with a DecodeError, never anything else', () => {
  const random = rng(42);
  for (let round = 0; round < 3000; round++) {
    const { bytes } = vectors.server[round % vectors.server.length];
    const frame = fromHex(bytes);
    const cut = frame.slice(0, Math.floor(random() * (frame.length + 1)));
    for (let k = 0; k < 3 && cut.length; k++) cut[Math.floor(random() * cut.length)] = Math.floor(random() * 256);
    try {
      decodeServer(cut);
    } catch (e) {
      assert.ok(e instanceof DecodeError, `unexpected ${e}`);
    }
  }
});
