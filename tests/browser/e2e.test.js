// End to end in real headless Chromium against the real server binary: the lobby
// lists rooms made through the API, a player moves when keys are pressed, a
// spectator sees entities move (binary frames), the scoreboard and the kill feed
// (no replay controls, the help line in the window), a private room's invite link
// seats a guest and its code lets a spectator watch it. Each test saves a
// screenshot under target/.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { spawn } from 'node:child_process';
import { CLIENT_BIN, api, screenshot, serverAndBrowser } from './harness.js';

const WAIT_MS = 20_000;
const env = serverAndBrowser();

async function openPage(path, recordRequests = false) {
  const page = await env.browser.context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e));
  if (recordRequests) {
    page.requested = [];
    page.on('request', (r) => {
      const url = new URL(r.url());
      page.requested.push(url.pathname + url.search);
    });
  }
  await page.goto(new URL(path, env.server.url).toString());
  return { page, errors };
}

test('the lobby lists a room created through the API', async () => {
  const room = await api(env.server.url, 'POST', '/api/rooms', { name: 'e2e lobby room', drones: 3 });
  const { page, errors } = await openPage('/');
  const row = page.locator(`#rooms tr[data-room-id="${room.id}"]`);
  await row.waitFor({ timeout: WAIT_MS });
  assert.match(await row.textContent(), /e2e lobby room/);
  assert.match(await row.textContent(), /arena/);
  await screenshot(page, 'e2e-lobby');
  assert.deepEqual(errors, []);
  await page.close();
});

test('a player joins from the lobby and moves when keys are pressed', async () => {
  const room = await api(env.server.url, 'POST', '/api/rooms', { name: 'e2e play room', drones: 5 });
  const { page, errors } = await openPage('/');
  await page.fill('#player-name', 'e2e-player');
  await page.locator(`#rooms tr[data-room-id="${room.id}"] button`, { hasText: 'Join' }).click({ timeout: WAIT_MS });
  // Our own entity arrives in a snapshot once the player spawned.
  await page.waitForFunction(() => window.tickcast.play.own && window.tickcast.play.predictor?.body, null, { timeout: WAIT_MS });
  const start = await page.evaluate(() => ({ ...window.tickcast.play.own }));
  await page.keyboard.down('KeyD');
  await page.keyboard.down('KeyW');
  // The server's view of us (not only the prediction) moves right and up.
  await page.waitForFunction(
    ([x, y]) => window.tickcast.play.own.x > x + 40 && window.tickcast.play.own.y > y + 40,
    [start.x, start.y],
    { timeout: WAIT_MS },
  );
  await screenshot(page, 'e2e-play');
  await page.keyboard.up('KeyD');
  await page.keyboard.up('KeyW');
  const state = await page.textContent('#hud-state');
  assert.equal(state, 'connected');
  assert.notEqual(await page.textContent('#hud-ping'), '-');

  // A dropped connection comes back by itself as the same player.
  const player = await page.evaluate(() => window.tickcast.play.welcomeMsg.player);
  const welcomes = await page.evaluate(() => {
    window.welcomes = 0;
    window.tickcast.play.conn.addEventListener('welcome', () => window.welcomes++);
    window.tickcast.play.conn.dropForTest();
    return window.welcomes;
  });
  assert.equal(welcomes, 0);
  await page.waitForFunction(() => window.welcomes > 0 && window.tickcast.play.conn.state === 'connected', null, { timeout: WAIT_MS });
  assert.equal(await page.evaluate(() => window.tickcast.play.welcomeMsg.player), player);
  const resumedAt = await page.evaluate(() => ({ ...window.tickcast.play.own }));
  await page.keyboard.down('KeyS');
  await page.waitForFunction((y) => window.tickcast.play.own.y < y - 20, resumedAt.y, { timeout: WAIT_MS });
  await page.keyboard.up('KeyS');
  assert.deepEqual(errors, []);
  await page.close();
});

/** The help line of the current view fits in the 800-pixel-high window. */
async function assertHelpVisible(page, selector) {
  const help = page.locator(selector);
  assert.ok(await help.isVisible(), `${selector} is shown`);
  const box = await help.boundingBox();
  const height = page.viewportSize().height;
  assert.equal(height, 800);
  assert.ok(box && box.y >= 0 && box.y + box.height <= height, `${selector} at ${JSON.stringify(box)} fits in ${height} px`);
}

