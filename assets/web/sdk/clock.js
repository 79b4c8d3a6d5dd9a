// When to draw a snapshot stream: a jitter buffer on the server's ticks.
//
// Snapshots leave the server on a fixed schedule (every `sendInterval` ticks) and
// arrive late by a varying amount: the path's latency plus its jitter, and a lost
// snapshot leaves a gap until the next one. Drawing the world a fixed delay behind the
// newest arrival either stalls (the next snapshot is not there yet: the renderer has
// to extrapolate) whenever the jitter is larger than the delay, or wastes latency when
// it is smaller. RenderClock measures the jitter instead:
//
// - every arrival of tick T at local time t is one sample of t - T·dt, how late that
//   snapshot was on a scale whose zero is unknown (the clocks are not synchronised);
// - over the newest WINDOW samples, the smallest is the earliest a snapshot arrives
//   (the path's latency) and the `quantile`-th the latest it usually arrives: their
//   difference is the spread (capped at `maxSpreadMs`);
// - the render tick is the earliest arrival's tick minus a delay of `minDelayTicks`
//   (two send intervals: the frame after the one shown, and one more in case a
//   snapshot is lost) plus the spread, so a snapshot that arrives as late as most do
//   is there before it is needed, even after a loss;
// - the delay in use follows that target smoothly: the render clock runs at most
//   `slewUp` slower (delay growing) or `slewDown` faster (shrinking) than real time,
//   so the world never jumps; far off (a stall, a resume) it restarts.
//
// On a quiet path (0 ms jitter) the spread is the event loop's few milliseconds and
// the delay is the two send intervals a fixed delay would give.
//
// Time is in milliseconds (performance.now()) and ticks; nothing here reads a clock.

/** Arrival samples kept (about 3 s of snapshots at 20 Hz). */
export const WINDOW = 64;
/** Which arrival the spread covers (0.95: all but the latest 5 %). */
export const QUANTILE = 0.95;
/** Largest spread added to the delay, ms: past it, a link is too bad to hide. */
export const MAX_SPREAD_MS = 250;
/** Largest slow-down of the render clock while the delay grows (10 %). */
export const SLEW_UP = 0.1;
/** Largest speed-up of the render clock while the delay shrinks (2.5 %). */
export const SLEW_DOWN = 0.025;
/** A sample this far (ms) from the window's earliest restarts the clock. */
export const RESET_MS = 2000;

export class RenderClock {
  /**
   * @param {number} tickRate server ticks per second
   * @param {number} minDelayTicks the delay on a path without jitter (ticks)
   * @param {{window?: number, quantile?: number, maxSpreadMs?: number, slewUp?: number, slewDown?: number}} [options]
   */
  constructor(tickRate, minDelayTicks, options = {}) {
    this.dt = 1000 / Math.max(1, tickRate);
    this.minDelayTicks = minDelayTicks;
    this.window = Math.max(2, options.window ?? WINDOW);
    this.quantile = Math.min(1, Math.max(0, options.quantile ?? QUANTILE));
    this.maxSpreadMs = options.maxSpreadMs ?? MAX_SPREAD_MS;
    this.slewUp = options.slewUp ?? SLEW_UP;
    this.slewDown = options.slewDown ?? SLEW_DOWN;
    this.reset();
  }

  /** Forget every sample (a new stream: a resume, a new room). */
  reset() {
    /** Arrival samples (ms), oldest first. */
    this.samples = [];
    /** Local time (ms) at which tick 0 is drawn, as in use; null before a sample. */
    this.playout = null;
    /** When `playout` was last moved towards its target. */
    this.movedAt = null;
  }

  /** The snapshot of `tick` arrived at `nowMs`. */
  observe(tick, nowMs) {
    const sample = nowMs - tick * this.dt;
    if (this.samples.length && Math.abs(sample - this.earliest()) > RESET_MS) this.reset();
    this.samples.push(sample);
    if (this.samples.length > this.window) this.samples.shift();
    if (this.playout === null) {
      this.playout = this.target();
      this.movedAt = nowMs;
    } else {
      this.follow(nowMs);
    }
  }

  earliest() {
    let min = Infinity;
    for (const s of this.samples) min = Math.min(min, s);
    return min;
  }

  /** How much later than the earliest a snapshot usually arrives (ms, capped). */
  spreadMs() {
    if (this.samples.length < 2) return 0;
    const sorted = [...this.samples].sort((a, b) => a - b);
    const at = Math.min(sorted.length - 1, Math.ceil(this.quantile * sorted.length) - 1);
    return Math.min(this.maxSpreadMs, sorted[Math.max(0, at)] - sorted[0]);
  }

  /** The delay aimed at now, in ticks behind the earliest arrivals. */
  targetDelayTicks() {
    return this.minDelayTicks + this.spreadMs() / this.dt;
  }

  /** The playout time of tick 0 aimed at (ms). */
  target() {
    return this.earliest() + this.targetDelayTicks() * this.dt;
  }

  /** Move the playout time towards its target, no faster than the slew allows. */
  follow(nowMs) {
    const elapsed = Math.max(0, nowMs - this.movedAt);
    this.movedAt = Math.max(this.movedAt, nowMs);
    const gap = this.target() - this.playout;
    const step = elapsed * (gap > 0 ? this.slewUp : this.slewDown);
    this.playout += Math.sign(gap) * Math.min(Math.abs(gap), step);
  }

  /** The delay in use, in ticks behind the earliest arrivals (null before a sample). */
  delayTicks() {
    return this.playout === null ? null : (this.playout - this.earliest()) / this.dt;
  }

  /** The (fractional) tick to draw at `nowMs`, or null before any snapshot. */
  renderTick(nowMs) {
    if (this.playout === null) return null;
    if (nowMs > this.movedAt) this.follow(nowMs);
    return (nowMs - this.playout) / this.dt;
  }
}
