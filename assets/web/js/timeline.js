// The input timeline, as the native client has it (client-demo/src/input_clock.rs
// and server_clock.rs): inputs are due on a fixed-rate schedule on a monotonic
// clock (performance.now()), each one period after the previous was due, so timer
// lateness never turns into drift; each snapshot's input_lead (inputs still buffered
// after its tick, -1 when the tick found none) speeds the schedule up or down by at
// most 5 % to hold a lead of half a tick plus a quarter of its measured jitter. ServerClock maps
// server ticks to local arrival times, which gives the input delay.

export const MAX_ADJUST = 0.05;
export const MIN_TARGET_LEAD = 0.5;
export const JITTER_MARGIN = 0.25;
export const MAX_TARGET_LEAD = 8;
export const MAX_CATCH_UP = 4;
const GAIN = 0.01;
const INTEGRAL_GAIN = 0.0005;
const LEAD_ALPHA = 0.2;
const JITTER_ALPHA = 0.05;
const OFFSET_ALPHA = 0.05;
const MAX_SAMPLES = 4096;

const clamp = (v, lo, hi) => Math.min(hi, Math.max(lo, v));

export class InputClock {
  constructor(tickRate, now) {
    this.nominal = 1000 / Math.max(1, tickRate);
    this.next = now;
    this.rate = 1;
    this.integral = 0;
    this.lead = null;
    this.jitter = 0;
    this.skipped = 0;
  }

  period() {
    return this.nominal / this.rate;
  }

  /** Inputs to send at `now` (at most MAX_CATCH_UP); moves the schedule on. */
  due(now) {
    let n = 0;
    const period = this.period();
    while (this.next <= now && n < MAX_CATCH_UP) {
      n += 1;
      this.next += period;
    }
    if (this.next <= now) {
      this.skipped += Math.floor((now - this.next) / period) + 1;
      this.next = now + period;
    }
    return n;
  }

  targetLead() {
    return Math.min(MAX_TARGET_LEAD, MIN_TARGET_LEAD + JITTER_MARGIN * this.jitter);
  }

  observeLead(lead) {
    const sample = clamp(lead, -1, 1000);
    if (this.lead === null) {
      this.lead = sample;
    } else {
      this.jitter += JITTER_ALPHA * (Math.abs(sample - this.lead) - this.jitter);
      this.lead += LEAD_ALPHA * (sample - this.lead);
    }
    const error = this.lead - this.targetLead();
    this.integral = clamp(this.integral + error * INTEGRAL_GAIN, -MAX_ADJUST, MAX_ADJUST);
    this.rate = 1 - clamp(error * GAIN + this.integral, -MAX_ADJUST, MAX_ADJUST);
  }
}

export class ServerClock {
  constructor(tickRate) {
    this.dt = 1000 / Math.max(1, tickRate);
    this.offset = null;
  }

  /** The snapshot of `tick` arrived at `now` (ms). */
  observe(tick, now) {
    const sample = now - tick * this.dt;
    if (this.offset === null || Math.abs(sample - this.offset) > 1000) this.offset = sample;
    else this.offset += OFFSET_ALPHA * (sample - this.offset);
  }

  /** When the snapshot of `tick` is expected here (ms), or null. */
  arrivalOf(tick) {
    return this.offset === null ? null : this.offset + tick * this.dt;
  }
}

/** How the game feels: input delay samples (ticks), corrections, in bounded rings. */
export class NetStats {
  constructor() {
    this.delays = [];
    this.corrections = [];
    this.reconciliations = 0;
  }

  delay(ticks) {
    this.delays.push(ticks);
    if (this.delays.length > MAX_SAMPLES) this.delays.shift();
  }

  /** One reconciliation's prediction error (units); above 0.5 it is a correction. */
  predictionError(units, now) {
    this.reconciliations += 1;
    if (units > 0.5) {
      this.corrections.push(now);
      if (this.corrections.length > MAX_SAMPLES) this.corrections.shift();
    }
  }

  /** Corrections in the last second before `now`. */
  correctionsPerSec(now) {
    return this.corrections.filter((t) => t > now - 1000).length;
  }

  /** Nearest-rank percentile of the input delays (q in 0..1), or null. */
  delayPercentile(q) {
    if (!this.delays.length) return null;
    const sorted = [...this.delays].sort((a, b) => a - b);
    const rank = clamp(Math.ceil(q * sorted.length), 1, sorted.length);
    return sorted[rank - 1];
  }
}
