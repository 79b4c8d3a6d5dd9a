// The schema-driven snapshot delta decoder: a port of shared/src/codec/plan.rs
// (which fields share a model), delta.rs (the body) and fields.rs (masks and
// fields), decoding exactly what shared/src/codec/rows.rs `apply_rows` decodes.
//
// Rows are {id, kind, values}: `id` a u32, `kind` the kind's wire index, `values`
// an array of the kind's `values` i32 numbers in its layout (see schema.js). A
// snapshot is {tick, rows}, rows sorted by id. Decoding a hostile body throws only
// DecodeError; it allocates in proportion to the baseline and to the entities
// actually decoded, and yields at most `maxEntities` rows.

import { CODECS, mono, normalizeInt, treeBits, unmono } from './codecs.js';
import {
  DecodeError, MAX_KINDS, RangeDecoder, SINT_PROBS, UINT_PROBS, VEC_PROBS,
  decodeSInt, decodeStep, decodeUInt, malformed, probs, tree,
} from './rangecoder.js';

export { DecodeError } from './rangecoder.js';

/** Default for the `maxEntities` option (DEFAULT_MAX_ENTITIES in Rust). */
export const DEFAULT_MAX_ENTITIES = 65536;

const UNCHANGED = 0;
const CHANGED = 1;
const REMOVED = 2;

/**
 * @typedef {{id: number, kind: number, values: number[]}} Row
 * @typedef {{tick: number, rows: Row[]}} RowSnapshot
 */

const PROBS = { signed: SINT_PROBS, unsigned: UINT_PROBS, steps: VEC_PROBS, trees: 256 };

/**
 * The schema compiled for the decoder (plan.rs RowCodec::new): per kind, each
 * field's rule, value index and model; and where every model of a body keeps its
 * probabilities in the body's flat array (the body's models, then the changed
 * entities' field models, then the created entities').
 */
function compile(schema) {
  const shared = new Map();
  const counts = { signed: 0, unsigned: 0, steps: 0, trees: 0 };
  let masks = 0;
  const kinds = schema.kinds.slice(0, MAX_KINDS).map((kind) => {
    const fields = kind.fields.map((field) => {
      const rule = CODECS[field.codec.type].rule(field.codec);
      // Fields of any kind with the same name and codec share one model.
      const key = `${field.name}\u0000${JSON.stringify(field.codec)}`;
      let model = shared.get(key);
      if (model === undefined) {
        model = counts[rule.family]++;
        shared.set(key, model);
      }
      return { rule, value: field.value, model };
    });
    const plan = { fields, values: kind.values, mask: masks };
    masks += Math.ceil(kind.fields.length / 8);
    return plan;
  });
  let next = 0;
  const take = (n) => (next += n) - n;
  const fieldModels = () => {
    const at = { masks: take(256 * masks) };
    for (const family of Object.keys(counts)) at[family] = take(PROBS[family] * counts[family]);
    return at;
  };
  const body = { gap: take(UINT_PROBS), status: take(6), more: take(1), id: take(SINT_PROBS), kind: take(MAX_KINDS) };
  body.changed = fieldModels();
  body.created = fieldModels();
  const template = probs(next);
  return { kinds, kindBits: treeBits(kinds.length), steps: counts.steps, body, template, scratch: template.slice() };
}

const plans = new WeakMap();

/** The compiled plan of `schema`, built once per schema object. */
function planOf(schema) {
  let plan = plans.get(schema);
  if (!plan) {
    plan = compile(schema);
    plans.set(schema, plan);
  }
  return plan;
}

/**
 * One body's adaptive state: the probabilities (reset from the template into the
 * plan's scratch array: decoding is synchronous, so one body at a time uses it)
 * and the step models' memory.
 */
function bodyModels(plan) {
  const steps = () => Array.from({ length: plan.steps }, () => new Array(MAX_KINDS).fill(0));
  plan.scratch.set(plan.template);
  return { P: plan.scratch, changedSteps: steps(), createdSteps: steps() };
}

