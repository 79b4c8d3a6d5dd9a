// End to end in real headless Chromium: a game that is not the arena (the bundled
// `ball`) in the pages, with no arena code involved. A ball room is created in the
// lobby through the game selector and played (keys move the own player: its row
// moves), a second player quick-joins the selected game (the other team), the room
// is spectated live from the server's own ball frames (the SDK's canvas draws it;
// the board scores both teams and names the kinds). Saves target/e2e-ball-lobby.png,
// e2e-ball-play.png and e2e-ball-spectate.png. The match is recorded (replay format
// 5 records any game): the replay list names its game and the replay view plays it
// back with the SDK's canvas (js/game_spectate.js); saves e2e-ball-replay.png.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { api, screenshot, serverAndBrowser } from './harness.js';

const WAIT_MS = 30_000;
const ROOM = 'e2e ball';
const env = serverAndBrowser(['--empty-room-secs', '1']);

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

/** The own player's row as the play view drew it last. */
const ownRow = (page) =>
  page.evaluate(() => {
    const play = window.tickcast.play;
    return play.game?.drawn.find((r) => r.id === play.welcomeMsg?.entity) ?? null;
  });

/** Wait until `view` draws rows, or says it cannot decode its stream: true when
 * the server's own stream was drawn. */
async function drawsServerStream(page) {
  const outcome = await page.waitForFunction(
    () => {
      if (window.tickcast.gameSpectate.drawn.length >= 2) return 'drawn';
      return /cannot decode/.test(document.getElementById('hud-state').textContent) ? 'undecodable' : null;
    },
    null,
    { timeout: WAIT_MS },
  );
  return (await outcome.jsonValue()) === 'drawn';
}

function watchErrors(page) {
  const errors = [];
  page.on('pageerror', (e) => errors.push(e));
  return errors;
}

