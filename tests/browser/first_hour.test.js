// What a newcomer meets in the first hour, in real headless Chromium against the
// real server binary: a private room's invite link is shown to its creator at once
// in the play view with a copy button; an unknown room, a private room without its
// code and a wrong invite code get distinct messages, and the message line clears
// on the next success; the lobby says "offline" when the server is gone; a seat
// promised to a joining player is not shown as free; the room name input takes
// what the server takes; the HUD stays one line.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { api, screenshot, serverAndBrowser, startServer } from './harness.js';

const WAIT_MS = 20_000;
const env = serverAndBrowser();

async function openPage(path) {
  const page = await env.browser.context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e));
  await page.goto(new URL(path, env.server.url).toString());
  return { page, errors };
}

const message = (page) => page.evaluate(() => (document.getElementById('message').hidden ? null : document.getElementById('message').textContent));

test('the creator of a private room sees its invite link in the play view at once, with a copy button', async () => {
  await env.browser.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: env.server.url });
  const { page, errors } = await openPage('/');
  await page.fill('#player-name', 'host');
  await page.locator('summary', { hasText: 'Create a room' }).click();
  await page.fill('#create-form input[name="name"]', 'invite at once');
  await page.check('#create-form input[name="private"]');
  await page.click('#create-form button[type="submit"]');
  await page.waitForFunction(() => window.tickcast.play.own, null, { timeout: WAIT_MS });
  const box = page.locator('#play-invite');
  assert.ok(await box.isVisible(), 'the invite link is shown while playing');
  const link = await page.locator('#play-invite-link').inputValue();
  assert.match(link, /#\/invite\/[a-z2-7]{13}\/[0-9a-f]{32}$/);
  await page.click('#play-invite-copy');
  await page.waitForFunction(() => document.getElementById('play-invite-copy').textContent === 'Copied', null, { timeout: WAIT_MS });
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), link);
  await screenshot(page, 'e2e-play-invite');
  // A public room shows no invite box.
  const room = await api(env.server.url, 'POST', '/api/rooms', { name: 'public one' });
  await page.goto(new URL('/', env.server.url).toString());
  await page.locator(`#rooms tr[data-room-id="${room.id}"] button`, { hasText: 'Join' }).click({ timeout: WAIT_MS });
  await page.waitForFunction(() => window.tickcast.play.own, null, { timeout: WAIT_MS });
  assert.equal(await box.isVisible(), false);
  assert.deepEqual(errors, []);
  await page.close();
});

test('an unknown room, a private room without its code and a wrong invite code say different things; the next success clears them', async () => {
  const secret = await api(env.server.url, 'POST', '/api/rooms', { name: 'secret', private: true });
  const { page, errors } = await openPage('/');
  await page.fill('#player-name', 'newcomer');
  // A shared play link of a room that does not exist.
  await page.goto(new URL('/#/play/aaaaaaaaaaaaa', env.server.url).toString());
  await page.waitForFunction(() => !document.getElementById('message').hidden, null, { timeout: WAIT_MS });
  const unknown = await message(page);
  assert.match(unknown, /There is no room aaaaaaaaaaaaa: it has ended, or it is private and needs its invite link/);
  // A wrong invite code.
  await page.goto(new URL(`/#/invite/${secret.id}/${'0'.repeat(32)}`, env.server.url).toString());
  await page.waitForFunction((before) => document.getElementById('message').textContent !== before, unknown, { timeout: WAIT_MS });
  const wrong = await message(page);
  assert.match(wrong, /This invite link does not open a room: its code is wrong, or the room has ended/);
  // Spectating a private room without its code.
  await page.goto(new URL(`/#/spectate/${secret.id}`, env.server.url).toString());
  await page.waitForFunction((before) => document.getElementById('message').textContent !== before, wrong, { timeout: WAIT_MS });
  const noCode = await message(page);
  assert.match(noCode, new RegExp(`There is no room ${secret.id} to watch: it has ended, or it is private and needs its invite link`));
  assert.equal(new Set([unknown, wrong, noCode]).size, 3);
  // The next success (quick join) clears the error line.
  await page.evaluate(() => {
    location.hash = '#/';
  });
  await page.locator('#lobby-view').waitFor({ timeout: WAIT_MS });
  assert.ok(await message(page), 'the error is still shown in the lobby');
  await page.click('#quick-join');
  await page.waitForFunction(() => window.tickcast.play.own, null, { timeout: WAIT_MS });
  assert.equal(await message(page), null);
  assert.deepEqual(errors, []);
  await page.close();
});

