// A canvas view of any game: the SDK's schema renderer sized to the canvas, with
// the game's page module (assets/web/games/<game>.js) drawing under the entities
// (`drawUnder`: a pitch, a board) and fixing the view (`bounds`), and a ring round
// the viewer's own entity. A module's `renderOptions` go to the SDK's renderer. Used by the play, spectate and replay views of every
// game but the arena, which keeps its own renderer (render.js).

import { createRenderer, displayValue } from '../sdk/index.js';

const BACKGROUND = '#0b0f14';

export class GameCanvas {
  /** `module`: the game's page module or null; `nameOf(player)`: a player's
   * display name, if known (captions name players with it). */
  constructor(canvas, schema, module, nameOf = () => undefined) {
    this.canvas = canvas;
    this.schema = schema;
    this.module = module;
    const bounds = module?.bounds;
    this.renderer = createRenderer(canvas, schema, {
      nameOf,
      ...(module?.renderOptions ?? {}),
      background: 'rgba(0,0,0,0)',
      ...(bounds ? { bounds } : {}),
    });
  }

  /** Match the canvas's pixels to its CSS size (at the device's pixel ratio). */
  layout() {
    const c = this.canvas;
    const dpr = globalThis.devicePixelRatio || 1;
    const w = Math.max(1, Math.round(c.clientWidth * dpr));
    const h = Math.max(1, Math.round(c.clientHeight * dpr));
    if (c.width !== w || c.height !== h) {
      c.width = w;
      c.height = h;
    }
  }

  /** Draw `snapshot` (rows); `own`: the id of the viewer's entity, if any. */
  draw(snapshot, own = null) {
    this.layout();
    const ctx = this.canvas.getContext('2d');
    ctx.globalAlpha = 1;
    ctx.fillStyle = BACKGROUND;
    ctx.fillRect(0, 0, this.canvas.width, this.canvas.height);
    if (!snapshot) return;
    // The view grows to what the rows hold before the game's floor is drawn under it.
    const roles = this.renderer.roles;
    this.renderer.fit(snapshot.rows.filter((r) => roles[r.kind]?.position).map((r) => displayValue(roles[r.kind].position, r.values)));
    const { scale, toScreen } = this.renderer.transform();
    if (typeof this.module?.drawUnder === 'function') {
      ctx.save();
      this.module.drawUnder(ctx, toScreen, scale);
      ctx.restore();
    }
    this.renderer.draw(snapshot);
    const mine = own === null ? null : snapshot.rows.find((r) => r.id === own);
    const at = mine && roles[mine.kind]?.position;
    if (at) {
      const [x, y] = toScreen(...displayValue(at, mine.values));
      const radius = roles[mine.kind].radius ? displayValue(roles[mine.kind].radius, mine.values) * scale : 6;
      ctx.strokeStyle = '#4ade80';
      ctx.lineWidth = 2;
      ctx.beginPath();
      ctx.arc(x, y, Math.max(radius, 1) + 4, 0, 2 * Math.PI);
      ctx.stroke();
    }
  }
}
