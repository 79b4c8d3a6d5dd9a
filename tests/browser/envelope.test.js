// The JS envelope (assets/web/js/protocol.js) against bytes the Rust codec wrote.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DecodeError } from '../../assets/web/js/bincode.js';
import { readWelcome } from '../../assets/web/js/net.js';
import { decodeServer, encodeClient } from '../../assets/web/js/protocol.js';
import { SchemaError } from '../../assets/web/sdk/index.js';
import { eventObject, inputValues } from '../../assets/web/js/schema.js';
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

// Protocol 5 knows no game: the Welcome's schema names event rows and turns input
// objects into values (js/schema.js, used by js/net.js).

const welcome = () => readWelcome(decodeServer(fromHex(vectors.server[0].bytes)).Welcome);

test('the Welcome carries the game, its schema and its config', () => {
  const w = welcome();
  assert.equal(w.game, 'arena');
  assert.equal(w.descriptor.name, 'arena');
  assert.match(w.schema_hash, /^[0-9a-f]{16}$/);
  assert.equal(w.map, 'arena');
  assert.deepEqual(w.descriptor.input.map((f) => f.name), ['buttons', 'aim']);
  const broken = { ...decodeServer(fromHex(vectors.server[0].bytes)).Welcome, schema: '{"format":1,' };
  assert.throws(() => readWelcome(broken), SchemaError);
  const other = { ...decodeServer(fromHex(vectors.server[0].bytes)).Welcome, game: 'ball' };
  assert.throws(() => readWelcome(other), /not ball/);
});

test('event rows become the named events the pages show', () => {
  const { descriptor } = welcome();
  const events = vectors.server.map(({ bytes }) => decodeServer(fromHex(bytes))).find((m) => m.Events?.events.length).Events.events;
  assert.deepEqual(events.map((row) => eventObject(descriptor, row)), [
    { type: 'joined', player: 1, entity: 10 },
    { type: 'left', player: 2 },
    { type: 'kill', killer: 1, victim: 300 },
    { type: 'respawn', player: 300, entity: 70000 },
    { type: 'respawn', player: 4294967295, entity: 2147483648 },
  ]);
  assert.equal(eventObject(descriptor, { event: 200, values: [] }), null);
});

test('input objects become the values Rust encodes for the arena', () => {
  const { descriptor } = welcome();
  const inputs = vectors.client.filter(({ json }) => json.Input && json.Input.input.length === 2);
  assert.ok(inputs.length >= 4);
  const f32 = new DataView(new ArrayBuffer(4));
  for (const { bytes, json } of inputs) {
    const [buttons, aimBits] = json.Input.input;
    f32.setInt32(0, aimBits);
    const object = { buttons, aim: f32.getFloat32(0) };
    const values = inputValues(descriptor, object);
    assert.deepEqual(values, json.Input.input);
    const encoded = encodeClient({ Input: { ...json.Input, input: values } });
    assert.equal(Buffer.from(encoded).toString('hex'), bytes);
  }
  assert.deepEqual(inputValues(descriptor, {}), [0, 0]);
  assert.throws(() => encodeClient({ Input: { seq: 1, ack: null, input: { buttons: 1 }, view: null } }), TypeError);
});
