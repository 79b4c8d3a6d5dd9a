// The spectate view: the arena canvas driven by nothing but EventSource on
// /api/rooms/{id}/events. The browser reconnects by itself with Last-Event-ID and
// the server resumes exactly after it (or sends `reset` and a keyframe); a delta
// that does not fit (a gap) reopens the stream without an id, which starts with a
// keyframe.

import { Interpolator } from './interp.js';
import { hud } from './hud.js';
import { GapError, SpecState } from './spec_state.js';

export class SpectateView {
  constructor(renderer) {
    this.renderer = renderer;
    this.source = null;
    this.raf = 0;
    this.state = new SpecState();
    this.interp = null;
    this.lastFrameTick = null;
    this.drawn = [];
  }

  start(roomId) {
    this.stream(() => `/api/rooms/${encodeURIComponent(roomId)}/events`, `Spectating room ${roomId}`);
  }

  /** Follow any stream of spectator events (live room or replay playback);
   * `urlFor()` is asked for the URL at every (re)open. */
  stream(urlFor, label) {
    this.urlFor = urlFor;
    hud.reset();
    hud.mode(label);
    this.open();
    const frame = () => {
      this.draw();
      this.raf = requestAnimationFrame(frame);
    };
    this.raf = requestAnimationFrame(frame);
  }

  stop() {
    cancelAnimationFrame(this.raf);
    this.raf = 0;
    if (this.source) this.source.close();
    this.source = null;
  }

  open() {
    if (this.source) this.source.close();
    this.state = new SpecState();
    this.interp = null;
    this.lastFrameTick = null;
    hud.state('connecting');
    const source = new EventSource(this.urlFor());
    this.source = source;
    source.onopen = () => hud.state('live');
    source.onerror = () => {
      if (this.state.ended) return;
      if (source.readyState === EventSource.CLOSED) hud.state('closed', true);
      else hud.state('reconnecting', true);
    };
    for (const name of ['keyframe', 'delta', 'game', 'end', 'reset']) {
      source.addEventListener(name, (ev) => this.onEvent(name, ev.data));
    }
  }

  onEvent(name, text) {
    let data;
    try {
      data = JSON.parse(text);
    } catch {
      return; // not JSON: ignore the event, keep the stream
    }
    let applied;
    try {
      applied = this.state.apply(name, data);
    } catch (e) {
      if (e instanceof GapError) {
        this.open();
        return;
      }
      throw e;
    }
    if (applied === 'reset') {
      this.interp = null;
      this.lastFrameTick = null;
      return;
    }
    if (applied === 'game') hud.gameEvents(data.events);
    if (applied === 'end') {
      hud.state(`match over (${data.reason})`);
      this.source.close();
    }
    if (applied !== 'frame') return;
    const tick = this.state.tick;
    if (!this.interp) this.interp = new Interpolator(this.state.tickRate || 60, 12);
    if (this.lastFrameTick !== null) {
      // Two frame intervals behind: one frame can be late without a stall.
      this.interp.delayTicks = Math.min(2 * (tick - this.lastFrameTick), 2 * this.interp.tickRate);
    }
    this.lastFrameTick = tick;
    this.renderer.setMap(this.state.map);
    this.interp.push(tick, this.state.snapshot(), performance.now());
  }

  draw() {
    const entities = this.interp ? this.interp.sample(performance.now()) : [];
    this.drawn = entities;
    this.renderer.draw(entities);
    hud.stats({ tick: this.state.tick, entities: entities.length });
  }
}
