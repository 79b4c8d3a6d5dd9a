// Browsers on QUIC, in real headless Chromium against the real server (the
// harness's --disable-quic does not turn WebTransport off):
// a player whose join answer offers WebTransport plays over it (the transport the
// connection actually used, the HUD and the server's /metrics all say so, and the
// player moves: inputs travel as datagrams); a session the server refuses falls
// back to WebSocket with the same ticket (the refusal redeemed nothing);
// `?transport=ws` forces WebSocket; a server started with --no-webtransport offers
// none and the page plays over WebSocket.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { api, screenshot, serverAndBrowser, startServer } from './harness.js';

const WAIT_MS = 20_000;
const env = serverAndBrowser();

/** One series of the server's /metrics. */
async function metric(base, series) {
  const text = await (await fetch(new URL('/metrics', base))).text();
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : null;
}

/** Open `path` of `base`, join `room` from the lobby as `name`, and wait until the
 * player's own entity is there. */
async function play(base, room, name, { path = '/', route = null } = {}) {
  const page = await env.browser.context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e));
  if (route) await page.route('**/api/rooms/*/join', route);
  await page.goto(new URL(path, base).toString());
  await page.fill('#player-name', name);
  await page.locator(`#rooms tr[data-room-id="${room.id}"] button`, { hasText: 'Join' }).click({ timeout: WAIT_MS });
  await page.waitForFunction(() => window.tickcast.play.own && window.tickcast.play.predictor?.body, null, { timeout: WAIT_MS });
  return { page, errors };
}

/** The player moves right while D is held (the server's view of it, not only the
 * prediction). */
async function movesRight(page) {
  const start = await page.evaluate(() => ({ ...window.tickcast.play.own }));
  await page.keyboard.down('KeyD');
  await page.waitForFunction((x) => window.tickcast.play.own.x > x + 40, start.x, { timeout: WAIT_MS });
  await page.keyboard.up('KeyD');
}

test('a player plays over WebTransport when the browser has it and the server offers it', async () => {
  const room = await api(env.server.url, 'POST', '/api/rooms', { name: 'e2e wt room', drones: 3 });
  const { page, errors } = await play(env.server.url, room, 'wt-player');
  assert.equal(await page.evaluate(() => window.tickcast.play.conn.transportName), 'WebTransport');
  assert.equal(await page.evaluate(() => window.tickcast.play.conn.ws.constructor.name), 'WtSocket');
  assert.equal(await page.textContent('#hud-transport'), 'via WebTransport');
  assert.equal(await page.textContent('#hud-state'), 'connected');
  // At 1280 px the HUD's title is whole beside "via WebTransport" (it was cut to "P.").
  const title = await page.$eval('#hud-mode', (el) => ({ text: el.textContent, cut: el.scrollWidth > el.clientWidth }));
  assert.deepEqual(title, { text: 'Playing in e2e wt room', cut: false });
  await movesRight(page);
  assert.equal(await metric(env.server.url, 'tickcast_sessions{transport="webtransport"}'), 1);
  assert.ok((await metric(env.server.url, 'tickcast_quic_snapshot_datagrams_total')) > 0);
  await screenshot(page, 'webtransport-play');
  assert.deepEqual(errors, []);
  await page.close();
});

test('a session the server refuses falls back to WebSocket with the same ticket', async () => {
  const room = await api(env.server.url, 'POST', '/api/rooms', { name: 'wt refused', drones: 3 });
  const refusedBefore = (await metric(env.server.url, 'tickcast_webtransport_refused_total{reason="path"}')) ?? 0;
  // The offer points at a path the server refuses (404) before it redeems the ticket.
  const route = async (r) => {
    const res = await r.fetch();
    const answer = await res.json();
    answer.webtransport.url = answer.webtransport.url.replace('/wt?', '/elsewhere?');
    await r.fulfill({ response: res, json: answer });
  };
  const { page, errors } = await play(env.server.url, room, 'fallback-player', { route });
  assert.equal(await page.evaluate(() => window.tickcast.play.conn.transportName), 'WebSocket');
  assert.equal(await page.evaluate(() => window.tickcast.play.conn.wtFailed), true);
  assert.equal(await page.textContent('#hud-transport'), 'via WebSocket');
  await movesRight(page);
  const refused = await metric(env.server.url, 'tickcast_webtransport_refused_total{reason="path"}');
  assert.equal(refused, refusedBefore + 1);
  assert.deepEqual(errors, []);
  await page.close();
});

test('?transport=ws forces WebSocket even when WebTransport is offered', async () => {
  const room = await api(env.server.url, 'POST', '/api/rooms', { name: 'ws forced', drones: 3 });
  const { page, errors } = await play(env.server.url, room, 'ws-player', { path: '/?transport=ws' });
  assert.equal(await page.evaluate(() => window.tickcast.play.conn.transportName), 'WebSocket');
  assert.equal(await page.evaluate(() => window.tickcast.play.conn.wtFailed), false);
  assert.equal(await page.textContent('#hud-transport'), 'via WebSocket');
  assert.deepEqual(errors, []);
  await page.close();
});

const plain = { server: null };
before(async () => {
  plain.server = await startServer(['--no-webtransport']);
});
after(async () => {
  await plain.server?.stop();
});

test('a server started with --no-webtransport offers none and the page plays over WebSocket', async () => {
  const room = await api(plain.server.url, 'POST', '/api/rooms', { name: 'no wt', drones: 3 });
  const answer = await api(plain.server.url, 'POST', `/api/rooms/${room.id}/join`, { name: 'probe' });
  assert.equal(answer.webtransport, undefined);
  const { page, errors } = await play(plain.server.url, room, 'plain-player');
  assert.equal(await page.evaluate(() => window.tickcast.play.conn.transportName), 'WebSocket');
  assert.equal(await page.textContent('#hud-transport'), 'via WebSocket');
  await movesRight(page);
  assert.deepEqual(errors, []);
  await page.close();
});
