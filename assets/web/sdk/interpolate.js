// Rows between two snapshots, by the schema's hints (shared/src/schema/field.rs
// Motion): a field marked `interpolate` blends between its two values (an angle
// the short way round, an unsigned 32-bit value as unsigned, a float32 as the
// float); every other field snaps.
//
// The result is the world at the render time between `from` and `to`: until the
// render time reaches `to` (t < 1), snapping fields keep `from`'s values, entities
// removed in `to` are still there and entities created in `to` are not yet.
// Interpolated values are in row units and may be fractional (codecs.js
// displayValue reads them as it reads whole ones).

import { CODECS } from './codecs.js';

/**
 * @typedef {import('./decode.js').Row} Row
 * @typedef {import('./decode.js').RowSnapshot} RowSnapshot
 */

/** The fields of each kind that blend, with their codec's `lerp`. */
const blending = new WeakMap();

function blendPlan(schema) {
  let plan = blending.get(schema);
  if (!plan) {
    plan = schema.kinds.map((kind) =>
      kind.fields
        .filter((f) => f.hints.motion === 'interpolate' && CODECS[f.codec.type].lerp)
        .map((f) => ({ field: f, lerp: CODECS[f.codec.type].lerp })),
    );
    blending.set(schema, plan);
  }
  return plan;
}

/**
 * One entity between its two states (same id and kind); `t` in 0..=1.
 * @param {import('./schema.js').Schema} schema
 * @param {Row} a
 * @param {Row} b
 * @param {number} t
 * @returns {Row}
 */
export function interpolateRow(schema, a, b, t) {
  const fields = blendPlan(schema)[a.kind];
  if (!fields || a.kind !== b.kind) return t < 1 ? a : b;
  const values = t < 1 ? a.values.slice() : b.values.slice();
  for (const { field, lerp } of fields) {
    for (let i = field.value; i < field.value + field.width; i++) values[i] = lerp(field.codec, a.values[i], b.values[i], t);
  }
  return { id: a.id, kind: a.kind, values };
}

/**
 * The snapshot at fraction `t` (clamped to 0..=1) of the way from `from` to `to`.
 * @param {import('./schema.js').Schema} schema
 * @param {RowSnapshot} from
 * @param {RowSnapshot} to
 * @param {number} t
 * @returns {RowSnapshot}
 */
export function interpolateRows(schema, from, to, t) {
  const k = Math.min(1, Math.max(0, Number.isFinite(t) ? t : 1));
  if (k >= 1) return to;
  const next = new Map(to.rows.map((r) => [r.id, r]));
  const rows = from.rows.map((a) => {
    const b = next.get(a.id);
    return b && b.kind === a.kind ? interpolateRow(schema, a, b, k) : a;
  });
  const gap = (to.tick - from.tick) >>> 0;
  return { tick: from.tick + gap * k, rows };
}

/**
 * The latest snapshots of one stream, sampled at a render tick (fractional) for
 * smooth drawing. Snapshots are expected in increasing tick order; an older or
 * repeated one is ignored.
 */
export class SnapshotBuffer {
  /**
   * @param {import('./schema.js').Schema} schema
   * @param {{capacity?: number}} [options] how many snapshots to keep
   */
  constructor(schema, { capacity = 64 } = {}) {
    this.schema = schema;
    this.capacity = capacity;
    /** @type {RowSnapshot[]} */
    this.snapshots = [];
  }

  /** @param {RowSnapshot} snapshot */
  push(snapshot) {
    const last = this.snapshots[this.snapshots.length - 1];
    if (last && snapshot.tick <= last.tick) return;
    this.snapshots.push(snapshot);
    if (this.snapshots.length > this.capacity) this.snapshots.shift();
  }

  /** The newest snapshot, if any. */
  latest() {
    return this.snapshots[this.snapshots.length - 1] ?? null;
  }

  /**
   * The world at `tick`: the two snapshots around it blended, or the oldest or
   * newest one when `tick` is outside the buffer (no extrapolation).
   * @param {number} tick
   * @returns {RowSnapshot | null}
   */
  sample(tick) {
    const s = this.snapshots;
    if (!s.length) return null;
    if (tick <= s[0].tick) return s[0];
    for (let i = 1; i < s.length; i++) {
      if (tick < s[i].tick) {
        const a = s[i - 1];
        return interpolateRows(this.schema, a, s[i], (tick - a.tick) / (s[i].tick - a.tick));
      }
    }
    return s[s.length - 1];
  }
}
