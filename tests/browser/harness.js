// End-to-end harness: the real server binary on an ephemeral port and a real
// headless Chromium (Debian's /usr/bin/chromium driven by playwright-core).

import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { after, before } from 'node:test';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
// The release build when there is one (as run-all.sh makes), else the debug build;
// TICKCAST_SERVER_BIN overrides.
export const SERVER_BIN =
  process.env.TICKCAST_SERVER_BIN ||
  [join(ROOT, 'target/release/tickcast-server'), join(ROOT, 'target/debug/tickcast-server')].find((p) =>
    existsSync(p),
  ) ||
  join(ROOT, 'target/release/tickcast-server');
// The native client (bots), found the same way.
export const CLIENT_BIN =
  process.env.TICKCAST_CLIENT_BIN ||
  [join(ROOT, 'target/release/tickcast-client'), join(ROOT, 'target/debug/tickcast-client')].find((p) =>
    existsSync(p),
  ) ||
  join(ROOT, 'target/release/tickcast-client');
export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
export const SHOTS = join(ROOT, 'target');
const START_TIMEOUT_MS = 30_000;

/** Start the server on 127.0.0.1:0 (or `http`, e.g. the port of a server that
 * was stopped, to restart it); resolves with {url, stop()} once it printed
 * `listening on http://ADDR`. */
export async function startServer(extraArgs = [], { http = '127.0.0.1:0' } = {}) {
  if (!existsSync(SERVER_BIN)) {
    throw new Error(`${SERVER_BIN} is missing: cargo build --release -p tickcast-server first`);
  }
  // Recordings of these short matches go to a temporary directory, when the
  // server records at all.
  const replays = mkdtempSync(join(tmpdir(), 'tickcast-e2e-replays-'));
  const help = spawnSync(SERVER_BIN, ['--help'], { encoding: 'utf8' }).stdout || '';
  const replayArgs = help.includes('--replay-dir') ? ['--replay-dir', replays] : [];
  const child = spawn(SERVER_BIN, ['--http', http, ...replayArgs, ...extraArgs], {
    cwd: ROOT,
    env: { ...process.env, RUST_LOG: process.env.RUST_LOG || 'warn,tickcast_server=info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start in time:\n${output}`)), START_TIMEOUT_MS);
    const onData = (chunk) => {
      output += chunk;
      const m = /listening on (http:\/\/[^\s]+)/.exec(output);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}:\n${output}`));
    });
  });
  child.removeAllListeners('exit');
  return {
    url,
    output: () => output,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(replays, { recursive: true, force: true });
    },
  };
}

/** A fresh headless Chromium (its own profile directory). */
export async function startBrowser() {
  const profile = mkdtempSync(join(tmpdir(), 'tickcast-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1280, height: 800 },
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  return {
    context,
    async stop() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Save a screenshot of `page` as target/<name>.png. */
export async function screenshot(page, name) {
  mkdirSync(SHOTS, { recursive: true });
  const path = join(SHOTS, `${name}.png`);
  await page.screenshot({ path });
  return path;
}

/** JSON API call against the server. */
export async function api(base, method, path, body) {
  const res = await fetch(new URL(path, base), {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

/** One server (started with `serverArgs`) and one browser for the tests of a file:
 * started before the first test, stopped after the last. Returns the object whose
 * `server` and `browser` they are once started. */
export function serverAndBrowser(serverArgs = []) {
  const env = { server: null, browser: null };
  before(async () => {
    env.server = await startServer(serverArgs);
    env.browser = await startBrowser();
  });
  after(async () => {
    await env.browser?.stop();
    await env.server?.stop();
  });
  return env;
}
