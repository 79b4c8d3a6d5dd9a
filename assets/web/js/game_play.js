// Playing any game but the arena, with the browser SDK: each Snapshot body decoded
// by the Welcome's schema (RowDecoder, baselines by tick), the world interpolated a
// little behind the server (SnapshotBuffer, at the render tick of the same clock the
// arena uses), drawn by the schema's render roles (game_canvas.js), and input taken
// from the game's page module or the default mapping (game_input.js). The play view
// (play.js) keeps the connection, acks, the input timeline, pings and outcomes.

import { RowDecoder, SnapshotBuffer, describeRow, parseSchema } from '../sdk/index.js';
import { GameBoard } from './game_board.js';
import { GameCanvas } from './game_canvas.js';
import { hud } from './hud.js';
import { defaultModule, inputValues, loadGameModule } from './game_input.js';
import { Interpolator } from './interp.js';

const IGNORED_TARGETS = new Set(['INPUT', 'SELECT', 'TEXTAREA']);

export class GamePlay {
  /** Build the view of a Welcome (`w`, with `descriptor` the schema net.js read,
   * or else `schema` the descriptor text) at once,
   * so no snapshot goes undecoded: the default mapping until the game's page module
   * has loaded. Throws a SchemaError for a descriptor the SDK refuses. */
  constructor(canvas, w, touch) {
    this.canvas = canvas;
    this.schema = w.descriptor ?? parseSchema(w.schema);
    this.touch = touch;
    this.board = new GameBoard();
    this.useModule(null);
    this.keys = new Set();
    this.onKey = (e) => {
      if (IGNORED_TARGETS.has(e.target?.tagName)) return;
      if (e.type === 'keydown') this.keys.add(e.code);
      else this.keys.delete(e.code);
      if (/^(Arrow|Space)/.test(e.code)) e.preventDefault();
    };
    this.onBlur = () => this.keys.clear();
    window.addEventListener('keydown', this.onKey);
    window.addEventListener('keyup', this.onKey);
    window.addEventListener('blur', this.onBlur);
    this.helpText = document.querySelector('p.help.play-only')?.textContent ?? '';
    this.welcome(w);
    this.stopped = false;
    loadGameModule(w.game).then((module) => {
      if (module && !this.stopped) this.useModule(module);
    });
  }

  /** Take input and drawing from the game's page `module` (null: the default). */
  useModule(module) {
    this.module = module ?? defaultModule(this.schema);
    this.view = new GameCanvas(this.canvas, this.schema, module, (p) => this.board.knownName(p));
    this.view.renderer.setTickRate(this.tickRate);
    this.board.reset(this.schema, this.view.renderer);
    const help = document.querySelector('p.help.play-only');
    if (help) help.textContent = this.module.help ?? 'WASD or arrows move, space acts. You are ringed in green.';
    const button = document.getElementById('touch-fire');
    this.buttonText ??= button.textContent;
    button.textContent = this.module.touchButton ?? this.buttonText;
  }

  /** A (new or resumed) Welcome: the server starts over with a keyframe. */
  welcome(w) {
    this.entity = w.entity;
    // The roster names everyone who joined before this player.
    this.board.learn([...(w.players ?? []), { player: w.player, name: w.name }]);
    this.decoder = new RowDecoder(this.schema);
    this.buffer = new SnapshotBuffer(this.schema);
    this.clock = new Interpolator(w.tick_rate, (2 * w.tick_rate) / w.send_rate);
    this.tickRate = w.tick_rate;
    this.view.renderer.setTickRate(w.tick_rate);
    this.latest = null;
    this.own = null;
    /** The rows drawn last (tests read them). */
    this.drawn = [];
  }

  stop() {
    this.stopped = true;
    window.removeEventListener('keydown', this.onKey);
    window.removeEventListener('keyup', this.onKey);
    window.removeEventListener('blur', this.onBlur);
    const help = document.querySelector('p.help.play-only');
    if (help) help.textContent = this.helpText;
    if (this.buttonText !== undefined) document.getElementById('touch-fire').textContent = this.buttonText;
    this.board.reset(null, null);
  }

  /** Decode one Snapshot; returns its tick (to acknowledge), or null when it could
   * not be used: its baseline is gone (the server moves on to a newer ack), or the
   * body does not decode (said on the HUD). */
  snapshot(s) {
    if (s.baseline !== null && !this.decoder.byTick.has(s.baseline)) return null;
    let snap;
    try {
      snap = this.decoder.decode(s.baseline, s.body);
    } catch (e) {
      hud.state(`bad snapshot: ${e.message}`, true);
      return null;
    }
    this.buffer.push(snap);
    this.clock.push(snap.tick, [], performance.now());
    this.latest = snap;
    const own = snap.rows.find((r) => r.id === this.entity);
    this.own = own ? describeRow(this.schema, own) : null;
    this.board.frame(snap);
    hud.labels(this.hudLabels());
    return snap.tick;
  }

  /** This tick's input values. */
  input() {
    const pointer = { stick: this.touch?.aim ?? null, button: Boolean(this.touch?.fire) };
    return inputValues(this.schema, this.module.inputFor(this.keys, pointer, this.own));
  }

  events(events, players) {
    this.board.events(events, players);
  }

  /** Draw the world at the render tick; returns how many entities were drawn. */
  draw() {
    const tick = this.clock.renderTick(performance.now());
    const snap = tick === null ? null : this.buffer.sample(tick);
    this.drawn = snap ? snap.rows.map((r) => describeRow(this.schema, r)) : [];
    this.view.draw(snap, this.entity);
    return this.drawn.length;
  }

  /** The HUD's words for the own entity's kind (before it is seen: the first kind
   * with a health value): its health value's name (null: none) and whether it has
   * a score. */
  hudLabels() {
    const kinds = this.schema.kinds;
    const kind = kinds.find((k) => k.name === this.own?.kind) ?? kinds.find((k) => k.fieldByRole('health'));
    return { health: kind?.fieldByRole('health')?.name ?? null, score: Boolean(kind?.fieldByRole('score')) };
  }

  /** The own entity's health-role value, for the HUD. */
  health() {
    const f = this.own && this.schema.kinds.find((k) => k.name === this.own.kind)?.fieldByRole('health');
    return f ? this.own[f.name] : null;
  }
}