/** The changed-field mask of a kind: bit trees of up to 8 fields each. */
function readMask(d, P, at, kind) {
  const fields = kind.fields.length;
  let mask = 0;
  for (let done = 0; done < fields; done += 8) {
    const bits = Math.min(fields - done, 8);
    mask |= tree(d, P, at.masks + 256 * (kind.mask + done / 8), 256, bits) << done;
  }
  return mask;
}

/**
 * Decode an entity of kind `kindIndex` against reference values `ref` (fields.rs
 * FieldModels::code) with the field models at `at` (and step memories `steps`);
 * returns the new values.
 */
function decodeEntity(d, plan, P, at, steps, kindIndex, ref, requireChange) {
  const kind = plan.kinds[kindIndex];
  if (!kind) throw malformed('unknown entity kind');
  const out = new Array(kind.values);
  for (let i = 0; i < kind.values; i++) out[i] = ref[i] | 0;
  const mask = readMask(d, P, at, kind);
  if (requireChange && mask === 0) throw malformed('changed entity without changed fields');
  for (let i = 0; i < kind.fields.length; i++) {
    if (((mask >>> i) & 1) === 0) continue;
    const { rule, value: v, model } = kind.fields[i];
    const r = out[v];
    switch (rule.op) {
      case 'int':
        out[v] = normalizeInt((r + decodeSInt(d, P, at.signed + SINT_PROBS * model)) | 0, rule.bits, rule.signed);
        break;
      case 'angle': {
        const x = (r + decodeSInt(d, P, at.signed + SINT_PROBS * model)) | 0;
        out[v] = ((x % rule.steps) + rule.steps) % rule.steps;
        break;
      }
      case 'flags':
        out[v] = r ^ (decodeUInt(d, P, at.unsigned + UINT_PROBS * model) & rule.mask);
        break;
      case 'enum': {
        const x = tree(d, P, at.trees + 256 * model, 256, rule.bits);
        if (x >= rule.variants) throw malformed('enum value out of range');
        out[v] = x;
        break;
      }
      case 'float': {
        const image = mono(r >>> 0);
        out[v] = unmono((image + decodeSInt(d, P, at.signed + SINT_PROBS * model)) >>> 0) | 0;
        break;
      }
      default: {
        // vec2
        const [dx, dy] = decodeStep(d, P, at.steps + VEC_PROBS * model, steps[model], kindIndex);
        out[v] = (r + dx) | 0;
        out[v + 1] = (out[v + 1] + dy) | 0;
      }
    }
  }
  return out;
}

/** Merge two id-sorted lists; an id in both is malformed. */
function merge(kept, created) {
  const out = [];
  let a = 0;
  let b = 0;
  while (a < kept.length || b < created.length) {
    const x = kept[a];
    const y = created[b];
    if (x && y && x.id === y.id) throw malformed('created id collides with a kept entity');
    if (y && (!x || y.id < x.id)) out.push(created[b++]);
    else out.push(kept[a++]);
  }
  return out;
}

function checkBaseline(baseline) {
  if (baseline === null || baseline === undefined) return null;
  if (typeof baseline !== 'object' || !Array.isArray(baseline.rows) || !Number.isInteger(baseline.tick)) {
    throw new TypeError('a baseline is {tick, rows}');
  }
  return baseline;
}

/**
 * Decode a delta body (a keyframe is a delta against no baseline) by `schema`.
 * @param {import('./schema.js').Schema} schema a schema from parseSchema
 * @param {RowSnapshot | null} baseline what the body was encoded against, if any
 * @param {Uint8Array} bytes the body
 * @param {{maxEntities?: number}} [options]
 * @returns {RowSnapshot}
 * @throws {DecodeError}
 */
