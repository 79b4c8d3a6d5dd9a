// The SDK's RenderClock (assets/web/sdk/clock.js), the jitter buffer the play and
// spectate views draw by, fed simulated arrivals: a quiet path keeps the fixed two
// send intervals; a path with the `average` preset's jitter and loss is drawn
// further behind, so frames rarely run past the newest snapshot (a fixed delay
// does, often); the delay changes smoothly and restarts after a stall.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MAX_SPREAD_MS, RenderClock, SLEW_DOWN, SLEW_UP } from '../../assets/web/sdk/clock.js';
import { PRESETS, seeded } from './conditioner.js';

const TICK_RATE = 60;
const SEND_EVERY = 3; // 20 Hz snapshots
const DT = 1000 / TICK_RATE;
const FRAME_MS = 1000 / 60;

/** Snapshots of `seconds` of play through a link of `spec` ({latency, jitter, loss}
 * one way, ms): [{tick, at}] in arrival order, stale ones (overtaken) left out as
 * the views leave them out. */
function arrivals(spec, seconds, seed, start = 1000) {
  const random = seeded(seed);
  const out = [];
  for (let tick = 0; tick * DT < seconds * 1000; tick += SEND_EVERY) {
    if (spec.loss > 0 && random() < spec.loss) continue;
    const delay = Math.max(0, spec.latency + (random() * 2 - 1) * spec.jitter);
    out.push({ tick, at: start + tick * DT + delay });
  }
  out.sort((a, b) => a.at - b.at);
  let newest = -1;
  return out.filter((a) => (a.tick > newest ? ((newest = a.tick), true) : false));
}

/** Draw frames every FRAME_MS while the arrivals come in: how many frames ran past
 * the newest snapshot (had to extrapolate), the render ticks drawn, the delays. */
function play(clock, snapshots, { skipMs = 3000 } = {}) {
  let next = 0;
  let newest = null;
  const drawn = [];
  let frames = 0;
  let extrapolated = 0;
  const first = snapshots[0].at;
  const last = snapshots[snapshots.length - 1].at;
  for (let now = first; now <= last; now += FRAME_MS) {
    while (next < snapshots.length && snapshots[next].at <= now) {
      clock.observe(snapshots[next].tick, snapshots[next].at);
      newest = snapshots[next].tick;
      next += 1;
    }
    const t = clock.renderTick(now);
    drawn.push({ now, t });
    // The first seconds measure the link; count from then on.
    if (now - first < skipMs) continue;
    frames += 1;
    if (t > newest) extrapolated += 1;
  }
  return { frames, extrapolated, pct: (100 * extrapolated) / frames, drawn };
}

test('on a path without jitter the delay is the fixed two send intervals', () => {
  const clock = new RenderClock(TICK_RATE, 2 * SEND_EVERY);
  const run = play(clock, arrivals(PRESETS.off, 10, 1));
  assert.equal(run.extrapolated, 0);
  assert.ok(Math.abs(clock.delayTicks() - 2 * SEND_EVERY) < 1e-6, `${clock.delayTicks()}`);
  // Drawn exactly two send intervals behind the newest arrival.
  const { now, t } = run.drawn[run.drawn.length - 1];
  assert.ok(Math.abs((now - 1000) / DT - 2 * SEND_EVERY - t) < 1e-6, `${t}`);
});

test('with the average preset a measured delay rarely runs past the newest snapshot; a fixed one often does', () => {
  for (const seed of [1, 2, 3]) {
    const snapshots = arrivals(PRESETS.average, 30, seed);
    const adaptive = play(new RenderClock(TICK_RATE, 2 * SEND_EVERY), snapshots);
    const fixed = play(new RenderClock(TICK_RATE, 2 * SEND_EVERY, { maxSpreadMs: 0 }), snapshots);
    assert.ok(adaptive.pct < 1, `seed ${seed}: adaptive ${adaptive.pct.toFixed(2)} % extrapolated`);
    assert.ok(fixed.pct > 3, `seed ${seed}: fixed ${fixed.pct.toFixed(2)} % extrapolated`);
  }
  // The delay covers the jitter's spread (90 ms from earliest to latest), no more
  // than the cap.
  const clock = new RenderClock(TICK_RATE, 2 * SEND_EVERY);
  play(clock, arrivals(PRESETS.average, 30, 4));
  const spread = clock.delayTicks() - 2 * SEND_EVERY;
  assert.ok(spread > 60 / DT && spread < 95 / DT, `spread ${spread} ticks`);
});

test('the render clock never jumps: it slows down by at most 10 % and speeds up by at most 2.5 %', () => {
  const clock = new RenderClock(TICK_RATE, 2 * SEND_EVERY);
  // Quiet first, then the average link's jitter, then quiet again.
  const quiet = arrivals(PRESETS.off, 5, 1, 0);
  const jittery = arrivals({ ...PRESETS.average, latency: 45 }, 10, 2, 0).map((a) => ({ tick: a.tick + 300, at: a.at + 5000 }));
  const calm = arrivals(PRESETS.off, 30, 3, 0).map((a) => ({ tick: a.tick + 900, at: a.at + 15000 }));
  const run = play(clock, [...quiet, ...jittery, ...calm], { skipMs: 0 });
  let grew = false;
  let shrank = false;
  for (let i = 1; i < run.drawn.length; i++) {
    const a = run.drawn[i - 1];
    const b = run.drawn[i];
    const speed = (b.t - a.t) / ((b.now - a.now) / DT);
    assert.ok(speed >= 1 - SLEW_UP - 1e-9 && speed <= 1 + SLEW_DOWN + 1e-9, `speed ${speed} at ${b.now}`);
    grew ||= speed < 0.99;
    shrank ||= speed > 1.01;
  }
  assert.ok(grew && shrank, 'the delay grew with the jitter and shrank after it');
  assert.ok(Math.abs(clock.delayTicks() - 2 * SEND_EVERY) < 0.5, `back to ${clock.delayTicks()} ticks`);
});

test('the spread is capped, and a stall restarts the clock', () => {
  const clock = new RenderClock(TICK_RATE, 2 * SEND_EVERY);
  const bad = arrivals({ latency: 600, jitter: 500, loss: 0 }, 20, 5);
  play(clock, bad);
  assert.ok(clock.spreadMs() <= MAX_SPREAD_MS, `${clock.spreadMs()}`);
  // The server comes back 10 s later (a resume): the old samples are forgotten.
  const last = bad[bad.length - 1];
  clock.observe(last.tick + 3, last.at + 10_000);
  assert.equal(clock.samples.length, 1);
  assert.equal(clock.delayTicks(), 2 * SEND_EVERY);
  assert.equal(new RenderClock(TICK_RATE, 6).renderTick(0), null);
});