test('a spectator sees entities move, the scoreboard and the kill feed, on the binary feed', async () => {
  const room = await api(env.server.url, 'POST', '/api/rooms', { name: 'e2e watched room', drones: 20 });
  const { page, errors } = await openPage(`/#/spectate/${encodeURIComponent(room.id)}`, true);
  await page.waitForFunction(() => window.tickcast.spectate.drawn.length >= 20, null, { timeout: WAIT_MS });
  const first = await page.evaluate(() => window.tickcast.spectate.drawn.map((e) => [e.id, e.x, e.y]));
  await page.waitForFunction(
    (before) => {
      const now = new Map(window.tickcast.spectate.drawn.map((e) => [e.id, e]));
      return before.filter(([id, x, y]) => now.has(id) && Math.hypot(now.get(id).x - x, now.get(id).y - y) > 20).length >= 10;
    },
    first,
    { timeout: WAIT_MS },
  );
  await page.waitForFunction(() => document.getElementById('hud-mode').textContent === 'Spectating e2e watched room', null, {
    timeout: WAIT_MS,
  });
  // The browser asks for the compact (binary) frames.
  assert.ok(page.requested.includes(`/api/rooms/${room.id}/events?format=binary`), page.requested.join(' '));
  // Two bots join while we watch: the scoreboard gets their rows under the names
  // they joined with (the game events and keyframes carry them), the feed their joins.
  const bots = spawn(CLIENT_BIN, ['bots', '--server', env.server.url, '--room', String(room.id), '--count', '2', '--duration', '6s'], {
    stdio: 'ignore',
  });
  const botsDone = new Promise((resolve) => bots.on('exit', resolve));
  await page.locator('#scoreboard tbody tr').nth(1).waitFor({ timeout: WAIT_MS });
  await page.waitForFunction(() => [...document.querySelectorAll('#feed li.joined')].length >= 2, null, { timeout: WAIT_MS });
  const joined = await page.locator('#feed li.joined').allTextContents();
  assert.deepEqual(joined.slice(-2).sort(), ['bot0 joined', 'bot1 joined']);
  const rows = await page.locator('#scoreboard tbody tr').evaluateAll((trs) =>
    trs.map((tr) => [...tr.children].map((td) => td.textContent)),
  );
  assert.equal(rows.length, 2, JSON.stringify(rows));
  for (const [name, score, kd, hp] of rows) {
    assert.match(name, /^bot[01]$/);
    assert.match(score, /^\d+$/);
    assert.match(kd, /^\d+\/\d+$/);
    assert.match(hp, /^(\d+|dead)$/);
  }
  // A kill game event (the shape the server sends) reaches the feed and the K/D column.
  const [killer, victim] = await page.evaluate(() => [...document.querySelectorAll('#scoreboard tbody tr')].map((tr) => Number(tr.dataset.player)));
  const kdBefore = await page.locator(`#scoreboard tr[data-player="${victim}"] td`).nth(2).textContent();
  await page.evaluate(
    ([k, v]) => window.tickcast.spectate.onEvent('game', JSON.stringify({ tick: 1, events: [{ type: 'kill', killer: k, victim: v }] }), 4),
    [killer, victim],
  );
  const nameOf = (p) => page.locator(`#scoreboard tr[data-player="${p}"] td`).first().textContent();
  const [killerName, victimName] = [await nameOf(killer), await nameOf(victim)];
  assert.equal(await page.locator('#feed li.kill').last().textContent(), `${killerName} got ${victimName}`);
  const [kills, deaths] = kdBefore.split('/').map(Number);
  assert.equal(await page.locator(`#scoreboard tr[data-player="${victim}"] td`).nth(2).textContent(), `${kills}/${deaths + 1}`);
  // Live views have no replay controls; the help line stays in the window.
  assert.equal(await page.locator('#replay-controls').isVisible(), false);
  await assertHelpVisible(page, 'p.help.spectate-only');
  await screenshot(page, 'e2e-spectate');
  assert.equal(await page.textContent('#hud-state'), 'live');
  assert.deepEqual(errors, []);
  await page.close();
  await botsDone;
});

test('a viewer who comes mid-match sees the players by name at once (the keyframe names them)', async () => {
  const room = await api(env.server.url, 'POST', '/api/rooms', { name: 'e2e late viewer', drones: 0 });
  const bots = spawn(CLIENT_BIN, ['bots', '--server', env.server.url, '--room', String(room.id), '--count', '2', '--duration', '8s'], {
    stdio: 'ignore',
  });
  const botsDone = new Promise((resolve) => bots.on('exit', resolve));
  // Nobody watches while they join, so no game event of the joins reaches the viewer.
  const deadline = Date.now() + WAIT_MS;
  while ((await api(env.server.url, 'GET', `/api/rooms/${room.id}`)).players < 2) {
    assert.ok(Date.now() < deadline, 'the bots did not join');
    await new Promise((r) => setTimeout(r, 100));
  }
  const { page, errors } = await openPage(`/#/spectate/${encodeURIComponent(room.id)}`, true);
  await page.locator('#scoreboard tbody tr').nth(1).waitFor({ timeout: WAIT_MS });
  const names = await page.locator('#scoreboard tbody tr td:first-child').allTextContents();
  assert.deepEqual(names.sort(), ['bot0', 'bot1']);
  await screenshot(page, 'e2e-spectate-late');
  assert.deepEqual(errors, []);
  await page.close();
  await botsDone;
});

