// Any game on a canvas, from the schema's render roles alone (shared/src/schema/
// field.rs Role), so a new game is watchable with no JS of its own:
// - an entity with a `position` is a circle there (size: its `radius` field in
//   world units, else a few pixels), coloured by its `colour` field (a palette
//   index, or packed 0xRRGGBB above the palette), else its `team`, else its kind;
// - `heading` draws a tick from the centre (radians; an angle codec converts);
// - `health` a bar above it (full = the largest value seen for that kind, or the
//   `healthMax` option); `label` and `owner` a caption centred over it (the owner
//   by the `nameOf(player)` option, else `P<id>`; the `caption(kind, row)` option
//   may give another text, or null for none); `state` the names of its set flags
//   under it, and an entity whose state says `dead` is drawn faded;
// - entities with a `score` are listed in a scoreboard; entities without a
//   position (a match clock, say) as text lines in a corner.
// Values are written as `formatValue` writes them: by the `format` option's
// function for the field's name when there is one (it gets the value and
// `{tickRate}`, the `tickRate` option, so a clock in ticks can read m:ss), else
// numbers with at most two decimals. World space is y-up unless `yUp: false`; the
// view fits every position seen so far (or the `bounds` option) into the canvas.

import { displayValue } from './codecs.js';

const KIND_COLOURS = ['#60a5fa', '#f87171', '#fde047', '#4ade80', '#c084fc', '#fb923c', '#2dd4bf', '#f472b6'];
const TEAM_COLOURS = ['#ef4444', '#3b82f6', '#22c55e', '#eab308'];
const ROLES = ['position', 'heading', 'radius', 'colour', 'team', 'health', 'score', 'owner', 'label', 'state'];

/** Per kind: the first field of each role that it can draw (a position is a
 *  `vec2`, the other roles single values). */
function rolesOf(schema) {
  const fits = (role, field) => field && (field.width === 2) === (role === 'position');
  return schema.kinds.map((kind) =>
    Object.fromEntries(ROLES.map((r) => [r, kind.fields.find((f) => f.hints.role === r && fits(r, f))])),
  );
}

const text = (v) => (typeof v === 'number' ? String(Math.round(v * 100) / 100) : Array.isArray(v) ? v.join('|') : String(v));

/**
 * A field's value as the views write it: by `options.format[field.name]` when the
 * game gives one (called with the value and `{tickRate}`), else as plain text.
 * @param {{name: string}} field
 * @param {unknown} value a display value (see displayValue)
 * @param {{format?: Record<string, (v: unknown, ctx: {tickRate: number}) => string>,
 *   tickRate?: number}} [options]
 */
export function formatValue(field, value, options = {}) {
  const f = options.format?.[field.name];
  return typeof f === 'function' ? String(f(value, { tickRate: options.tickRate ?? 60 })) : text(value);
}

export class SchemaRenderer {
  /**
   * @param {HTMLCanvasElement} canvas
   * @param {import('./schema.js').Schema} schema
   * @param {{bounds?: {minX: number, minY: number, maxX: number, maxY: number},
   *   yUp?: boolean, palette?: string[], radiusPx?: number, healthMax?: number,
   *   background?: string, nameOf?: (player: number) => string | undefined,
   *   caption?: (kind: string, row: {id: number, kind: number, values: number[]}) => string | null | undefined,
   *   format?: Record<string, (v: unknown, ctx: {tickRate: number}) => string>,
   *   tickRate?: number}} [options]
   */
  constructor(canvas, schema, options = {}) {
    this.canvas = canvas;
    this.ctx = canvas.getContext('2d');
    this.schema = schema;
    this.roles = rolesOf(schema);
    this.options = { yUp: true, palette: KIND_COLOURS, radiusPx: 6, background: '#0b0f14', ...options };
    this.bounds = options.bounds ? { ...options.bounds } : null;
    this.healthSeen = schema.kinds.map(() => 0);
  }

  /** Grow the view to hold `points` (unless fixed bounds were given). */
  fit(points) {
    if (this.options.bounds) return;
    for (const [x, y] of points) {
      const b = (this.bounds ??= { minX: x, minY: y, maxX: x, maxY: y });
      b.minX = Math.min(b.minX, x);
      b.minY = Math.min(b.minY, y);
      b.maxX = Math.max(b.maxX, x);
      b.maxY = Math.max(b.maxY, y);
    }
  }

  /** The world-to-canvas transform of the current bounds. */
  transform() {
    const { width, height } = this.canvas;
    const b = this.bounds ?? { minX: -1, minY: -1, maxX: 1, maxY: 1 };
    const w = Math.max(b.maxX - b.minX, 1e-6);
    const h = Math.max(b.maxY - b.minY, 1e-6);
    const scale = Math.min(width / w, height / h) * 0.9;
    const ox = width / 2 - ((b.minX + b.maxX) / 2) * scale;
    const cy = (b.minY + b.maxY) / 2;
    const yUp = this.options.yUp;
    return { scale, toScreen: (x, y) => [ox + x * scale, height / 2 + (yUp ? cy - y : y - cy) * scale], yUp };
  }

  /** The fill colour of an entity. */
  colour(row, roles) {
    if (roles.colour) {
      const v = displayValue(roles.colour, row.values);
      const palette = this.options.palette;
      return v < palette.length ? palette[v] : `#${(v & 0xffffff).toString(16).padStart(6, '0')}`;
    }
    if (roles.team) return TEAM_COLOURS[Number(row.values[roles.team.value]) % TEAM_COLOURS.length];
    return this.options.palette[row.kind % this.options.palette.length];
  }