test('a ball room is created, played and spectated in the browser', async () => {
  const { context } = env.browser;
  const url = (hash) => new URL(`/${hash}`, env.server.url).toString();

  // Create: the selector lists the server's games, the arena first (the default).
  const player = await context.newPage();
  const errors = watchErrors(player);
  await player.goto(url('#/'));
  await player.fill('#player-name', 'kicker');
  await player.locator('#create-game option[value="ball"]').waitFor({ state: 'attached', timeout: WAIT_MS });
  assert.deepEqual(await player.locator('#create-game option').allTextContents(), ['arena', 'ball']);
  assert.equal(await player.locator('#create-game').inputValue(), 'arena');
  await player.locator('details summary').click();
  await player.selectOption('#create-game', 'ball');
  assert.ok(await player.locator('#create-form input[name="drones"]').isHidden(), 'drones are the arena\'s');
  await player.fill('#create-form input[name="name"]', ROOM);
  await screenshot(player, 'e2e-ball-lobby');
  await player.locator('#create-form button[type="submit"]').click();

  // Play: the SDK draws the ball, the match and the own player; D runs right.
  await player.waitForFunction(() => window.tickcast.play.welcomeMsg?.game === 'ball', null, { timeout: WAIT_MS });
  const start = await eventually(() => ownRow(player), 'the own player drawn');
  assert.equal(start.kind, 'player');
  const room = (await api(env.server.url, 'GET', '/api/rooms')).find((r) => r.name === ROOM);
  assert.equal(room.game, 'ball');
  await player.locator('#arena').focus();
  await player.keyboard.down('KeyD');
  const moved = await eventually(async () => {
    const row = await ownRow(player);
    return row && row.x > start.x + 2 ? row : null;
  }, 'the own player running right');
  await player.keyboard.up('KeyD');
  assert.ok(moved.x > start.x + 2, `x ${start.x} -> ${moved.x}`);
  // The HUD speaks the game's words: the ball's players have stamina, no score.
  assert.equal(await player.locator('#hud-hp-label').textContent(), 'stamina');
  assert.ok(await player.locator('#hud-score-item').isHidden(), 'no score item: the ball\'s players have none');
  await screenshot(player, 'e2e-ball-play');

  // A second player picks ball and quick-joins: the same room, the other team.
  const second = await context.newPage();
  errors.push(...watchErrors(second));
  await second.goto(url('#/'));
  await second.fill('#player-name', 'keeper');
  await second.locator('#create-game option[value="ball"]').waitFor({ state: 'attached', timeout: WAIT_MS });
  await second.selectOption('#create-game', 'ball');
  await second.locator('#quick-join').click();
  await second.waitForFunction(() => window.tickcast.play.welcomeMsg?.game === 'ball', null, { timeout: WAIT_MS });
  assert.equal(await second.evaluate(() => window.tickcast.play.room.id), room.id);


  // Spectate live from the lobby's row, which names the room's game.
  const viewer = await context.newPage();
  errors.push(...watchErrors(viewer));
  await viewer.goto(url('#/'));
  const row = viewer.locator(`#rooms tr[data-room-id="${room.id}"]`);
  await row.waitFor({ timeout: WAIT_MS });
  assert.equal(await row.locator('td.game').textContent(), 'ball');
  await row.locator('button', { hasText: 'Spectate' }).click();
  assert.ok(await drawsServerStream(viewer), 'the live stream decodes by the ball schema');
  await viewer.waitForFunction(() => window.tickcast.gameSpectate.drawn.length >= 4, null, { timeout: WAIT_MS });
  const kinds = await viewer.evaluate(() => window.tickcast.gameSpectate.drawn.map((r) => r.kind));
  assert.deepEqual([...new Set(kinds)].sort(), ['ball', 'match', 'player']);
  const scores = viewer.locator('#game-board ul.scores li .who');
  await eventually(async () => (await scores.allTextContents()).join(',') === 'red,blue' || (await scores.allTextContents()).join(',') === 'blue,red', 'both teams on the board');
  const legend = await viewer.locator('#game-board ul.legend li .who').allTextContents();
  for (const kind of ['ball', 'player (red)', 'player (blue)']) assert.ok(legend.includes(kind), `legend ${legend}`);
  assert.ok(await viewer.locator('#scoreboard').isHidden(), 'the arena\'s scoreboard stays hidden');
  // The match clock reads m:ss; players are captioned by name, the ball not at all.
  await eventually(async () => /clock \d+:\d\d/.test(await viewer.locator('#game-board ul.status').textContent()), 'the clock as m:ss');
  const captions = await eventually(async () => {
    const list = await viewer.evaluate(() => {
      const v = window.tickcast.gameSpectate;
      const r = v.view.renderer;
      return v.state.snap.rows.map((row) => [v.schema.kinds[row.kind].name, r.caption(row, r.roles[row.kind])]);
    });
    const players = list.filter(([k]) => k === 'player').map(([, c]) => c).sort();
    return players.join(',') === 'keeper,kicker' ? list : null;
  }, 'players captioned by name');
  assert.deepEqual(captions.filter(([k]) => k === 'ball').map(([, c]) => c), [''], 'no caption on the ball');
  const painted = await viewer.evaluate(() => {
    const c = document.getElementById('arena');
    const data = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let green = 0;
    for (let i = 0; i < data.length; i += 16) if (data[i + 1] > 70 && data[i] < 40) green++;
    return green;
  });
  assert.ok(painted > 1000, `the pitch is drawn (${painted} samples)`);
  await screenshot(viewer, 'e2e-ball-spectate');

  for (const page of [player, second]) await page.locator('#leave').click();

  // The match was recorded: the list names the game, the replay view plays it.
  const replay = await eventually(async () => {
    const list = await api(env.server.url, 'GET', '/api/replays');
    return list.find((r) => r.room === ROOM && r.complete);
  }, 'a complete ball recording');
  assert.equal(replay.game, 'ball');
  await viewer.goto(url('#/replays'));
  const recorded = viewer.locator(`#replays tr[data-id="${replay.id}"]`);
  await recorded.waitFor({ timeout: WAIT_MS });
  assert.match(await recorded.textContent(), /ball/);
  const played = [];
  viewer.on('request', (r) => {
    const path = new URL(r.url()).pathname;
    if (path.endsWith('/events')) played.push(path);
  });
  await recorded.locator('a.watch').click();
  await eventually(() => played.includes(`/api/replays/${encodeURIComponent(replay.id)}/events`), 'the playback stream');
  assert.ok(await drawsServerStream(viewer), 'the recording decodes by the ball schema');
  await viewer.waitForFunction(
    () => {
      const kinds = window.tickcast.gameSpectate.drawn.map((r) => r.kind);
      return kinds.includes('ball') && kinds.includes('player') && window.tickcast.gameSpectate.state.tick > 0;
    },
    null,
    { timeout: WAIT_MS },
  );
  const replayed = await viewer.evaluate(() => window.tickcast.gameSpectate.drawn.map((r) => r.kind));
  assert.ok(replayed.includes('player'), `replayed kinds ${replayed}`);
  assert.ok(await viewer.locator('#replay-controls').isVisible(), 'a replay has its controls');
  await screenshot(viewer, 'e2e-ball-replay');
  assert.deepEqual(errors.map(String), []);
});
