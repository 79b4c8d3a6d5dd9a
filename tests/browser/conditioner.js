// A link conditioner for browser tests (test support, not the server): proxies on
// 127.0.0.1 between Chromium and the server that add latency, jitter and loss per the
// presets of client-demo/src/link_conditioner.rs, the same spec in each direction.
//
// - UDP (QUIC, WebTransport): each datagram is delayed by `latency ± jitter`
//   (uniform, never below zero) and lost with probability `loss`; datagrams may
//   overtake each other, as on a real path.
// - TCP (HTTP, WebSocket): each chunk is delayed by `latency ± jitter` but never
//   overtakes the one before (a byte stream stays in order). A proxy cannot drop a
//   segment, so a loss is modelled as its cost: that chunk, and everything behind
//   it, arrives one round trip (2 × latency) plus 200 ms later (the retransmission
//   timeout), which is the head-of-line blocking a browser on WebSocket suffers.
//
// Randomness comes from a seeded generator, so a run can be repeated.

import dgram from 'node:dgram';
import net from 'node:net';

/** The presets (one direction each). */
export const PRESETS = {
  off: { latency: 0, jitter: 0, loss: 0 },
  good: { latency: 40, jitter: 6, loss: 0.002 },
  average: { latency: 170, jitter: 45, loss: 0.02 },
  poor: { latency: 300, jitter: 84, loss: 0.04 },
};

const RETRANSMIT_EXTRA_MS = 200;
/** Bound on bytes held per TCP direction; past it the proxy stops reading. */
const MAX_HELD = 4 << 20;

/** mulberry32: a small seeded generator of uniform numbers in [0, 1). */
export function seeded(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function delayOf(spec, random) {
  return Math.max(0, spec.latency + (random() * 2 - 1) * spec.jitter);
}

/** A UDP proxy to `target` ({host, port}); resolves with {port, stats, close()}. */
export async function udpProxy(target, spec, seed = 1) {
  const random = seeded(seed);
  const stats = { forwarded: 0, lost: 0 };
  const front = dgram.createSocket('udp4');
  const peers = new Map(); // client "addr:port" -> upstream socket
  const timers = new Set();
  const later = (ms, fn) => {
    const t = setTimeout(() => {
      timers.delete(t);
      fn();
    }, ms);
    timers.add(t);
  };
  const pass = (send) => {
    if (spec.loss > 0 && random() < spec.loss) {
      stats.lost += 1;
      return;
    }
    stats.forwarded += 1;
    later(delayOf(spec, random), send);
  };
  front.on('message', (msg, from) => {
    const key = `${from.address}:${from.port}`;
    let up = peers.get(key);
    if (!up) {
      up = dgram.createSocket('udp4');
      up.on('message', (back) => pass(() => front.send(back, from.port, from.address)));
      up.on('error', () => {});
      peers.set(key, up);
    }
    pass(() => up.send(msg, target.port, target.host));
  });
  await new Promise((resolve) => front.bind(0, '127.0.0.1', resolve));
  return {
    port: front.address().port,
    stats,
    close() {
      for (const t of timers) clearTimeout(t);
      for (const up of peers.values()) up.close();
      front.close();
    },
  };
}

/** One direction of a TCP connection through the conditioner: chunks wait in one
 * FIFO queue, each until its time, and leave strictly in order. (One timer per chunk
 * would not do: Node fires timers by its loop's cached clock, so two chunks due at
 * nearly the same moment can fire in the wrong order, and a reordered byte stream
 * is a corrupt one, which real TCP never delivers.) */
function pipe(from, to, spec, random, stats) {
  let lastAt = 0;
  let held = 0;
  const queue = [];
  let timer = null;
  let ended = false;
  const drain = () => {
    timer = null;
    const now = performance.now();
    while (queue.length && queue[0].at <= now) {
      const { chunk } = queue.shift();
      held -= chunk.length;
      if (!to.destroyed) to.write(chunk);
    }
    if (held <= MAX_HELD) from.resume();
    if (queue.length) timer = setTimeout(drain, Math.max(0, queue[0].at - now));
    else if (ended && !to.destroyed) to.end();
  };
  from.on('data', (chunk) => {
    const now = performance.now();
    let at = now + delayOf(spec, random);
    if (spec.loss > 0 && random() < spec.loss) {
      stats.lossDelays += 1;
      at += 2 * spec.latency + RETRANSMIT_EXTRA_MS;
    }
    // In order: never before the chunk ahead of it.
    at = Math.max(at, lastAt);
    lastAt = at;
    held += chunk.length;
    if (held > MAX_HELD) from.pause();
    queue.push({ at, chunk });
    if (timer === null) timer = setTimeout(drain, Math.max(0, queue[0].at - now));
  });
  from.on('end', () => {
    ended = true;
    if (timer === null) drain();
  });
  from.on('error', () => to.destroy());
  to.on('close', () => clearTimeout(timer));
}

/** A TCP proxy to `target` ({host, port}); resolves with {port, stats, close()}. */
export async function tcpProxy(target, spec, seed = 2) {
  const random = seeded(seed);
  const stats = { connections: 0, lossDelays: 0 };
  const sockets = new Set();
  const server = net.createServer((client) => {
    stats.connections += 1;
    client.setNoDelay(true);
    const up = net.connect(target.port, target.host);
    up.setNoDelay(true);
    for (const s of [client, up]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
    }
    pipe(client, up, spec, random, stats);
    pipe(up, client, spec, random, stats);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: server.address().port,
    stats,
    close() {
      for (const s of sockets) s.destroy();
      server.close();
    },
  };
}
