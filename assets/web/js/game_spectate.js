// Spectating and replaying any game but the arena, with the browser SDK and no JS
// of the game's own (its page module, when there is one, only adds its floor and
// fixed view). The compact feed (`?format=binary`, shared/src/spectate/binary.rs):
// a keyframe event carries `{tick_rate, body, players, ...}` with `body` a base64
// keyframe body, a delta event a base64 body against the previous frame; both are
// the players' row delta bodies, decoded with the SDK by the game's schema
// (`GET /api/games/{name}`). Same rules as the arena's view (spec_binary.js): a
// keyframe replaces the state, a delta applies only on the frame it was made
// against (else the stream reopens without an id, which starts with a keyframe),
// a frame not newer is skipped, `reset` drops the state (the state is
// spec_binary.js's, shared with the arena's view). A keyframe the schema cannot
// decode is not a gap but a stream of another game or format: said, and the
// stream closed (no reopening in a loop). Interface of SpectateView
// (start, stream, stop, state.tick, state.ended) so the replay view drives either.

import { SnapshotBuffer, decodeRows, describeRow, fetchSchema } from '../sdk/index.js';
import { GameBoard } from './game_board.js';
import { GameCanvas } from './game_canvas.js';
import { loadGameModule } from './game_input.js';
import { hud } from './hud.js';
import { Interpolator } from './interp.js';
import { showError } from './message.js';
import { BinarySpecState, UndecodableError } from './spec_binary.js';
import { GapError } from './spec_state.js';
import { openFeed, startDrawing, stopFeed } from './spectate.js';

export class GameSpectateView {
  constructor(canvas) {
    this.canvas = canvas;
    this.source = null;
    this.raf = 0;
    this.state = new BinarySpecState(() => {
      throw new UndecodableError('no game chosen');
    });
    this.drawn = [];
    this.board = new GameBoard();
    this.generation = 0;
  }

  /** Use game `name`'s schema and page module; resolves false when the schema
   * cannot be had (said on the message line). */
  async setGame(name) {
    const generation = ++this.generation;
    let schema;
    try {
      schema = await fetchSchema(name);
    } catch (e) {
      showError(`Cannot show a ${name} room: ${e.message}`);
      return false;
    }
    const module = await loadGameModule(name);
    if (generation !== this.generation) return false;
    this.game = name;
    this.schema = schema;
    this.view = new GameCanvas(this.canvas, schema, module, (p) => this.board.knownName(p));
    return true;
  }

  /** Spectate room `room` ({id, name, game}); a private room needs its `invite`. */
  async start(room, invite) {
    const generation = this.generation + 1;
    if (!(await this.setGame(room.game)) || generation !== this.generation) return;
    const query = invite ? `?invite=${encodeURIComponent(invite)}` : '';
    this.stream(() => `/api/rooms/${encodeURIComponent(room.id)}/events${query}`, `Spectating ${room.name || room.id} (${room.game})`);
  }

  /** Follow a stream of spectator events (see SpectateView.stream); setGame first. */
  stream(urlFor, label, openText = 'live') {
    this.urlFor = urlFor;
    this.openText = openText;
    hud.reset();
    hud.mode(label);
    this.board.reset(this.schema, this.view.renderer);
    const help = document.querySelector('p.help.spectate-only');
    if (help && this.helpText === undefined) {
      this.helpText = help.textContent;
      help.textContent = 'The board scores by the game\'s score fields and names the kinds drawn; the feed shows the game\'s events. Leave returns to the lobby.';
    }
    this.open();
    startDrawing(this);
  }

  stop() {
    this.generation += 1;
    stopFeed(this);
    this.board.reset(null, null);
    const help = document.querySelector('p.help.spectate-only');
    if (help && this.helpText !== undefined) help.textContent = this.helpText;
    this.helpText = undefined;
  }

  open() {
    this.source?.close();
    const schema = this.schema;
    this.state = new BinarySpecState((baseline, bytes) => decodeRows(schema, baseline, bytes));
    this.buffer = new SnapshotBuffer(this.schema);
    this.clock = null;
    this.lastFrameTick = null;
    this.source = openFeed(this, this.urlFor());
  }

  onEvent(name, text, id) {
    let applied;
    try {
      applied = this.state.apply(name, text, id);
    } catch (e) {
      if (e instanceof UndecodableError) {
        this.source?.close();
        this.state.ended = true;
        hud.state(`cannot decode this ${this.game} stream: ${e.message}`, true);
        return;
      }
      if (e instanceof GapError) {
        this.open();
        return;
      }
      if (e instanceof SyntaxError) return; // not JSON: ignore the event, keep the stream
      throw e;
    }
    if (applied === 'reset') {
      this.buffer = new SnapshotBuffer(this.schema);
      this.clock = null;
      this.lastFrameTick = null;
      return;
    }
    if (applied === 'game' || applied === 'end') {
      let data;
      try {
        data = JSON.parse(text);
      } catch {
        return;
      }
      if (applied === 'game') this.board.events(data?.events, data?.players);
      else {
        hud.state(`match over (${data?.reason ?? 'ended'})`);
        this.source?.close();
      }
      return;
    }
    if (applied !== 'frame') return;
    if (name === 'keyframe') {
      this.board.learn(this.state.players);
      this.view.renderer.setTickRate(this.state.tickRate);
    }
    const tick = this.state.tick;
    this.clock ??= new Interpolator(this.state.tickRate || 60, 12);
    if (this.lastFrameTick !== null) {
      // Two frame intervals behind: one frame can be late without a stall.
      this.clock.delayTicks = Math.min(2 * (tick - this.lastFrameTick), 2 * this.clock.tickRate);
    }
    this.lastFrameTick = tick;
    this.clock.push(tick, [], performance.now());
    this.buffer.push(this.state.snap);
    this.board.frame(this.state.snap);
  }

  draw() {
    const tick = this.clock?.renderTick(performance.now()) ?? null;
    const snap = tick === null ? null : this.buffer.sample(tick);
    this.drawn = snap ? snap.rows.map((r) => describeRow(this.schema, r)) : [];
    this.view.draw(snap);
    hud.stats({ tick: this.state.tick, entities: this.drawn.length });
  }
}
