// Interpolation of remote entities: frames are shown a fixed delay behind the
// newest one (two send intervals), blending the two frames around the render time,
// so entities move smoothly between snapshots that arrive at 10-20 Hz.
//
// Time is kept in ticks: a frame of tick T that arrives at local time t says the
// server was at T then; a smoothed offset between the local clock and server ticks
// gives the server tick "now", and the render tick is that minus the delay.

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
  /** `tickRate` ticks per second; `delayTicks` how far behind the server to show. */
  constructor(tickRate, delayTicks) {
    this.tickRate = tickRate;
    this.delayTicks = delayTicks;
    this.frames = [];
    this.offset = null;
  }

  reset() {
    this.frames = [];
    this.offset = null;
  }

  nowTicks(nowMs) {
    return (nowMs * this.tickRate) / 1000;
  }

  /** Add the frame of `tick`: an array of entity views ({id, x, y, angle, ...}). */
  push(tick, entities, nowMs) {
    const last = this.frames[this.frames.length - 1];
    if (last && tick <= last.tick) return;
    const sample = tick - this.nowTicks(nowMs);
    if (this.offset === null || Math.abs(sample - this.offset) > 2 * this.tickRate) {
      this.offset = sample;
    } else {
      // Follow late frames slowly and early frames at once (an early frame proves
      // the server is at least that far).
      this.offset = sample > this.offset ? sample : this.offset + (sample - this.offset) * 0.05;
    }
    this.frames.push({ tick, byId: new Map(entities.map((e) => [e.id, e])) });
    if (this.frames.length > MAX_FRAMES) this.frames.shift();
  }

  /** The tick being shown at `nowMs`. */
  renderTick(nowMs) {
    if (this.offset === null) return null;
    return this.nowTicks(nowMs) + this.offset - this.delayTicks;
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