export function decodeRows(schema, baseline, bytes, { maxEntities = DEFAULT_MAX_ENTITIES } = {}) {
  const plan = planOf(schema);
  const given = checkBaseline(baseline);
  const d = new RangeDecoder(bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes));
  const { P, changedSteps, createdSteps } = bodyModels(plan);
  const at = plan.body;

  const tick = d.direct(32);
  let base = [];
  if (d.direct(1) === 1) {
    if (!given) throw new DecodeError('missing_baseline', 'delta needs a baseline but none was given');
    const gap = decodeUInt(d, P, at.gap);
    const bodyTick = (tick - gap) >>> 0;
    if (bodyTick !== given.tick >>> 0) {
      throw new DecodeError('baseline_mismatch', `delta is against baseline tick ${bodyTick} but the given baseline is ${given.tick}`, {
        bodyTick,
        givenTick: given.tick,
      });
    }
    base = given.rows;
  }
  const tooMany = () => new DecodeError('too_many_entities', `delta has more than ${maxEntities} entities`, { limit: maxEntities });
  if (base.length > maxEntities) throw tooMany();

  const kept = [];
  let prev = UNCHANGED;
  for (const e of base) {
    const p = at.status + 2 * prev;
    let s = UNCHANGED;
    if (d.bit(P, p) === 1) s = d.bit(P, p + 1) === 1 ? REMOVED : CHANGED;
    if (s === UNCHANGED) kept.push(e);
    else if (s === CHANGED) {
      const values = decodeEntity(d, plan, P, at.changed, changedSteps, e.kind, e.values, true);
      kept.push({ id: e.id, kind: e.kind, values });
    }
    prev = s;
  }

  const created = [];
  const refs = new Array(MAX_KINDS).fill(null);
  let prevId = base.length ? base[base.length - 1].id >>> 0 : 0xffffffff;
  while (d.bit(P, at.more) === 1) {
    if (kept.length + created.length >= maxEntities) throw tooMany();
    const start = (prevId + 1) >>> 0;
    const id = (start + decodeSInt(d, P, at.id)) >>> 0;
    if (created.length && id <= prevId) throw malformed('created ids must increase');
    const kind = tree(d, P, at.kind, MAX_KINDS, plan.kindBits);
    if (kind >= plan.kinds.length) throw malformed('unknown entity kind');
    const reference = refs[kind] ?? new Array(plan.kinds[kind].values).fill(0);
    const values = decodeEntity(d, plan, P, at.created, createdSteps, kind, reference, false);
    refs[kind] = values;
    created.push({ id, kind, values });
    prevId = id;
  }
  d.finish();
  return { tick, rows: merge(kept, created) };
}

/**
 * A decoder for one schema that keeps the snapshots it decoded by tick, so a
 * body names its baseline by tick (as the server's snapshots do).
 */
export class RowDecoder {
  /**
   * @param {import('./schema.js').Schema} schema
   * @param {{maxEntities?: number, keep?: number}} [options] `keep`: snapshots kept
   */
  constructor(schema, { maxEntities = DEFAULT_MAX_ENTITIES, keep = 32 } = {}) {
    this.schema = schema;
    this.maxEntities = maxEntities;
    this.keep = keep;
    /** @type {Map<number, RowSnapshot>} */
    this.byTick = new Map();
  }

  /**
   * Decode `bytes` against the kept snapshot of `baselineTick` (null: a keyframe)
   * and keep the result.
   * @param {number | null} baselineTick
   * @param {Uint8Array} bytes
   */
  decode(baselineTick, bytes) {
    const baseline = baselineTick === null ? null : this.byTick.get(baselineTick) ?? null;
    const snapshot = decodeRows(this.schema, baseline, bytes, { maxEntities: this.maxEntities });
    this.byTick.set(snapshot.tick, snapshot);
    while (this.byTick.size > this.keep) this.byTick.delete(this.byTick.keys().next().value);
    return snapshot;
  }
}
