// The spectator's world, rebuilt from the SSE events of /api/rooms/{id}/events.
// The same rules as SpecState::apply in shared/src/spectate/state.rs: a keyframe
// replaces the state; a delta applies only on top of the frame named by its `base`;
// a frame whose tick the state already has is skipped; a `reset` (the stream could
// not resume after the browser's Last-Event-ID and restarts with a keyframe) drops
// the state. Every event but `reset` has its own increasing id (tick * 4 + slot:
// game 0, frame 1, end 2), so a resumed stream repeats nothing.

export class GapError extends Error {
  constructor(message) {
    super(message);
    this.name = 'GapError';
  }
}

const FIELDS = ['x', 'y', 'vx', 'vy', 'angle', 'hp', 'score', 'flags', 'owner'];
/** Steps per unit of the fields the JSON writes rounded (positions with two
 * decimals, velocities with one): reading snaps them back to their step, which
 * gives exactly the snapshot's value. */
const STEPS = { x: 16, y: 16, vx: 8, vy: 8 };
/** Angles come in radians with four decimals: snapped back to the snapshot's
 * 1/512 turn, as the Rust side computes it (in f32). */
const ANGLE_STEPS = 512;
const TAU32 = Math.fround(2 * Math.PI);

/** `v` of field `f` as the snapshot had it. */
function exact(f, v) {
  if (f === 'angle') {
    const step = ((Math.round((v * ANGLE_STEPS) / (2 * Math.PI)) % ANGLE_STEPS) + ANGLE_STEPS) % ANGLE_STEPS;
    return Math.fround(step * TAU32) / ANGLE_STEPS;
  }
  const steps = STEPS[f];
  return steps ? Math.round(v * steps) / steps : v;
}

/** An entity with the fields the JSON leaves out when 0 filled in. */
function full(e) {
  const out = { ...e };
  for (const f of FIELDS) out[f] = f in out ? exact(f, out[f]) : 0;
  return out;
}

export class SpecState {
  constructor() {
    this.tick = null;
    this.tickRate = null;
    this.map = null;
    this.entities = new Map();
    /** The newest keyframe's `players`: `{player, name}` of who is in the room. */
    this.players = [];
    this.ended = false;
  }

  /** Apply one event (`name` from `event:`, `data` the parsed JSON). Returns
   * 'frame', 'stale', 'game', 'end' or 'reset'; throws GapError when a delta does
   * not fit. */
  apply(name, data) {
    switch (name) {
      case 'game':
        return 'game';
      case 'reset':
        this.tick = null;
        this.entities = new Map();
        this.ended = false;
        return 'reset';
      case 'end':
        this.ended = true;
        return 'end';
      case 'keyframe':
        if (this.tick !== null && this.tick >= data.tick) return 'stale';
        this.tick = data.tick;
        this.tickRate = data.tick_rate;
        this.map = data.map; // the map's name: GET /api/maps/{name} has its geometry
        this.entities = new Map(data.entities.map((e) => [e.id, full(e)]));
        this.players = Array.isArray(data.players) ? data.players : [];
        return 'frame';
      case 'delta':
        return this.applyDelta(data);
      default:
        throw new GapError(`unknown event ${name}`);
    }
  }

  applyDelta(d) {
    if (this.tick === null) throw new GapError(`delta for tick ${d.tick} before any keyframe`);
    if (this.tick >= d.tick) return 'stale';
    if (this.tick !== d.base) throw new GapError(`delta against tick ${d.base} but the state is at tick ${this.tick}`);
    // `moved` is one flat array of [id, x, y] triples.
    const flat = d.moved ?? [];
    if (!Array.isArray(flat) || flat.length % 3 !== 0) throw new GapError('moved is not a list of triples');
    const moved = [];
    for (let i = 0; i < flat.length; i += 3) moved.push([flat[i], exact('x', flat[i + 1]), exact('y', flat[i + 2])]);
    const created = d.created ?? [];
    const changed = d.changed ?? [];
    const gone = d.removed ?? [];
    const removed = new Set(gone);
    for (const id of gone) {
      if (!this.entities.has(id)) throw new GapError(`delta removes unknown entity ${id}`);
    }
    for (const e of created) {
      if (this.entities.has(e.id) && !removed.has(e.id)) throw new GapError(`delta creates existing entity ${e.id}`);
    }
    for (const c of changed) {
      if (!this.entities.has(c.id) || removed.has(c.id)) throw new GapError(`delta changes unknown entity ${c.id}`);
    }
    for (const [id] of moved) {
      if (!this.entities.has(id) || removed.has(id)) throw new GapError(`delta moves unknown entity ${id}`);
    }
    for (const id of gone) this.entities.delete(id);
    for (const e of created) this.entities.set(e.id, full(e));
    for (const [id, x, y] of moved) {
      const e = this.entities.get(id);
      e.x = x;
      e.y = y;
    }
    for (const c of changed) {
      const e = this.entities.get(c.id);
      for (const f of FIELDS) if (f in c) e[f] = exact(f, c[f]);
    }
    this.tick = d.tick;
    return 'frame';
  }

  /** Entities as an array of copies, sorted by id. */
  snapshot() {
    return [...this.entities.values()].sort((a, b) => a.id - b.id).map((e) => ({ ...e }));
  }
}

/** The id of the event `name` of `tick` (as the server numbers them). */
export function eventId(name, tick) {
  const slot = name === 'game' ? 0 : name === 'end' ? 2 : 1;
  return tick * 4 + slot;
}
