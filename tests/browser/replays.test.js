// End to end in real headless Chromium: a match played by the real bots binary is
// recorded, the replays page lists it, and playback (binary frames) shows entities
// moving and the scoreboard, with controls that change speed, seek and pause; the
// help line stays in the window. Saves target/e2e-replays.png.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { CLIENT_BIN, api, screenshot, serverAndBrowser } from './harness.js';

const WAIT_MS = 30_000;
const env = serverAndBrowser(['--empty-room-secs', '0.5']);

/** Poll `check` (bounded) until it returns a value. */
async function eventually(check, what) {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

test('a recorded match is listed, played, sought and paused in the browser', async () => {
  const room = await api(env.server.url, 'POST', '/api/rooms', { name: 'e2e recorded', drones: 20 });
  const bots = spawnSync(CLIENT_BIN, ['bots', '--server', env.server.url, '--room', String(room.id), '--count', '2', '--duration', '7s', '--json'], {
    encoding: 'utf8',
    timeout: WAIT_MS,
  });
  assert.equal(bots.status, 0, bots.stderr);
  const replay = await eventually(async () => {
    const list = await api(env.server.url, 'GET', '/api/replays');
    return list.find((r) => r.room === 'e2e recorded' && r.complete);
  }, 'a complete recording');
  // Keyframes are 5 s (300 ticks) apart: a 7 s match has one after tick 0 to seek to.
  assert.ok(replay.ticks > 360, `recorded ${replay.ticks} ticks`);

  const page = await env.browser.context.newPage();
  const errors = [];
  const requested = [];
  page.on('pageerror', (e) => errors.push(e));
  page.on('request', (r) => {
    const url = new URL(r.url());
    if (url.pathname.endsWith('/events')) requested.push(url.pathname + url.search);
  });
  await page.goto(new URL('/#/replays', env.server.url).toString());
  const row = page.locator(`#replays tr[data-id="${replay.id}"]`);
  await row.waitFor({ timeout: WAIT_MS });
  assert.match(await row.textContent(), /e2e recorded/);
  assert.match(await row.textContent(), /complete/);
  await row.locator('a.watch').click();

  // Playback: entities are drawn and move.
  await page.waitForFunction(() => window.tickcast.spectate.drawn.length >= 20, null, { timeout: WAIT_MS });
  const first = await page.evaluate(() => window.tickcast.spectate.drawn.map((e) => [e.id, e.x, e.y]));
  await page.waitForFunction(
    (before) => {
      const now = new Map(window.tickcast.spectate.drawn.map((e) => [e.id, e]));
      return before.filter(([id, x, y]) => now.has(id) && Math.hypot(now.get(id).x - x, now.get(id).y - y) > 10).length >= 10;
    },
    first,
    { timeout: WAIT_MS },
  );

  const events = `/api/replays/${encodeURIComponent(replay.id)}/events`;
  assert.deepEqual(requested, [`${events}?speed=1&from=0&format=binary`], 'binary frames, from the start');
  assert.ok(await page.locator('#replay-controls').isVisible(), 'a replay has its controls');
  const help = await page.locator('p.help.spectate-only').boundingBox();
  assert.ok(help && help.y + help.height <= page.viewportSize().height, `help line at ${JSON.stringify(help)}`);
  // The bots' two players fill the scoreboard.
  await page.locator('#scoreboard tbody tr').nth(1).waitFor({ timeout: WAIT_MS });
  assert.equal(await page.locator('#scoreboard tbody tr').count(), 2);
  // From tick 0 the playback's `joined` events name them from the recording.
  await eventually(async () => {
    const names = await page.locator('#scoreboard tbody tr td:first-child').allTextContents();
    return names.length === 2 && names.every((n) => /^bot\d+$/.test(n));
  }, 'the recorded names on the scoreboard');

  // Speed 4: the stream reopens at 4x from the tick on screen, and goes on from there.
  const before = await page.evaluate(() => window.tickcast.replay.current());
  await page.selectOption('#replay-speed', '4');
  await eventually(async () => requested.length === 2, 'the stream at 4x');
  const [, from] = requested[1].match(/^[^?]+\?speed=4&from=(\d+)&format=binary$/) ?? [];
  assert.ok(Number(from) >= before, `${requested[1]} continues from ${before}`);
  await page.waitForFunction((f) => (window.tickcast.spectate.state.tick ?? 0) > f + 60, Number(from), { timeout: WAIT_MS });
  await page.selectOption('#replay-speed', '1');
  await eventually(async () => requested.length === 3, 'the stream back at 1x');
  assert.match(requested[2], /\?speed=1&from=\d+&format=binary$/);

  // Seek to tick 360: playback restarts at the keyframe of tick 300, not at 0, and
  // the bots' players are in the world by then.
  const target = 360;
  await page.evaluate((t) => {
    const bar = document.getElementById('replay-seek');
    bar.value = String(t);
    bar.dispatchEvent(new Event('change'));
  }, target);
  await page.waitForFunction(() => (window.tickcast.spectate.state.tick ?? 0) >= 300, null, { timeout: WAIT_MS });
  const seen = await page.evaluate(() => window.tickcast.spectate.state.tick);
  assert.ok(seen <= replay.ticks, `tick ${seen} of ${replay.ticks}`);
  await page.waitForFunction(() => window.tickcast.spectate.drawn.some((e) => e.kind === 'player'), null, { timeout: WAIT_MS });
  assert.match(requested[requested.length - 1], /\?speed=1&from=360&format=binary$/);
  await screenshot(page, 'e2e-replays');

  // Pause: the tick stops advancing and the button offers Play.
  await page.click('#replay-toggle');
  assert.equal(await page.textContent('#replay-toggle'), 'Play');
  const paused = await page.evaluate(() => window.tickcast.replay.current());
  await new Promise((r) => setTimeout(r, 500));
  assert.equal(await page.evaluate(() => window.tickcast.replay.current()), paused);
  // Paused says paused (not "playing at 4x"); the title names the room and its
  // game, and the position is m:ss, not ticks.
  assert.equal(await page.textContent('#hud-state'), 'paused');
  assert.equal(await page.textContent('#hud-mode'), `Replay of e2e recorded (${replay.game})`);
  assert.match(await page.textContent('#replay-position'), /^\d+:\d\d \/ \d+:\d\d$/);
  assert.deepEqual(errors, []);
  await page.close();
});
