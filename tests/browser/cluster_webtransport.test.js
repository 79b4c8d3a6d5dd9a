// Browsers on WebTransport in a cluster, in real headless Chromium against two real
// server nodes on a real redis-server: the page is served by node a (127.0.0.1) and
// joins a room that node b (127.0.0.2) runs; a's join answer offers b's WebTransport
// (host, port, b's certificate hashes) and the page plays over it at b. When the session is refused
// (the offer pointed at a's port: a refuses b's ticket without using it), the page
// falls back to WebSocket at b with the same ticket.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { after, before, test } from 'node:test';
import { api, startBrowser, startServer } from './harness.js';

const WAIT_MS = 20_000;
const env = { redis: null, a: null, b: null, browser: null };

/** A free TCP port on 127.0.0.1 (redis-server takes no port 0). */
async function freePort() {
  const server = createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A throwaway redis-server (no persistence); resolves once it accepts connections. */
async function startRedis() {
  const port = await freePort();
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`redis-server did not start:\n${output}`)), 10_000);
    child.stdout.on('data', (chunk) => {
      output += chunk;
      if (output.includes('Ready to accept connections')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`redis-server exited with ${code}:\n${output}`));
    });
  });
  child.removeAllListeners('exit');
  return {
    url: `redis://127.0.0.1:${port}`,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
    },
  };
}

before(async () => {
  env.redis = await startRedis();
  // b on another loopback address: the page (served by a at 127.0.0.1) reaches b
  // only at the host the offer names.
  env.b = await startServer(['--redis', env.redis.url, '--node-id', 'b'], { http: '127.0.0.2:0' });
  env.a = await startServer(['--redis', env.redis.url, '--node-id', 'a']);
  env.browser = await startBrowser();
});

after(async () => {
  await env.browser?.stop();
  await env.a?.stop();
  await env.b?.stop();
  await env.redis?.stop();
});

/** One series of a node's /metrics. */
async function metric(base, series) {
  const text = await (await fetch(new URL('/metrics', base))).text();
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : null;
}

/** Node `id`'s record in a's `GET /api/nodes`. */
async function nodeRecord(id) {
  const nodes = await api(env.a.url, 'GET', '/api/nodes');
  const node = nodes.find((n) => n.id === id);
  assert.ok(node, JSON.stringify(nodes));
  return node;
}

/** Open a's lobby, join `room` (listed by a, run by b) as `name`, and wait until the
 * player's own entity is there and moves right while D is held (the server's view). */
async function playAtB(room, name, route = null) {
  const page = await env.browser.context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e));
  if (route) await page.route('**/api/rooms/*/join', route);
  await page.goto(env.a.url);
  await page.fill('#player-name', name);
  await page.locator(`#rooms tr[data-room-id="${room.id}"] button`, { hasText: 'Join' }).click({ timeout: WAIT_MS });
  await page.waitForFunction(() => window.tickcast.play.own && window.tickcast.play.predictor?.body, null, { timeout: WAIT_MS });
  const start = await page.evaluate(() => ({ ...window.tickcast.play.own }));
  await page.keyboard.down('KeyD');
  await page.waitForFunction((x) => window.tickcast.play.own.x > x + 40, start.x, { timeout: WAIT_MS });
  await page.keyboard.up('KeyD');
  return { page, errors };
}

test("a's join answer offers b's WebTransport and the page plays over it at b", async () => {
  const room = await api(env.b.url, 'POST', '/api/rooms', { name: 'wt far', drones: 3 });
  const b = await nodeRecord('b');
  const probe = await api(env.a.url, 'POST', `/api/rooms/${room.id}/join`, { name: 'probe' });
  assert.equal(probe.webtransport.host, '127.0.0.2');
  assert.equal(probe.webtransport.port, b.webtransport.port);
  assert.deepEqual(probe.webtransport.cert_sha256, b.webtransport.cert_sha256);

  const { page, errors } = await playAtB(room, 'wt-far');
  assert.equal(await page.evaluate(() => window.tickcast.play.conn.transportName), 'WebTransport');
  assert.equal(await page.textContent('#hud-transport'), 'via WebTransport');
  assert.equal(await metric(env.b.url, 'tickcast_sessions{transport="webtransport"}'), 1);
  assert.equal(await metric(env.a.url, 'tickcast_sessions{transport="webtransport"}'), 0);
  assert.deepEqual(errors, []);
  await page.close();
});

test('a refused WebTransport session falls back to WebSocket at b with the same ticket', async () => {
  const room = await api(env.b.url, 'POST', '/api/rooms', { name: 'wt fallback', drones: 3 });
  const a = await nodeRecord('a');
  const wrongBefore = (await metric(env.a.url, 'tickcast_cluster_wrong_node_tickets_total')) ?? 0;
  // The offer points at a's WebTransport: a refuses b's ticket (401) and uses nothing.
  const route = async (r) => {
    const res = await r.fetch();
    const answer = await res.json();
    answer.webtransport.host = new URL(env.a.url).hostname;
    answer.webtransport.port = a.webtransport.port;
    answer.webtransport.cert_sha256 = a.webtransport.cert_sha256;
    await r.fulfill({ response: res, json: answer });
  };
  const { page, errors } = await playAtB(room, 'ws-far', route);
  assert.equal(await page.evaluate(() => window.tickcast.play.conn.transportName), 'WebSocket');
  assert.equal(await page.evaluate(() => window.tickcast.play.conn.wtFailed), true);
  assert.equal(await page.textContent('#hud-transport'), 'via WebSocket');
  assert.equal(await metric(env.a.url, 'tickcast_cluster_wrong_node_tickets_total'), wrongBefore + 1);
  assert.equal(await metric(env.b.url, 'tickcast_sessions{transport="ws"}'), 1);
  assert.deepEqual(errors, []);
  await page.close();
});
