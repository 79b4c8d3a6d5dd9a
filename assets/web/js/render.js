// The arena on a canvas, shared by the play and spectate views. World space is
// y-up (see shared/src/protocol.rs); the canvas is y-down, so y is flipped here and
// nowhere else. Entities are views in world units: {id, kind, x, y, angle, hp,
// flags, owner, score}.

import { FLAG_DEAD, MAX_HP, PLAYER_RADIUS } from './sim_constants.js';

const COLORS = {
  floor: '#141a22',
  grid: '#1c2430',
  wall: '#5b6675',
  self: '#4ade80',
  drone: '#7c8a9e',
  projectile: '#fde047',
  name: '#d8dee9',
  hit: '#f87171',
};
/** How long a hit shows, ms. */
const HIT_MS = 300;
const PLAYER_HUES = [205, 30, 280, 170, 330, 55, 250, 100];

export class Renderer {
  constructor(canvas) {
    this.canvas = canvas;
    this.ctx = canvas.getContext('2d');
    this.map = null;
    this.scale = 1;
    this.ox = 0;
    this.oy = 0;
    /** Each player's hp at the last frame, and when it last dropped (hit feedback). */
    this.hp = new Map();
    this.hitAt = new Map();
  }

  setMap(map) {
    this.map = map;
  }

  /** Fit the arena into the canvas's CSS size (at the device's pixel ratio). */
  layout() {
    const c = this.canvas;
    const dpr = globalThis.devicePixelRatio || 1;
    const w = Math.max(1, Math.round(c.clientWidth * dpr));
    const h = Math.max(1, Math.round(c.clientHeight * dpr));
    if (c.width !== w || c.height !== h) {
      c.width = w;
      c.height = h;
    }
    if (!this.map) return;
    this.scale = Math.min(w / this.map.width, h / this.map.height);
    this.ox = (w - this.map.width * this.scale) / 2;
    this.oy = (h - this.map.height * this.scale) / 2;
  }

  /** World point -> canvas pixels. */
  toScreen(x, y) {
    return [this.ox + x * this.scale, this.oy + (this.map.height - y) * this.scale];
  }

  /** Canvas CSS pixels (e.g. a mouse event's offsetX/Y) -> world point. */
  toWorld(cssX, cssY) {
    const dpr = globalThis.devicePixelRatio || 1;
    const x = (cssX * dpr - this.ox) / this.scale;
    const y = this.map.height - (cssY * dpr - this.oy) / this.scale;
    return [x, y];
  }

  /** Draw the arena and `entities`; `selfId` is highlighted; `nameOf(player)`
   * labels the players (none when not given). */
  draw(entities, selfId = null, nameOf = null) {
    this.layout();
    const { ctx, canvas } = this;
    ctx.fillStyle = '#0b0f14';
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    if (!this.map) return;
    const s = this.scale;
    ctx.fillStyle = COLORS.floor;
    ctx.fillRect(this.ox, this.oy, this.map.width * s, this.map.height * s);
    ctx.strokeStyle = COLORS.grid;
    ctx.lineWidth = 1;
    ctx.beginPath();
    for (let gx = 100; gx < this.map.width; gx += 100) {
      const [x] = this.toScreen(gx, 0);
      ctx.moveTo(x, this.oy);
      ctx.lineTo(x, this.oy + this.map.height * s);
    }
    for (let gy = 100; gy < this.map.height; gy += 100) {
      const [, y] = this.toScreen(0, gy);
      ctx.moveTo(this.ox, y);
      ctx.lineTo(this.ox + this.map.width * s, y);
    }
    ctx.stroke();
    ctx.fillStyle = COLORS.wall;
    for (const w of this.map.walls) {
      const [x0, y1] = this.toScreen(w.min[0], w.min[1]);
      const [x1, y0] = this.toScreen(w.max[0], w.max[1]);
      ctx.fillRect(x0, y0, x1 - x0, y1 - y0);
    }
    const order = { projectile: 0, drone: 1, player: 2 };
    const sorted = [...entities].sort((a, b) => order[a.kind] - order[b.kind]);
    this.noteHits(sorted);
    for (const e of sorted) this.drawEntity(e, e.id === selfId);
    if (nameOf) {
      const dpr = globalThis.devicePixelRatio || 1;
      ctx.font = `${Math.round(11 * dpr)}px system-ui, sans-serif`;
      ctx.textAlign = 'center';
      ctx.fillStyle = COLORS.name;
      for (const e of sorted) {
        if (e.kind !== 'player' || (e.flags & FLAG_DEAD) !== 0) continue;
        const [x, y] = this.toScreen(e.x, e.y);
        const r = Math.max(3, PLAYER_RADIUS * this.scale);
        const label = e.id === selfId ? 'you' : nameOf(e.owner);
        // Kept inside the canvas, so a player at the arena's edge is still named.
        const half = ctx.measureText(label).width / 2;
        const lx = Math.min(Math.max(x, half + 2), this.canvas.width - half - 2);
        ctx.fillText(label, lx, Math.max(y - r - 11 * dpr, 12 * dpr));
      }
    }
  }