test('a seat promised to an outstanding ticket is not shown as free', async () => {
  const room = await api(env.server.url, 'POST', '/api/rooms', { name: 'one seat', max_players: 1 });
  const { page, errors } = await openPage('/');
  const join = page.locator(`#rooms tr[data-room-id="${room.id}"] td.actions button`).first();
  await join.waitFor({ timeout: WAIT_MS });
  assert.equal(await join.textContent(), 'Join');
  // Someone takes the ticket but has not connected yet: nobody plays, no seat is free.
  await api(env.server.url, 'POST', `/api/rooms/${room.id}/join`, { name: 'on the way' });
  await page.waitForFunction((id) => document.querySelector(`#rooms tr[data-room-id="${id}"] td.actions button`)?.textContent === 'Full', room.id, {
    timeout: WAIT_MS,
  });
  assert.equal(await join.isDisabled(), true);
  assert.match(await page.locator(`#rooms tr[data-room-id="${room.id}"]`).textContent(), /0\/1/);
  assert.deepEqual(errors, []);
  await page.close();
});

test('the room name input takes at most what the server takes (32)', async () => {
  const { page } = await openPage('/');
  assert.equal(await page.getAttribute('#create-form input[name="name"]', 'maxlength'), '32');
  const long = 'x'.repeat(32);
  const created = await api(env.server.url, 'POST', '/api/rooms', { name: long });
  assert.equal(created.name, long);
  await page.close();
});

test('the HUD stays one line and the arena does not move when the status text grows', async () => {
  const room = await api(env.server.url, 'POST', '/api/rooms', { name: 'hud room' });
  const { page, errors } = await openPage('/');
  await page.locator(`#rooms tr[data-room-id="${room.id}"] button`, { hasText: 'Join' }).click({ timeout: WAIT_MS });
  await page.waitForFunction(() => window.tickcast.play.own, null, { timeout: WAIT_MS });
  const layout = () =>
    page.evaluate(() => ({ hud: document.getElementById('hud').getBoundingClientRect().height, arena: document.getElementById('arena').getBoundingClientRect().top }));
  const before = await layout();
  await page.evaluate(() => {
    document.getElementById('hud-state').textContent = `reconnecting: ${'a very long reason '.repeat(12)}; retrying in 3.1 s`;
    document.getElementById('hud-ping').textContent = '12345 ms';
  });
  assert.deepEqual(await layout(), before);
  assert.deepEqual(errors, []);
  await page.close();
});

test('a player whose hp drops is marked as hit for a moment', async () => {
  const { page, errors } = await openPage('/');
  const hit = await page.evaluate(() => {
    const r = window.tickcast.renderer;
    r.noteHits([{ id: 7, kind: 'player', hp: 100 }]);
    const before = r.hitAt.has(7);
    r.noteHits([{ id: 7, kind: 'player', hp: 75 }]);
    return [before, r.hitAt.has(7)];
  });
  assert.deepEqual(hit, [false, true]);
  assert.deepEqual(errors, []);
  await page.close();
});

test('the lobby says offline when the server cannot be reached', async () => {
  const own = await startServer();
  const page = await env.browser.context.newPage();
  try {
    await page.goto(new URL('/', own.url).toString());
    await page.waitForFunction(() => document.getElementById('rooms-updated').textContent.startsWith('live'), null, { timeout: WAIT_MS });
    await own.stop();
    await page.waitForFunction(() => document.getElementById('rooms-updated').textContent.startsWith('offline'), null, {
      timeout: WAIT_MS,
    });
    assert.ok(await page.evaluate(() => document.getElementById('rooms').classList.contains('offline')));
  } finally {
    await page.close();
    await own.stop();
  }
});
