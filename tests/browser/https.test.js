// End to end over HTTPS in real headless Chromium: a test CA (openssl) signs the
// server's certificate; Chromium trusts exactly that certificate's key
// (--ignore-certificate-errors-spki-list, the documented way to pin a test key).
// Play over wss://, spectate 8 rooms in 8 tabs at once over one HTTP/2 connection,
// watch a recorded match. Saves target/https-*.png.
//
// Binaries: TICKCAST_SERVER_BIN / TICKCAST_CLIENT_BIN, else target/release/.

import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { chromium } from 'playwright-core';
import { CHROMIUM, ROOT, SERVER_BIN, screenshot } from './harness.js';

const WAIT_MS = 30_000;
const SERVER = process.env.TICKCAST_SERVER_BIN || SERVER_BIN;
const CLIENT = process.env.TICKCAST_CLIENT_BIN || join(ROOT, 'target/release/tickcast-client');
const TABS = 8;

let dir;
let server;
let recorder;
let context;
let base;
let recorderBase;
let spki;

/** A CA and a leaf for localhost/127.0.0.1 it signed; returns the leaf's SPKI hash. */
function makePki() {
  const run = (args) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  run(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=tickcast browser test CA']);
  run(['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=localhost']);
  writeFileSync(join(dir, 'ext.cnf'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
  run(['x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial',
    '-out', 'server.crt', '-days', '2', '-extfile', 'ext.cnf']);
  const pub = run(['x509', '-in', 'server.crt', '-pubkey', '-noout']);
  const der = execFileSync('openssl', ['pkey', '-pubin', '-outform', 'der'], { input: pub });
  const digest = execFileSync('openssl', ['dgst', '-sha256', '-binary'], { input: der });
  return digest.toString('base64');
}

function startTlsServer(extra = []) {
  const child = spawn(SERVER, ['--http', '127.0.0.1:0', '--tls-cert', join(dir, 'server.crt'),
    '--tls-key', join(dir, 'server.key'), '--no-quic', ...extra], {
    cwd: ROOT,
    env: { ...process.env, RUST_LOG: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const url = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no address:\n${output}`)), WAIT_MS);
    const onData = (chunk) => {
      output += chunk;
      const m = /listening on https:\/\/127\.0\.0\.1:(\d+)/.exec(output);
      if (m) {
        clearTimeout(timer);
        resolve(`https://localhost:${m[1]}`);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => reject(new Error(`server exited with ${code}:\n${output}`)));
  });
  return { child, url };
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tickcast-https-'));
  spki = makePki();
  server = startTlsServer(['--no-replays']);
  base = await server.url;
  server.child.removeAllListeners('exit');
  // Recordings complete when their room finishes: this one finishes empty rooms fast.
  recorder = startTlsServer(['--replay-dir', join(dir, 'replays'), '--empty-room-secs', '0.5']);
  recorderBase = await recorder.url;
  recorder.child.removeAllListeners('exit');
  const profile = join(dir, 'profile');
  context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1024, height: 700 },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      `--ignore-certificate-errors-spki-list=${spki}`],
  });
});

after(async () => {
  await context?.close();
  for (const s of [server, recorder]) {
    if (s && s.child.exitCode === null) {
      const exited = new Promise((r) => s.child.once('exit', r));
      s.child.kill('SIGTERM');
      await exited;
    }
  }
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function openPage(path, at = base) {
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e));
  await page.goto(new URL(path, at).toString());
  return { page, errors };
}

