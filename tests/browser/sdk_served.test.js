// The browser SDK as a web page gets it: from the real server at /sdk/, loaded as
// ES modules by headless Chromium, reading the server's own game descriptors and
// drawing a decoded snapshot of each golden game on a real canvas.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { api, screenshot, serverAndBrowser } from './harness.js';
import { golden } from './golden.js';

const env = serverAndBrowser();

test('the server serves the SDK; in Chromium it checks every game the server runs', async () => {
  const games = await api(env.server.url, 'GET', '/api/games');
  assert.ok(games.length >= 1);
  const page = await env.browser.context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e));
  await page.goto(new URL('/sdk/README.md', env.server.url).toString());
  const hashes = await page.evaluate(async (names) => {
    const sdk = await import('/sdk/index.js');
    const out = {};
    for (const name of names) out[name] = (await sdk.fetchSchema(name)).hash;
    return out;
  }, games.map((g) => g.name));
  for (const g of games) assert.equal(hashes[g.name], g.schema_hash, g.name);
  assert.deepEqual(errors, []);
});

test('in Chromium the SDK decodes and draws both golden games on a canvas', async () => {
  const { schemas } = golden('sdk');
  const page = await env.browser.context.newPage();
  await page.goto(new URL('/sdk/README.md', env.server.url).toString());
  for (const game of schemas) {
    const c = game.cases.find((x) => x.name === 'keyframe late in the match');
    const drawn = await page.evaluate(async ({ descriptor, body }) => {
      const sdk = await import('/sdk/index.js');
      const schema = sdk.parseSchema(descriptor);
      const bytes = Uint8Array.from(body.match(/../g), (h) => parseInt(h, 16));
      const snapshot = sdk.decodeRows(schema, null, bytes);
      document.body.innerHTML = '<canvas width="640" height="400"></canvas>';
      sdk.createRenderer(document.querySelector('canvas'), schema).draw(snapshot);
      return { rows: snapshot.rows.length, hash: schema.hash };
    }, { descriptor: game.descriptor, body: c.body });
    assert.equal(drawn.hash, game.hash);
    assert.equal(drawn.rows, c.expected.rows.length);
    await screenshot(page, `e2e-sdk-${game.name}`);
  }
});
