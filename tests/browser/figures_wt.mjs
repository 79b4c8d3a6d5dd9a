// Feel figures of a browser player through the link conditioner (not part of CI):
//
//   node figures_wt.mjs wt|ws average|off|good|poor SEED SECONDS
//
// Starts the release server, a UDP and a TCP conditioner in front of it
// (conditioner.js), and headless Chromium playing the arena for SECONDS over the
// chosen transport (`?transport=`; the join answer's WebTransport port is pointed at
// the UDP conditioner), walking in a new direction every 2 s. Prints one JSON line:
// input delay p99 (ticks), corrections (% of reconciled snapshots), extrapolated
// frames (% of drawn frames whose render time is past the newest snapshot),
// snapshots lost (never applied, of those the server sent at its send rate), the
// render delay in use at the end (ticks behind the earliest arrivals), and how many
// joins it took (a join whose connection fails before it plays, e.g. a forced
// WebTransport handshake that loses too many packets, is tried again, at most
// JOIN_ATTEMPTS times, each with a new page and ticket; the reason goes to stderr).
//
// TICKCAST_SERVER_BIN runs another server binary (e.g. an older build, to compare);
// the pages are the ones that binary embeds.

import { api, startBrowser, startServer } from './harness.js';
import { PRESETS, tcpProxy, udpProxy } from './conditioner.js';

const [transport = 'wt', preset = 'average', seedText = '1', secondsText = '30'] = process.argv.slice(2);
if (!['wt', 'ws'].includes(transport) || !(preset in PRESETS)) {
  console.error('usage: node figures_wt.mjs wt|ws average|off|good|poor SEED SECONDS');
  process.exit(2);
}
const seed = Number(seedText) >>> 0;
const seconds = Number(secondsText);
const spec = PRESETS[preset];

const server = await startServer([]);
const http = new URL(server.url);
// The QUIC line may come just after the HTTP one.
let quic = null;
for (let waited = 0; !quic && waited < 10_000; waited += 50) {
  quic = /quic on udp:\/\/[^:\s]+:(\d+)/.exec(server.output());
  if (!quic) await new Promise((r) => setTimeout(r, 50));
}
if (!quic) throw new Error(`no QUIC port in the server's output:\n${server.output()}`);
const tcp = await tcpProxy({ host: '127.0.0.1', port: Number(http.port) }, spec, seed * 2 + 1);
const udp = await udpProxy({ host: '127.0.0.1', port: Number(quic[1]) }, spec, seed * 2 + 2);
const browser = await startBrowser();
const JOIN_ATTEMPTS = 3;
const JOIN_WAIT_MS = 60_000;

/** A page that joined `room` and plays, or null when this attempt failed (said on
 * stderr; the last attempt's failure is thrown). */
async function join(room, attempt) {
  const page = await browser.context.newPage();
  await page.route('**/api/rooms/*/join', async (r) => {
    const res = await r.fetch();
    const answer = await res.json();
    if (answer.webtransport) answer.webtransport.port = udp.port;
    await r.fulfill({ response: res, json: answer });
  });
  try {
    await page.goto(`http://127.0.0.1:${tcp.port}/?transport=${transport}`, { timeout: JOIN_WAIT_MS });
    await page.fill('#player-name', 'figures');
    await page.locator(`#rooms tr[data-room-id="${room.id}"] button`, { hasText: 'Join' }).click({ timeout: JOIN_WAIT_MS });
    // Playing, or given up (a forced transport does not fall back).
    await page.waitForFunction(
      () => (window.tickcast.play.own && window.tickcast.play.predictor?.body) || window.tickcast.play.conn?.state === 'closed',
      null,
      { timeout: JOIN_WAIT_MS },
    );
    if (await page.evaluate(() => window.tickcast.play.conn.state !== 'closed')) return page;
  } catch (e) {
    if (attempt >= JOIN_ATTEMPTS) throw e;
  }
  const why = await page.evaluate(() => document.getElementById('hud-state')?.textContent).catch((e) => e.message);
  console.error(`join ${attempt} failed: ${why}`);
  if (attempt >= JOIN_ATTEMPTS) throw new Error(`no join in ${JOIN_ATTEMPTS} attempts: ${why}`);
  await page.close();
  return null;
}

try {
  const room = await api(server.url, 'POST', '/api/rooms', { name: 'figures', drones: 5 });
  let page = null;
  let joins = 0;
  while (!page) {
    joins += 1;
    page = await join(room, joins);
  }
  await page.evaluate(() => {
    const play = window.tickcast.play;
    const f = { frames: 0, extrapolated: 0, ticks: new Set(), first: null, last: null };
    window.figures = f;
    play.conn.addEventListener('message', (e) => {
      const s = e.detail.Snapshot;
      if (!s) return;
      f.ticks.add(s.tick);
      f.first = f.first === null ? s.tick : Math.min(f.first, s.tick);
      f.last = f.last === null ? s.tick : Math.max(f.last, s.tick);
    });
    const frame = () => {
      const interp = play.interp;
      const newest = interp?.frames[interp.frames.length - 1];
      const t = interp?.renderTick(performance.now());
      if (newest && t !== null) {
        f.frames += 1;
        if (t > newest.tick) f.extrapolated += 1;
      }
      requestAnimationFrame(frame);
    };
    requestAnimationFrame(frame);
    play.net.reconciliations = 0;
    play.net.corrections = [];
    play.net.delays = [];
  });
  const keys = ['KeyD', 'KeyW', 'KeyA', 'KeyS'];
  for (let i = 0; i < Math.ceil(seconds / 2); i++) {
    await page.keyboard.down(keys[i % keys.length]);
    await page.waitForTimeout(2000);
    await page.keyboard.up(keys[i % keys.length]);
  }
  const figures = await page.evaluate(() => {
    const play = window.tickcast.play;
    const f = window.figures;
    const w = play.welcomeMsg;
    const every = w.tick_rate / w.send_rate;
    const sent = f.first === null ? 0 : Math.floor((f.last - f.first) / every) + 1;
    return {
      transport: play.conn.transportName,
      input_delay_p99_ticks: play.net.delayPercentile(0.99),
      input_delay_p50_ticks: play.net.delayPercentile(0.5),
      corrections_pct: (100 * play.net.corrections.length) / Math.max(1, play.net.reconciliations),
      extrapolated_pct: (100 * f.extrapolated) / Math.max(1, f.frames),
      snapshots_lost: Math.max(0, sent - f.ticks.size),
      snapshots_sent: sent,
      render_delay_ticks: play.interp.clock?.delayTicks?.() ?? play.interp.delayTicks,
    };
  });
  console.log(JSON.stringify({ transport, preset, seed, seconds, ...figures, joins, udp: udp.stats, tcp: tcp.stats }));
} finally {
  await browser.stop();
  udp.close();
  tcp.close();
  await server.stop();
}