test('a player who joins late sees the players already there by name (the Welcome\'s roster)', async () => {
  const room = await api(env.server.url, 'POST', '/api/rooms', { name: 'e2e late player', drones: 0 });
  // Idle bots: no kills, so no game event names them after we join; only the roster can.
  const bots = spawn(CLIENT_BIN, ['bots', '--server', env.server.url, '--room', String(room.id), '--count', '2', '--idle', '--duration', '10s'], {
    stdio: 'ignore',
  });
  const botsDone = new Promise((resolve) => bots.on('exit', resolve));
  const deadline = Date.now() + WAIT_MS;
  while ((await api(env.server.url, 'GET', `/api/rooms/${room.id}`)).players < 2) {
    assert.ok(Date.now() < deadline, 'the bots did not join');
    await new Promise((r) => setTimeout(r, 100));
  }
  const { page, errors } = await openPage('/');
  await page.fill('#player-name', 'e2e-late');
  await page.locator(`#rooms tr[data-room-id="${room.id}"] button`, { hasText: 'Join' }).click({ timeout: WAIT_MS });
  await page.waitForFunction(() => window.tickcast.play.welcomeMsg, null, { timeout: WAIT_MS });
  const roster = await page.evaluate(() => window.tickcast.play.welcomeMsg.players.map((p) => p.name).sort());
  assert.deepEqual(roster, ['bot0', 'bot1', 'e2e-late']);
  await page.locator('#scoreboard tbody tr').nth(2).waitFor({ timeout: WAIT_MS });
  const names = await page.locator('#scoreboard tbody tr td:first-child').allTextContents();
  assert.deepEqual(names.map((n) => n.replace(/ \(you\)$/, '')).sort(), ['bot0', 'bot1', 'e2e-late'], `scoreboard: ${names}`);
  await screenshot(page, 'e2e-late-player');
  assert.deepEqual(errors, []);
  await page.close();
  await botsDone;
});

test('a private room shows its invite link, and the link seats a second player', async () => {
  const { page, errors } = await openPage('/');
  await page.fill('#player-name', 'e2e-host');
  await page.locator('summary', { hasText: 'Create a room' }).click();
  await page.fill('#create-form input[name="name"]', 'e2e private room');
  await page.check('#create-form input[name="private"]');
  await page.click('#create-form button[type="submit"]');
  await page.waitForFunction(() => window.tickcast.play.own, null, { timeout: WAIT_MS });
  const link = await page.locator('#invite-link input').inputValue();
  assert.match(link, /#\/invite\/[a-z2-7]{13}\/[0-9a-f]{32}$/);
  const [, id] = link.match(/#\/invite\/([a-z2-7]{13})\//);
  // The room is not listed, and the link is what gets a second player in.
  const listed = await api(env.server.url, 'GET', '/api/rooms');
  assert.ok(!listed.some((r) => r.id === id), 'private rooms are not listed');
  const guest = await openPage('/');
  await guest.page.fill('#player-name', 'e2e-guest');
  await guest.page.goto(link);
  await guest.page.waitForFunction(() => window.tickcast.play.own, null, { timeout: WAIT_MS });
  await screenshot(guest.page, 'e2e-invite');
  assert.deepEqual(errors, []);
  assert.deepEqual(guest.errors, []);
  await guest.page.close();
  await page.close();
});

test('a private room is spectated with its invite code only', async () => {
  const room = await api(env.server.url, 'POST', '/api/rooms', { name: 'e2e private watched', drones: 12, private: true });
  assert.match(room.invite, /^[0-9a-f]{32}$/);
  const id = encodeURIComponent(room.id);
  const { page, errors } = await openPage(`/#/spectate/${id}/${encodeURIComponent(room.invite)}`);
  await page.waitForFunction(() => window.tickcast.spectate.drawn.length >= 12, null, { timeout: WAIT_MS });
  assert.equal(await page.textContent('#hud-state'), 'live');
  await screenshot(page, 'e2e-spectate-invite');
  // Without the code the stream is the 404 of a room that does not exist.
  await page.goto(new URL(`/#/spectate/${id}`, env.server.url).toString());
  await page.waitForFunction(() => document.getElementById('hud-state').textContent === 'closed', null, { timeout: WAIT_MS });
  assert.equal(await page.evaluate(() => window.tickcast.spectate.drawn.length), 0);
  assert.deepEqual(errors, []);
  await page.close();
});
