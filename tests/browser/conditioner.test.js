// The link conditioner's TCP side (conditioner.js) keeps a byte stream a byte
// stream: however the latency, jitter and modelled losses delay its chunks, they
// leave in the order they came, whole (a reordered chunk corrupts HTTP responses and
// WebSocket frames, which real TCP never does).

import assert from 'node:assert/strict';
import net from 'node:net';
import { test } from 'node:test';
import { PRESETS, tcpProxy } from './conditioner.js';

const CHUNKS = 400;

test('the TCP conditioner delivers every chunk in order at the average preset', async () => {
  let received = Buffer.alloc(0);
  let done;
  const all = new Promise((r) => {
    done = r;
  });
  const sink = net.createServer((s) => {
    s.on('data', (d) => {
      received = Buffer.concat([received, d]);
      if (received.length >= CHUNKS * 4) done();
    });
  });
  await new Promise((r) => sink.listen(0, '127.0.0.1', r));
  // Heavy jitter and many losses, so chunks sent close together are due close together.
  const spec = { ...PRESETS.average, loss: 0.1 };
  const proxy = await tcpProxy({ host: '127.0.0.1', port: sink.address().port }, spec, 7);
  const client = net.connect(proxy.port, '127.0.0.1');
  client.setNoDelay(true);
  await new Promise((r) => client.once('connect', r));
  for (let i = 0; i < CHUNKS; i++) {
    const chunk = Buffer.alloc(4);
    chunk.writeUInt32BE(i);
    client.write(chunk);
    // A separate read on the proxy's side for (nearly) every chunk.
    await new Promise((r) => setTimeout(r, i % 3));
  }
  await all;
  try {
    assert.equal(received.length, CHUNKS * 4);
    for (let i = 0; i < CHUNKS; i++) assert.equal(received.readUInt32BE(4 * i), i, `chunk ${i} out of order`);
    assert.ok(proxy.stats.lossDelays > 0, 'some losses were modelled');
  } finally {
    client.destroy();
    proxy.close();
    sink.close();
  }
});
