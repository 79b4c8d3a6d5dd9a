// The arena's snapshots as its play view and its spectators use them: the bodies
// (ServerMsg::Snapshot.body, binary spectator frames) are decoded by the SDK's
// schema-driven decoder (sdk/decode.js) with the arena's schema (from the Welcome,
// or GET /api/games/arena), and its rows read as entity objects, the serde_json
// shape of the Rust `Snapshot`:
//   {tick, entities: [{id, kind: 'player'|'drone'|'projectile', x, y, vx, vy,
//                      angle, hp, score, flags, owner}]}   (quantized integers)
// Golden vectors written by the Rust codec keep the two in step
// (tests/browser/golden/deltas.json).

import { DecodeError, decodeRows } from '../sdk/index.js';
import { ANGLE_STEPS, POS_SCALE, VEL_SCALE } from './sim_constants.js';

export { DecodeError as DeltaError };

/** Most entities a decoded snapshot may hold (DEFAULT_MAX_ENTITIES in Rust). */
export const MAX_ENTITIES = 65536;

/** A row as an entity object: `kind` by name, each value by its name (references
 * unsigned). */
function entityOf(schema, row) {
  const kind = schema.kinds[row.kind];
  const out = { id: row.id, kind: kind.name };
  for (const field of kind.fields) {
    const names = field.parts.length ? field.parts : [field.name];
    names.forEach((name, i) => {
      const v = row.values[field.value + i];
      out[name] = field.codec.type === 'ref' ? v >>> 0 : v;
    });
  }
  return out;
}

/** An entity object as a row (the inverse of entityOf). */
function rowOf(schema, e) {
  const index = schema.kindIndex(e.kind);
  if (index < 0) throw new DecodeError('malformed', `entity kind ${e.kind}`);
  return { id: e.id, kind: index, values: schema.kinds[index].valueNames.map((n) => e[n] ?? 0) };
}

/**
 * Rebuild the snapshot a body encodes by the arena's `schema` (an SDK schema),
 * against `baseline` (a decoded snapshot, or null). Throws DeltaError (the SDK's
 * DecodeError): truncated, malformed, missing_baseline, baseline_mismatch,
 * too_many_entities.
 */
export function applyDelta(schema, baseline, bytes, maxEntities = MAX_ENTITIES) {
  const base = baseline && { tick: baseline.tick, rows: baseline.entities.map((e) => rowOf(schema, e)) };
  const snap = decodeRows(schema, base, bytes, { maxEntities });
  return { tick: snap.tick, entities: snap.rows.map((r) => entityOf(schema, r)) };
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
