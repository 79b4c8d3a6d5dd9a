// What a player is told when the match goes away, in real headless Chromium
// against the real server binary: a graceful restart (SIGTERM, then the server
// back on the same port without the room), a room closed by the operator, a seat
// that expired while the page was away; and a reload within the resume grace
// keeps the seat. Each time the page says in plain words what happened and offers
// the way back (back to the lobby, rejoin). Every test runs over WebSocket and over
// WebTransport (whose close code and reason come in the session's close capsule).

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { api, screenshot, startBrowser, startServer } from './harness.js';

const WAIT_MS = 30_000;
/** Every test runs over both transports: `?transport=` value and the name the
 * connection reports. */
const TRANSPORTS = { ws: 'WebSocket', wt: 'WebTransport' };
let browser;
before(async () => {
  browser = await startBrowser();
});
after(async () => {
  await browser?.stop();
});

/** A page of `server` that joined a new room `name` and has its own player. */
async function playing(server, name, transport, roomOptions = {}) {
  const room = await api(server.url, 'POST', '/api/rooms', { name, ...roomOptions });
  const page = await browser.context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e));
  await page.goto(new URL(`/?transport=${transport}`, server.url).toString());
  await page.fill('#player-name', 'outcome-player');
  await page.locator(`#rooms tr[data-room-id="${room.id}"] button`, { hasText: 'Join' }).click({ timeout: WAIT_MS });
  await page.waitForFunction(() => window.tickcast.play.own, null, { timeout: WAIT_MS });
  assert.equal(await page.evaluate(() => window.tickcast.play.conn.transportName), TRANSPORTS[transport]);
  return { page, errors, room };
}

/** The panel over the arena once it says `kind`: {title, text, actions}. */
async function told(page, kind) {
  await page.waitForFunction((k) => document.getElementById('ended').dataset.kind === k && !document.getElementById('ended').hidden, kind, {
    timeout: WAIT_MS,
  });
  return page.evaluate(() => ({
    title: document.getElementById('ended-title').textContent,
    text: document.getElementById('ended-text').textContent,
    actions: [...document.querySelectorAll('#ended-actions button')].map((b) => b.textContent),
  }));
}

for (const transport of Object.keys(TRANSPORTS)) {
  test(`a server restart is said in words, then that the match ended, with the way back to the lobby (${transport})`, async () => {
    const first = await startServer();
    const { page, errors } = await playing(first, 'restart room', transport);
    const port = new URL(first.url).port;
    await first.stop();
    const restarting = await told(page, 'restarting');
    assert.equal(restarting.title, 'The server is restarting');
    assert.match(restarting.text, /server shutting down/);
    assert.deepEqual(restarting.actions, ['Back to lobby']);
    // The server comes back on the same address without the room: the resume is
    // refused and the lobby no longer knows the room.
    const second = await startServer([], { http: `127.0.0.1:${port}` });
    try {
      const ended = await told(page, 'ended');
      assert.equal(ended.title, 'The match ended');
      assert.match(ended.text, /"restart room" no longer exists/);
      assert.deepEqual(ended.actions, ['Back to lobby']);
      await screenshot(page, 'e2e-restart-ended');
      await page.click('#ended-actions button');
      await page.locator('#lobby-view').waitFor({ timeout: WAIT_MS });
      assert.equal(await page.evaluate(() => location.hash), '#/');
      assert.deepEqual(errors, []);
    } finally {
      await page.close();
      await second.stop();
    }
  });

  test(`a room closed by the operator says the match ended (close 1000 and its reason) (${transport})`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tickcast-outcome-'));
    const config = join(dir, 'tickcast.toml');
    writeFileSync(config, '[auth]\nadmin_token = "op-token"\n');
    const server = await startServer(['--config', config]);
    try {
      const { page, errors, room } = await playing(server, 'closed room', transport);
      const res = await fetch(new URL(`/api/admin/rooms/${room.id}/close`, server.url), {
        method: 'POST',
        headers: { authorization: 'Bearer op-token' },
      });
      assert.equal(res.status, 200, await res.text());
      const ended = await told(page, 'ended');
      assert.equal(ended.title, 'The match ended');
      assert.match(ended.text, /room closed by the operator/);
      assert.deepEqual(ended.actions, ['Back to lobby']);
      assert.deepEqual(errors, []);
      await page.close();
    } finally {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test(`a reload within the resume grace keeps the seat; after the grace the seat expired and Rejoin seats again (${transport})`, async () => {
    const server = await startServer(['--resume-grace-secs', '3']);
    try {
      const { page, errors, room } = await playing(server, 'reload room', transport);
      const player = await page.evaluate(() => window.tickcast.play.welcomeMsg.player);
      // A reload: the same player comes back (the seat is kept in sessionStorage).
      await page.reload();
      await page.waitForFunction(() => window.tickcast.play.own && window.tickcast.play.conn?.state === 'connected', null, {
        timeout: WAIT_MS,
      });
      assert.equal(await page.evaluate(() => window.tickcast.play.welcomeMsg.player), player, 'the same player');
      assert.equal((await api(server.url, 'GET', `/api/rooms/${room.id}`)).players, 1);
      // Away longer than the grace: the server lets the player go.
      const playUrl = page.url();
      await page.goto('about:blank');
      const deadline = Date.now() + WAIT_MS;
      while ((await api(server.url, 'GET', `/api/rooms/${room.id}`)).players > 0) {
        assert.ok(Date.now() < deadline, 'the held seat was not let go');
        await new Promise((r) => setTimeout(r, 100));
      }
      await page.goto(playUrl);
      const expired = await told(page, 'expired');
      assert.equal(expired.title, 'Your seat expired');
      assert.deepEqual(expired.actions, ['Rejoin', 'Back to lobby']);
      await page.click('#ended-actions button:has-text("Rejoin")');
      await page.waitForFunction(
        (p) => window.tickcast.play.conn?.state === 'connected' && window.tickcast.play.welcomeMsg?.player !== p,
        player,
        { timeout: WAIT_MS },
      );
      assert.equal(await page.locator('#ended').isVisible(), false);
      assert.deepEqual(errors, []);
      await page.close();
    } finally {
      await server.stop();
    }
  });
}
