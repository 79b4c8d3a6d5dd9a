// The spectate view: the arena canvas driven by nothing but EventSource on
// /api/rooms/{id}/events. The browser reconnects by itself with Last-Event-ID and
// the server resumes exactly after it (or sends `reset` and a keyframe); a delta
// that does not fit (a gap) reopens the stream without an id, which starts with a
// keyframe.

// It asks for the compact feed (`format=binary`: range-coded snapshot bodies,
// decoded by the SDK with the arena's schema, as the play view does) and fetches
// the arena's geometry by map name. `openFeed` opens that feed for the views of
// every game (game_spectate.js too).

import { fetchSchema } from '../sdk/index.js';
import { ApiError, getMap, getRoom } from './api.js';
import { Interpolator } from './interp.js';
import { hud } from './hud.js';
import { clearMessage, showError } from './message.js';
import { Scoreboard } from './scoreboard.js';
import { applyDelta, entityView } from './snapshot.js';
import { BinarySpecState } from './spec_binary.js';
import { GapError } from './spec_state.js';

/** `url` with `format=binary` added. */
export function binaryUrl(url) {
  return `${url}${url.includes('?') ? '&' : '?'}format=binary`;
}

/** Open the compact feed of `url` for `view` (its `openText`, `state.ended` and
 * `onEvent(name, text, id)`), its connection state on the HUD; returns the
 * EventSource. */
export function openFeed(view, url) {
  hud.state('connecting');
  const source = new EventSource(binaryUrl(url));
  source.onopen = () => {
    hud.state(view.openText ?? 'live');
    clearMessage();
  };
  source.onerror = () => {
    if (view.state.ended) return;
    hud.state(source.readyState === EventSource.CLOSED ? 'closed' : 'reconnecting', true);
  };
  for (const name of ['keyframe', 'delta', 'game', 'end', 'reset']) {
    source.addEventListener(name, (ev) => view.onEvent(name, ev.data, Number(ev.lastEventId)));
  }
  return source;
}

/** Draw `view` (its `draw()`) at every animation frame, until stopFeed. */
export function startDrawing(view) {
  const frame = () => {
    view.draw();
    view.raf = requestAnimationFrame(frame);
  };
  view.raf = requestAnimationFrame(frame);
}

/** Stop drawing `view` and close its feed. */
export function stopFeed(view) {
  cancelAnimationFrame(view.raf);
  view.raf = 0;
  view.source?.close();
  view.source = null;
}

export class SpectateView {
  constructor(renderer) {
    this.renderer = renderer;
    this.source = null;
    this.raf = 0;
    /** The arena's schema (GET /api/games/arena), fetched once. */
    this.schema = null;
    this.state = this.newState();
    this.interp = null;
    this.lastFrameTick = null;
    this.drawn = [];
    this.mapName = null;
    this.scoreboard = new Scoreboard();
  }

  /** Spectate room `roomId`; a private room needs its `invite` code. */
  start(roomId, invite) {
    const query = invite ? `?invite=${encodeURIComponent(invite)}` : '';
    this.stream(() => `/api/rooms/${encodeURIComponent(roomId)}/events${query}`, `Spectating room ${roomId}`);
    // The room's name, once the lobby says it (the id stays if it cannot); a room
    // the lobby does not know is said in words (a private room without its code
    // is answered like one that does not exist).
    getRoom(roomId, invite)
      .then((room) => {
        if (this.raf && room && room.name) hud.mode(`Spectating ${room.name}`);
      })
      .catch((e) => {
        if (!this.raf || !(e instanceof ApiError) || e.status !== 404) return;
        showError(
          invite
            ? 'This spectate link does not open a room: its code is wrong, or the room has ended.'
            : `There is no room ${roomId} to watch: it has ended, or it is private and needs its invite link.`,
        );
      });
  }

  /** Follow any stream of spectator events (live room or replay playback);
   * `urlFor()` is asked for the URL at every (re)open; `openText` is the state
   * shown while the stream is open. */
  stream(urlFor, label, openText = 'live') {
    this.urlFor = urlFor;
    this.openText = openText;
    hud.reset();
    this.scoreboard.reset();
    hud.mode(label);
    this.open();
    startDrawing(this);
  }

  stop() {
    stopFeed(this);
  }

  /** An empty state whose bodies decode as the arena's entities. */
  newState() {
    return new BinarySpecState((baseline, bytes) => applyDelta(this.schema, baseline, bytes));
  }

  open() {
    if (this.source) this.source.close();
    this.source = null;
    if (!this.schema) {
      this.loadSchema();
      return;
    }
    this.state = this.newState();
    this.interp = null;
    this.lastFrameTick = null;
    this.source = openFeed(this, this.urlFor());
  }

  /** Fetch the arena's schema, then open the stream (while the view is shown). */
  loadSchema() {
    hud.state('connecting');
    fetchSchema('arena')
      .then((schema) => {
        this.schema = schema;
        if (this.raf) this.open();
      })
      .catch((e) => showError(`Cannot read the arena's schema: ${e.message}`));
  }

  onEvent(name, text, id) {
    let applied;
    try {
      applied = this.state.apply(name, text, id);
    } catch (e) {
      if (e instanceof GapError) {
        this.open();
        return;
      }
      if (e instanceof SyntaxError) return; // not JSON: ignore the event, keep the stream
      throw e;
    }
    let data = null;
    if (applied === 'game' || applied === 'end') {
      try {
        data = JSON.parse(text);
      } catch {
        return; // not JSON: ignore the event, keep the stream
      }
    }
    if (applied === 'reset') {
      this.interp = null;
      this.lastFrameTick = null;
      return;
    }
    if (applied === 'game') {
      this.scoreboard.gameEvents(data.events, data.players);
      hud.gameEvents(data.events, (p) => this.scoreboard.nameOf(p));
    }
    if (applied === 'end') {
      hud.state(`match over (${data.reason})`);
      this.source.close();
    }
    if (applied !== 'frame') return;
    // A keyframe names who is in the room: a viewer who came mid-match knows them.
    if (name === 'keyframe') this.scoreboard.learn(this.state.players);
    const tick = this.state.tick;
    if (!this.interp) this.interp = new Interpolator(this.state.tickRate || 60, 12);
    if (this.lastFrameTick !== null) {
      // Two frame intervals behind: one frame can be late without a stall.
      this.interp.delayTicks = Math.min(2 * (tick - this.lastFrameTick), 2 * this.interp.tickRate);
    }
    this.lastFrameTick = tick;
    this.loadMap(this.state.mapName);
    const entities = this.state.snap.entities.map(entityView);
    this.scoreboard.frame(entities);
    this.interp.push(tick, entities, performance.now());
  }

  /** Fetch the geometry of map `name` once per name, then draw with it. */
  loadMap(name) {
    if (!name || name === this.mapName) return;
    this.mapName = name;
    getMap(name)
      .then((map) => {
        if (this.mapName === name) this.renderer.setMap(map);
      })
      .catch(() => {
        this.mapName = null; // try again with the next frame
      });
  }

  draw() {
    const entities = this.interp ? this.interp.sample(performance.now()) : [];
    this.drawn = entities;
    this.renderer.draw(entities, null, (p) => this.scoreboard.nameOf(p));
    hud.stats({ tick: this.state.tick, entities: entities.length });
  }
}