  /** Remember when a player's hp dropped, so a hit shows for a moment. */
  noteHits(entities) {
    const now = performance.now();
    const hp = new Map();
    for (const e of entities) {
      if (e.kind !== 'player') continue;
      const before = this.hp.get(e.id);
      if (before !== undefined && e.hp < before) this.hitAt.set(e.id, now);
      hp.set(e.id, e.hp);
    }
    this.hp = hp;
    for (const [id, at] of this.hitAt) if (now - at > HIT_MS || !hp.has(id)) this.hitAt.delete(id);
  }

  drawEntity(e, isSelf) {
    const { ctx } = this;
    const [x, y] = this.toScreen(e.x, e.y);
    const s = this.scale;
    if (e.kind === 'projectile') {
      ctx.fillStyle = COLORS.projectile;
      ctx.beginPath();
      ctx.arc(x, y, Math.max(3, 4 * s), 0, 2 * Math.PI);
      ctx.fill();
      return;
    }
    const r = Math.max(3, (e.kind === 'player' ? PLAYER_RADIUS : 12) * s);
    const dead = (e.flags & FLAG_DEAD) !== 0;
    ctx.globalAlpha = dead ? 0.25 : 1;
    if (e.kind === 'drone') {
      // Scenery, not a target (shots pass through): a hollow ring.
      ctx.strokeStyle = COLORS.drone;
      ctx.lineWidth = Math.max(1.5, 2.5 * s);
      ctx.beginPath();
      ctx.arc(x, y, r, 0, 2 * Math.PI);
      ctx.stroke();
      ctx.globalAlpha = 1;
      return;
    } else {
      const hue = PLAYER_HUES[e.owner % PLAYER_HUES.length];
      ctx.fillStyle = isSelf ? COLORS.self : `hsl(${hue} 80% 60%)`;
    }
    ctx.beginPath();
    ctx.arc(x, y, r, 0, 2 * Math.PI);
    ctx.fill();
    // Heading (canvas y is down: negate the world angle).
    ctx.strokeStyle = '#0b0f14';
    ctx.lineWidth = Math.max(1, 3 * s);
    ctx.beginPath();
    ctx.moveTo(x, y);
    ctx.lineTo(x + Math.cos(e.angle) * r, y - Math.sin(e.angle) * r);
    ctx.stroke();
    if (e.kind === 'player' && this.hitAt.has(e.id)) {
      // Hit: a red ring for a moment.
      ctx.strokeStyle = COLORS.hit;
      ctx.lineWidth = Math.max(2, 3 * s);
      ctx.beginPath();
      ctx.arc(x, y, r + Math.max(3, 4 * s), 0, 2 * Math.PI);
      ctx.stroke();
    }
    if (e.kind === 'player' && !dead) {
      const frac = Math.max(0, Math.min(1, e.hp / MAX_HP));
      ctx.fillStyle = '#0008';
      ctx.fillRect(x - r, y - r - 8, 2 * r, 4);
      ctx.fillStyle = frac > 0.3 ? '#4ade80' : '#f87171';
      ctx.fillRect(x - r, y - r - 8, 2 * r * frac, 4);
    }
    ctx.globalAlpha = 1;
  }
}
