// The browser lobby follows the live room list (`GET /api/rooms/events`) in real
// headless Chromium against the real server: a room created while the page is open
// appears without any polling, its changes (a spectator joining) update its row,
// and when the stream is refused the lobby falls back to polling `GET /api/rooms`.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { api, screenshot, serverAndBrowser } from './harness.js';

const WAIT_MS = 20_000;
const env = serverAndBrowser();

/** A lobby page, with the paths of its API requests recorded. */
async function lobbyPage(setup) {
  const page = await env.browser.context.newPage();
  const errors = [];
  const requests = [];
  page.on('pageerror', (e) => errors.push(e));
  page.on('request', (r) => requests.push(new URL(r.url()).pathname));
  if (setup) await setup(page);
  await page.goto(new URL('/', env.server.url).toString());
  return { page, errors, requests };
}

test('the lobby shows rooms as they come, from the event stream, without polling', async () => {
  const { page, errors, requests } = await lobbyPage();
  await page.waitForFunction(() => window.tickcast.lobby.mode === 'live', null, { timeout: WAIT_MS });
  await page.waitForFunction(() => document.getElementById('rooms-updated').textContent.startsWith('live'), null, {
    timeout: WAIT_MS,
  });
  const room = await api(env.server.url, 'POST', '/api/rooms', { name: 'live lobby room', drones: 4 });
  const row = page.locator(`#rooms tr[data-room-id="${room.id}"]`);
  await row.waitFor({ timeout: WAIT_MS });
  assert.match(await row.textContent(), /live lobby room/);
  // The Drones column shows the room's drones; Spectators starts at 0.
  const cells = row.locator('td');
  assert.equal(await cells.nth(5).textContent(), '4');
  assert.equal(await cells.nth(4).textContent(), '0');
  // A spectator of the room changes its row (the room's `spectators` field).
  const watcher = await env.browser.context.newPage();
  await watcher.goto(new URL(`/#/spectate/${room.id}`, env.server.url).toString());
  await page.waitForFunction(
    (id) => document.querySelector(`#rooms tr[data-room-id="${id}"] td:nth-child(5)`)?.textContent === '1',
    room.id,
    { timeout: WAIT_MS },
  );
  await watcher.close();
  await screenshot(page, 'e2e-lobby-live');
  assert.ok(requests.includes('/api/rooms/events'), requests.join(' '));
  assert.ok(!requests.includes('/api/rooms'), `no polling: ${requests.join(' ')}`);
  assert.deepEqual(errors, []);
  await page.close();
});

test('a refused stream falls back to polling the room list', async () => {
  const { page, errors } = await lobbyPage((p) =>
    p.route('**/api/rooms/events', (route) =>
      route.fulfill({ status: 503, contentType: 'application/json', body: '{"error":"too many viewers"}' }),
    ),
  );
  await page.waitForFunction(() => window.tickcast.lobby.mode === 'polling', null, { timeout: WAIT_MS });
  const room = await api(env.server.url, 'POST', '/api/rooms', { name: 'polled room' });
  await page.locator(`#rooms tr[data-room-id="${room.id}"]`).waitFor({ timeout: WAIT_MS });
  assert.match(await page.locator('#rooms-updated').textContent(), /^polled/);
  assert.deepEqual(errors, []);
  await page.close();
});
