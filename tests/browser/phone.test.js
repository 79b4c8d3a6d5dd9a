// The pages on a phone (390x844) in real headless Chromium against the real
// server binary: the lobby and replays tables do not overflow sideways (Join,
// Spectate and Watch stay in view) and the play view has on-screen controls
// that move the player through the same input path as the keyboard.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { CLIENT_BIN, api, screenshot, serverAndBrowser } from './harness.js';

const WAIT_MS = 30_000;
const PHONE = { width: 390, height: 844 };
const env = serverAndBrowser(['--empty-room-secs', '0.5']);

async function phonePage(path) {
  const page = await env.browser.context.newPage();
  await page.setViewportSize(PHONE);
  const errors = [];
  page.on('pageerror', (e) => errors.push(e));
  await page.goto(new URL(path, env.server.url).toString());
  return { page, errors };
}

const noSidewaysOverflow = (page) => page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);

/** Whether `locator` is fully inside the window, within a few seconds: the lobby
 * rebuilds its rows when a room changes (this file's empty rooms finish after
 * 0.5 s), and a row replaced while it is measured has no box for that read. A
 * layout that puts the element outside the window fails every read. */
async function inView(page, locator) {
  const { width, height } = page.viewportSize();
  const deadline = Date.now() + 5_000;
  for (;;) {
    const box = await locator.boundingBox({ timeout: 1_000 }).catch(() => null);
    if (box && box.x >= 0 && box.x + box.width <= width && box.y + box.height <= height) return true;
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 100));
  }
}

test('at 390 px the lobby does not overflow and Join and Spectate are in view', async () => {
  const room = await api(env.server.url, 'POST', '/api/rooms', { name: 'a rather long room name here', drones: 3 });
  const { page, errors } = await phonePage('/');
  const row = page.locator(`#rooms tr[data-room-id="${room.id}"]`);
  await row.waitFor({ timeout: WAIT_MS });
  assert.ok(await noSidewaysOverflow(page), 'no horizontal overflow');
  assert.ok(await inView(page, row.locator('button', { hasText: 'Join' })), 'Join in view');
  assert.ok(await inView(page, row.locator('button', { hasText: 'Spectate' })), 'Spectate in view');
  await page.locator('summary', { hasText: 'Create a room' }).click();
  assert.ok(await noSidewaysOverflow(page), 'no overflow with the create form open');
  await screenshot(page, 'e2e-phone-lobby');
  assert.deepEqual(errors, []);
  await page.close();
});

test('at 390 px the replays table does not overflow and Watch is in view', async () => {
  const room = await api(env.server.url, 'POST', '/api/rooms', { name: 'phone recorded' });
  const bots = spawnSync(CLIENT_BIN, ['bots', '--server', env.server.url, '--room', String(room.id), '--count', '1', '--duration', '2s'], {
    encoding: 'utf8',
    timeout: WAIT_MS,
  });
  assert.equal(bots.status, 0, bots.stderr);
  const deadline = Date.now() + WAIT_MS;
  let replay;
  while (!(replay = (await api(env.server.url, 'GET', '/api/replays')).find((r) => r.room === 'phone recorded'))) {
    assert.ok(Date.now() < deadline, 'no recording listed');
    await new Promise((r) => setTimeout(r, 100));
  }
  const { page, errors } = await phonePage('/#/replays');
  const row = page.locator(`#replays tr[data-id="${replay.id}"]`);
  await row.waitFor({ timeout: WAIT_MS });
  assert.ok(await noSidewaysOverflow(page), 'no horizontal overflow');
  assert.ok(await inView(page, row.locator('a.watch')), 'Watch in view');
  await screenshot(page, 'e2e-phone-replays');
  assert.deepEqual(errors, []);
  await page.close();
});

test('at 390 px the play view has a stick and a fire button that move the player', async () => {
  // Quick join: this server finishes empty rooms after 0.5 s (for the recording above).
  const { page, errors } = await phonePage('/');
  await page.click('#quick-join');
  await page.waitForFunction(() => window.tickcast.play.own && window.tickcast.play.predictor?.body, null, { timeout: WAIT_MS });
  assert.ok(await noSidewaysOverflow(page), 'no horizontal overflow while playing');
  const stick = page.locator('#touch-stick');
  const fire = page.locator('#touch-fire');
  assert.ok(await inView(page, stick), 'the stick is in view');
  assert.ok(await inView(page, fire), 'the fire button is in view');
  const start = await page.evaluate(() => ({ ...window.tickcast.play.own }));
  // Push the stick to the upper right (pointer events, as a finger makes them).
  const box = await stick.boundingBox();
  const cx = box.x + box.width / 2;
  const cy = box.y + box.height / 2;
  await page.mouse.move(cx, cy);
  await page.mouse.down();
  await page.mouse.move(cx + box.width / 2, cy - box.height / 2, { steps: 4 });
  await page.waitForFunction(
    ([x, y]) => window.tickcast.play.own.x > x + 40 && window.tickcast.play.own.y > y + 40,
    [start.x, start.y],
    { timeout: WAIT_MS },
  );
  await page.mouse.up();
  // The fire button sets the fire bit of the inputs sent.
  const fireBox = await fire.boundingBox();
  await page.mouse.move(fireBox.x + fireBox.width / 2, fireBox.y + fireBox.height / 2);
  await page.mouse.down();
  assert.equal(await page.evaluate(() => window.tickcast.play.touch.fire), true);
  await screenshot(page, 'e2e-phone-play');
  await page.mouse.up();
  assert.equal(await page.evaluate(() => window.tickcast.play.touch.fire), false);
  assert.deepEqual(errors, []);
  await page.close();
});