  /** Who owns an entity, as a caption (its name by the `nameOf` option, else
   * `P<id>`; none for 0, no one). */
  owner(row, roles) {
    const owner = roles.owner ? displayValue(roles.owner, row.values) : 0;
    if (!owner) return undefined;
    return this.options.nameOf?.(owner) || `P${text(owner)}`;
  }

  /** A field's value as written on the canvas (see formatValue). */
  show(field, values) {
    return formatValue(field, displayValue(field, values), this.options);
  }

  /** The rate the game ticks at (for values in ticks, as a clock). */
  setTickRate(rate) {
    if (Number.isFinite(rate) && rate > 0) this.options.tickRate = rate;
  }

  /** The caption over an entity: the `caption` option's, else its label and owner. */
  caption(row, roles) {
    const custom = this.options.caption?.(this.schema.kinds[row.kind].name, row);
    if (custom !== undefined) return custom ?? '';
    return [roles.label && this.show(roles.label, row.values), this.owner(row, roles)].filter(Boolean).join(' ');
  }

  /**
   * Draw a snapshot's rows (decoded or interpolated).
   * @param {{rows: {id: number, kind: number, values: number[]}[]}} snapshot
   */
  draw(snapshot) {
    const { ctx, canvas, schema } = this;
    const placed = [];
    const loose = [];
    for (const row of snapshot.rows) {
      const roles = this.roles[row.kind];
      if (!roles) continue;
      if (roles.position) placed.push([row, roles, displayValue(roles.position, row.values)]);
      else loose.push(row);
    }
    this.fit(placed.map((p) => p[2]));
    const { scale, toScreen, yUp } = this.transform();
    const radius = (row, roles) =>
      roles.radius ? Math.max(1, displayValue(roles.radius, row.values) * scale) : this.options.radiusPx;
    // Large things first, so small ones on top of them stay visible.
    placed.sort((a, b) => radius(b[0], b[1]) - radius(a[0], a[1]));
    ctx.globalAlpha = 1;
    ctx.fillStyle = this.options.background;
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    ctx.font = '11px sans-serif';
    for (const [row, roles, [wx, wy]] of placed) {
      const [x, y] = toScreen(wx, wy);
      const r = radius(row, roles);
      const state = roles.state ? displayValue(roles.state, row.values) : [];
      ctx.globalAlpha = state.includes('dead') ? 0.3 : 1;
      ctx.fillStyle = this.colour(row, roles);
      ctx.beginPath();
      ctx.arc(x, y, r, 0, 2 * Math.PI);
      ctx.fill();
      if (roles.heading) {
        const a = displayValue(roles.heading, row.values);
        ctx.strokeStyle = '#e5e7eb';
        ctx.lineWidth = 2;
        ctx.beginPath();
        ctx.moveTo(x, y);
        ctx.lineTo(x + Math.cos(a) * (r + 6), y - (yUp ? 1 : -1) * Math.sin(a) * (r + 6));
        ctx.stroke();
      }
      const hp = roles.health ? displayValue(roles.health, row.values) : 0;
      const max = this.options.healthMax ?? (this.healthSeen[row.kind] = Math.max(this.healthSeen[row.kind], hp));
      if (roles.health && max > 0) {
        ctx.fillStyle = '#374151';
        ctx.fillRect(x - r, y - r - 7, 2 * r, 3);
        ctx.fillStyle = '#22c55e';
        ctx.fillRect(x - r, y - r - 7, 2 * r * Math.min(1, Math.max(0, hp / max)), 3);
      }
      ctx.fillStyle = '#e5e7eb';
      const words = this.caption(row, roles);
      if (words) {
        ctx.textAlign = 'center';
        ctx.fillText(words, x, y - r - 10);
        ctx.textAlign = 'start';
      }
      if (state.length) ctx.fillText(state.join(' '), x - r, y + r + 11);
    }
    ctx.globalAlpha = 1;
    ctx.fillStyle = '#e5e7eb';
    loose.slice(0, 8).forEach((row, i) => {
      const kind = schema.kinds[row.kind];
      if (!kind) return;
      const line = kind.fields.map((f) => `${f.name} ${this.show(f, row.values)}`).join(', ');
      ctx.fillText(`${kind.name} #${row.id}: ${line}`, 8, 16 + 14 * i);
    });
    // The scoreboard: every entity of the kinds that have scored.
    const withScore = snapshot.rows.filter((row) => this.roles[row.kind]?.score);
    const scoring = new Set(withScore.filter((row) => displayValue(this.roles[row.kind].score, row.values) !== 0).map((r) => r.kind));
    const scored = withScore
      .filter((row) => scoring.has(row.kind))
      .map((row) => {
        const roles = this.roles[row.kind];
        const who = this.owner(row, roles) ?? `#${row.id}`;
        return [`${schema.kinds[row.kind].name} ${who}`, displayValue(roles.score, row.values), roles.score];
      })
      .sort((a, b) => b[1] - a[1])
      .slice(0, 10);
    scored.forEach(([who, score, field], i) =>
      ctx.fillText(`${who}: ${formatValue(field, score, this.options)}`, canvas.width - 140, 16 + 14 * i),
    );
  }
}

/**
 * A renderer for `schema` on `canvas` (see the module comment for what it draws).
 * @param {HTMLCanvasElement} canvas
 * @param {import('./schema.js').Schema} schema
 * @param {ConstructorParameters<typeof SchemaRenderer>[2]} [options]
 */
export function createRenderer(canvas, schema, options) {
  return new SchemaRenderer(canvas, schema, options);
}
