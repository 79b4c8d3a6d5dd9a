// Interpolation of remote entities: frames are shown a delay behind the newest one,
// blending the two frames around the render time, so entities move smoothly between
// snapshots that arrive at 10-20 Hz. The delay is a jitter buffer (the SDK's
// RenderClock): `delayTicks` (two send intervals: one lost snapshot still leaves two
// to blend) plus how much later than the earliest the snapshots usually arrive, so a
// jittery link is drawn a little further behind instead of stalling.
//
// Time is kept in ticks: a frame of tick T that arrives at local time t is one sample
// of when the server's ticks arrive here; the clock turns them into the render tick.

import { RenderClock } from '../sdk/clock.js';

const MAX_FRAMES = 64;

function lerp(a, b, t) {
  return a + (b - a) * t;
}

function lerpAngle(a, b, t) {
  let d = (b - a) % (2 * Math.PI);
  if (d > Math.PI) d -= 2 * Math.PI;
  if (d < -Math.PI) d += 2 * Math.PI;
  return a + d * t;
}

export class Interpolator {
  /** `tickRate` ticks per second; `delayTicks` how far behind the earliest
   * arrivals to show on a link without jitter (the measured jitter is added). */
  constructor(tickRate, delayTicks) {
    this.tickRate = tickRate;
    this.clock = new RenderClock(tickRate, delayTicks);
    this.frames = [];
  }

  /** The delay on a link without jitter (ticks); the spectator view sets it from
   * the frames' interval. */
  get delayTicks() {
    return this.clock.minDelayTicks;
  }

  set delayTicks(ticks) {
    this.clock.minDelayTicks = ticks;
  }

  reset() {
    this.frames = [];
    this.clock.reset();
  }

  /** Add the frame of `tick`: an array of entity views ({id, x, y, angle, ...}). */
  push(tick, entities, nowMs) {
    const last = this.frames[this.frames.length - 1];
    if (last && tick <= last.tick) return;
    this.clock.observe(tick, nowMs);
    this.frames.push({ tick, byId: new Map(entities.map((e) => [e.id, e])) });
    if (this.frames.length > MAX_FRAMES) this.frames.shift();
  }

  /** The tick being shown at `nowMs` (fractional), or null before any frame. */
  renderTick(nowMs) {
    return this.clock.renderTick(nowMs);
  }

  /** Entity views at `nowMs`, blended between the frames around the render tick. */
  sample(nowMs) {
    const n = this.frames.length;
    if (n === 0) return [];
    const t = this.renderTick(nowMs);
    let i = n - 1;
    while (i > 0 && this.frames[i].tick > t) i--;
    const a = this.frames[i];
    const b = this.frames[i + 1];
    // Frames older than the one shown are no longer needed.
    if (i > 1) this.frames.splice(0, i - 1);
    if (!b || t <= a.tick) return [...a.byId.values()];
    const k = Math.min(1, Math.max(0, (t - a.tick) / (b.tick - a.tick)));
    const out = [];
    for (const eb of b.byId.values()) {
      const ea = a.byId.get(eb.id);
      if (!ea) continue; // appears once the render time reaches its first frame
      out.push({ ...eb, x: lerp(ea.x, eb.x, k), y: lerp(ea.y, eb.y, k), angle: lerpAngle(ea.angle, eb.angle, k) });
    }
    return out;
  }
}