/** A JSON API call made by the page itself (the page trusts the certificate). */
function api(page, method, path, body) {
  return page.evaluate(async ([method, path, body]) => {
    const res = await fetch(path, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
    return res.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text;
  }, [method, path, body]);
}

test('a player joins over https and wss and moves', async () => {
  const { page, errors } = await openPage('/');
  const protocol = await page.evaluate(() => performance.getEntriesByType('navigation')[0].nextHopProtocol);
  assert.equal(protocol, 'h2');
  const room = await api(page, 'POST', '/api/rooms', { name: 'https play room', drones: 5 });
  await page.fill('#player-name', 'tls-player');
  await page.locator(`#rooms tr[data-room-id="${room.id}"] button`, { hasText: 'Join' }).click({ timeout: WAIT_MS });
  await page.waitForFunction(() => window.tickcast.play.own && window.tickcast.play.predictor?.body, null, { timeout: WAIT_MS });
  const start = await page.evaluate(() => ({ ...window.tickcast.play.own }));
  await page.keyboard.down('KeyD');
  await page.waitForFunction((x) => window.tickcast.play.own.x > x + 40, start.x, { timeout: WAIT_MS });
  await page.keyboard.up('KeyD');
  assert.equal(await page.textContent('#hud-state'), 'connected');
  await screenshot(page, 'https-play');
  assert.deepEqual(errors, []);
  await page.close();
});

test(`${TABS} tabs spectate ${TABS} rooms at once, all streaming`, async () => {
  const { page: lobby } = await openPage('/');
  const rooms = [];
  for (let i = 0; i < TABS; i++) {
    rooms.push(await api(lobby, 'POST', '/api/rooms', { name: `https tab ${i}`, drones: 10 }));
  }
  const tabs = [];
  for (const room of rooms) {
    tabs.push(await openPage(`/#/spectate/${encodeURIComponent(room.id)}`));
  }
  for (const { page } of tabs) {
    await page.waitForFunction(() => window.tickcast.spectate.drawn.length >= 10, null, { timeout: WAIT_MS });
  }
  // Every tab keeps receiving: each one's tick moves on after all were live.
  const ticks = [];
  for (const { page } of tabs) ticks.push(await page.evaluate(() => window.tickcast.spectate.state.tick));
  for (const [i, { page }] of tabs.entries()) {
    await page.waitForFunction((t) => window.tickcast.spectate.state.tick > t, ticks[i], { timeout: WAIT_MS });
    assert.equal(await page.textContent('#hud-state'), 'live');
  }
  const metrics = await api(lobby, 'GET', '/metrics');
  assert.match(metrics, new RegExp(`^tickcast_spectators ${TABS}$`, 'm'));
  // HTTP/2: the tabs' streams share connections instead of one each (6 at most over HTTP/1.1).
  const open = Number(/^tickcast_http_connections (\d+)$/m.exec(metrics)[1]);
  assert.ok(open < TABS, `${open} connections for ${TABS} streams`);
  await screenshot(tabs[TABS - 1].page, 'https-spectate');
  for (const { page, errors } of tabs) {
    assert.deepEqual(errors, []);
    await page.close();
  }
  await lobby.close();
});

test('a match recorded over wss is listed and played back', async () => {
  const base = recorderBase;
  const { page, errors } = await openPage('/', base);
  const room = await api(page, 'POST', '/api/rooms', { name: 'https recorded', drones: 10 });
  const bots = spawnSync(CLIENT, ['--ca-cert', join(dir, 'ca.pem'), 'bots', '--server', base,
    '--room', String(room.id), '--count', '2', '--duration', '3s', '--json'], { encoding: 'utf8', timeout: WAIT_MS });
  assert.equal(bots.status, 0, bots.stderr);
  assert.equal(JSON.parse(bots.stdout).connected, 2, bots.stdout);
  let replay;
  const deadline = Date.now() + WAIT_MS;
  while (!replay) {
    const list = await api(page, 'GET', '/api/replays');
    replay = list.find((r) => r.room === 'https recorded' && r.complete);
    if (!replay) {
      assert.ok(Date.now() < deadline, 'a complete recording in time');
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  await page.goto(new URL('/#/replays', base).toString());
  const row = page.locator(`#replays tr[data-id="${replay.id}"]`);
  await row.waitFor({ timeout: WAIT_MS });
  await row.locator('a.watch').click();
  await page.waitForFunction(() => window.tickcast.spectate.drawn.length >= 10, null, { timeout: WAIT_MS });
  const first = await page.evaluate(() => window.tickcast.spectate.state.tick);
  await page.waitForFunction((t) => window.tickcast.spectate.state.tick > t, first, { timeout: WAIT_MS });
  await screenshot(page, 'https-replays');
  assert.deepEqual(errors, []);
  await page.close();
});
