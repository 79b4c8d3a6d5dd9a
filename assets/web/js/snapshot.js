// Snapshot delta bodies (ServerMsg::Snapshot.body): a port of the decoder of
// shared/src/codec/{delta,fields}.rs, whose module docs specify the format. Decoded
// snapshots have the serde_json shape of the Rust `Snapshot`:
//   {tick, entities: [{id, kind: 'player'|'drone'|'projectile', x, y, vx, vy,
//                      angle, hp, score, flags, owner}]}   (quantized integers)
// Golden vectors written by the Rust codec keep the two in step
// (tests/browser/golden/deltas.json).

import { ANGLE_STEPS, POS_SCALE, VEL_SCALE } from './sim_constants.js';
import { DeltaError, KINDS, RangeDecoder, SIntModel, UIntModel, VecModel, probs, tree } from './rangecoder.js';

export { DeltaError };

/** Most entities a decoded snapshot may hold (DEFAULT_MAX_ENTITIES in Rust). */
export const MAX_ENTITIES = 65536;

const KIND_NAMES = ['player', 'drone', 'projectile'];
const POS = 1;
const VEL = 2;
const ANGLE = 4;
const HP = 8;
const SCORE = 16;
const FLAGS = 32;
const OWNER = 64;
const MASK_BITS = 7;
const UNCHANGED = 0;
const CHANGED = 1;
const REMOVED = 2;

function kindIndex(kind) {
  const i = KIND_NAMES.indexOf(kind);
  if (i < 0) throw new DeltaError('malformed', 'entity kind');
  return i;
}

/** Entities coded against a reference: a changed-field mask, then the fields. */
class FieldModels {
  constructor() {
    this.mask = Array.from({ length: KINDS }, () => probs(1 << MASK_BITS));
    this.pos = new VecModel();
    this.vel = new VecModel();
    this.angle = new SIntModel();
    this.hp = new SIntModel();
    this.score = new SIntModel();
    this.flags = new UIntModel();
    this.owner = new SIntModel();
  }

  decode(d, r, requireChange) {
    const kind = kindIndex(r.kind);
    const mask = tree(d, this.mask[kind], MASK_BITS);
    if (requireChange && mask === 0) throw new DeltaError('malformed', 'changed entity without changed fields');
    const out = { ...r };
    if (mask & POS) {
      const [dx, dy] = this.pos.decode(d, kind);
      out.x = (r.x + dx) | 0;
      out.y = (r.y + dy) | 0;
    }
    if (mask & VEL) {
      const [dx, dy] = this.vel.decode(d, kind);
      out.vx = (r.vx + dx) | 0;
      out.vy = (r.vy + dy) | 0;
    }
    if (mask & ANGLE) {
      const a = (r.angle + this.angle.decode(d)) | 0;
      out.angle = ((a % ANGLE_STEPS) + ANGLE_STEPS) % ANGLE_STEPS;
    }
    if (mask & HP) out.hp = (r.hp + this.hp.decode(d)) & 0xff;
    if (mask & SCORE) out.score = (r.score + this.score.decode(d)) & 0xffff;
    if (mask & FLAGS) out.flags = r.flags ^ (this.flags.decode(d) & 0xff);
    if (mask & OWNER) out.owner = (r.owner + this.owner.decode(d)) >>> 0;
    return out;
  }
}

function zeroEntity(id, kind) {
  return { id, kind, x: 0, y: 0, vx: 0, vy: 0, angle: 0, hp: 0, score: 0, flags: 0, owner: 0 };
}

/**
 * Rebuild the snapshot a body encodes, against `baseline` (a decoded snapshot, or
 * null). Throws DeltaError: truncated, malformed, missing_baseline,
 * baseline_mismatch, too_many_entities.
 */
