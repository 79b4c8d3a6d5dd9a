// The own player's predicted body: the shared movement rules replay the inputs the
// server has not consumed yet over its newest state (client-side prediction and
// reconciliation for the play view).

import { movePlayer } from './movement.js';
import { FLAG_DEAD } from './sim_constants.js';

const MAX_PENDING = 120;

/** The own player's predicted body: replays unconsumed inputs over the server state. */
export class Predictor {
  constructor(map, dt) {
    this.map = map;
    this.dt = dt;
    this.pending = [];
    this.body = null;
  }

  input(seq, buttons) {
    let at = null;
    if (this.body) {
      movePlayer(this.body, buttons, this.map, this.dt);
      at = { x: this.body.x, y: this.body.y };
    }
    this.pending.push({ seq, buttons, at });
    if (this.pending.length > MAX_PENDING) this.pending.shift();
  }

  /** Returns the prediction error at `lastInput` (units), or null when unknown. */
  reconcile(own, lastInput) {
    let predicted = null;
    while (this.pending.length && this.pending[0].seq <= lastInput) {
      const p = this.pending.shift();
      predicted = p.seq === lastInput ? p.at : null;
    }
    if (!own || (own.flags & FLAG_DEAD) !== 0) {
      this.body = null;
      return null;
    }
    const body = { x: own.x, y: own.y, vx: own.vx, vy: own.vy };
    const error = predicted ? Math.hypot(predicted.x - own.x, predicted.y - own.y) : null;
    for (const p of this.pending) {
      movePlayer(body, p.buttons, this.map, this.dt);
      p.at = { x: body.x, y: body.y };
    }
    this.body = body;
    return error;
  }
}