export function applyDelta(baseline, bytes, maxEntities = MAX_ENTITIES) {
  const d = new RangeDecoder(bytes);
  const gapModel = new UIntModel();
  const status = [probs(2), probs(2), probs(2)];
  const more = probs(1);
  const idModel = new SIntModel();
  const kindProbs = probs(4);
  const changed = new FieldModels();
  const createdModels = new FieldModels();

  const tick = d.direct(32);
  const hasBaseline = d.direct(1) === 1;
  let base = [];
  if (hasBaseline) {
    if (!baseline) throw new DeltaError('missing_baseline', 'delta needs a baseline but none was given');
    const gap = gapModel.decode(d);
    const bodyBase = (tick - gap) >>> 0;
    if (bodyBase !== baseline.tick) {
      throw new DeltaError('baseline_mismatch', `delta is against baseline tick ${bodyBase} but the given baseline is ${baseline.tick}`);
    }
    base = baseline.entities;
  }
  if (base.length > maxEntities) throw new DeltaError('too_many_entities', `delta has more than ${maxEntities} entities`);

  const kept = [];
  let prev = UNCHANGED;
  for (const e of base) {
    const p = status[prev];
    let s = UNCHANGED;
    if (d.bit(p, 0) === 1) s = d.bit(p, 1) === 1 ? REMOVED : CHANGED;
    if (s === UNCHANGED) kept.push(e);
    else if (s === CHANGED) kept.push(changed.decode(d, e, true));
    prev = s;
  }

  const created = [];
  const refs = new Array(KINDS).fill(null);
  let prevId = base.length ? base[base.length - 1].id : 0xffffffff;
  while (d.bit(more, 0) === 1) {
    if (kept.length + created.length >= maxEntities) {
      throw new DeltaError('too_many_entities', `delta has more than ${maxEntities} entities`);
    }
    const start = (prevId + 1) >>> 0;
    const id = (start + idModel.decode(d)) >>> 0;
    if (created.length && id <= prevId) throw new DeltaError('malformed', 'created ids must increase');
    const k = tree(d, kindProbs, 2);
    if (k >= KINDS) throw new DeltaError('malformed', 'unknown entity kind');
    const kind = KIND_NAMES[k];
    const reference = { ...(refs[k] ?? zeroEntity(0, kind)), id, kind };
    const e = createdModels.decode(d, reference, false);
    refs[k] = e;
    created.push(e);
    prevId = id;
  }
  d.finish();

  // Merge the two id-sorted lists; an id in both is malformed.
  const entities = [];
  let i = 0;
  let j = 0;
  while (i < kept.length || j < created.length) {
    const a = kept[i];
    const b = created[j];
    if (a && b && a.id === b.id) throw new DeltaError('malformed', 'created id collides with a kept entity');
    if (b && (!a || b.id < a.id)) {
      entities.push(b);
      j++;
    } else {
      entities.push(a);
      i++;
    }
  }
  return { tick, entities };
}

/** Recently applied snapshots by tick (the baselines deltas may refer to). */
export class BaselineRing {
  constructor(capacity) {
    this.capacity = Math.max(1, capacity);
    this.snapshots = [];
  }

  get(tick) {
    return this.snapshots.find((s) => s.tick === tick) ?? null;
  }

  newest() {
    return this.snapshots[this.snapshots.length - 1] ?? null;
  }

  /** Keep `snapshot` unless it is not newer than the newest; returns whether kept. */
  push(snapshot) {
    const newest = this.newest();
    if (newest && newest.tick >= snapshot.tick) return false;
    if (this.snapshots.length >= this.capacity) this.snapshots.shift();
    this.snapshots.push(snapshot);
    return true;
  }

  clear() {
    this.snapshots = [];
  }
}

/** A snapshot entity in world units: the same view as SpecEntity::of in Rust. */
export function entityView(e) {
  return {
    id: e.id,
    kind: e.kind,
    x: e.x / POS_SCALE,
    y: e.y / POS_SCALE,
    vx: e.vx / VEL_SCALE,
    vy: e.vy / VEL_SCALE,
    angle: (e.angle * 2 * Math.PI) / ANGLE_STEPS,
    hp: e.hp,
    score: e.score,
    flags: e.flags,
    owner: e.owner,
  };
}
