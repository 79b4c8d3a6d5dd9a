// The play view: the own player predicted with the shared movement rules and
// reconciled on every snapshot, everyone else interpolated behind by a jitter
// buffer (two send intervals plus the arrivals' measured spread: interp.js),
// inputs sent on the input timeline (timeline.js: a fixed-rate schedule on
// performance.now(), tuned by each snapshot's input_lead; each input acknowledges
// the newest applied snapshot), a ping every second, and a HUD with the ping, the
// input delay and corrections per second. The connection resumes the same player by
// itself; the seat is kept in sessionStorage (seat.js) so a reload resumes it too.
// When the connection falters or ends the page says what happened and offers the
// way back (outcome.js). A private room's invite link is shown to its players with
// a copy button (invite_box.js); touch screens get an on-screen stick and fire button (touch.js).
// Every game but the arena is decoded, drawn and steered by game_play.js (the SDK
// and the game's page module); this view keeps its connection and timeline.

import { getMap, lastCallMs, wsUrl } from './api.js';
import { GamePlay } from './game_play.js';
import { hud } from './hud.js';
import { Interpolator } from './interp.js';
import { InviteBox } from './invite_box.js';
import { GameConnection } from './net.js';
import { Predictor } from './predictor.js';
import { Scoreboard } from './scoreboard.js';
import { EndPanel, plainWords, probeRoom } from './outcome.js';
import { forgetSeat, saveSeat } from './seat.js';
import { TouchControls, wantsTouch } from './touch.js';
import { BUTTONS } from './protocol.js';
import { BaselineRing, applyDelta, entityView } from './snapshot.js';
import { InputClock, NetStats, ServerClock } from './timeline.js';

const PING_MS = 1000;
const MAX_PENDING = 120;
const KEYS = {
  KeyW: BUTTONS.UP, ArrowUp: BUTTONS.UP,
  KeyS: BUTTONS.DOWN, ArrowDown: BUTTONS.DOWN,
  KeyA: BUTTONS.LEFT, ArrowLeft: BUTTONS.LEFT,
  KeyD: BUTTONS.RIGHT, ArrowRight: BUTTONS.RIGHT,
  Space: BUTTONS.FIRE,
};

/** `?transport=ws|wt` in the page's URL forces a transport; else the best one. */
function transportChoice() {
  const forced = new URLSearchParams(location.search).get('transport');
  return forced === 'ws' || forced === 'wt' ? forced : 'auto';
}

export class PlayView {
  /** `ways`: {lobby(), rejoin(room, invite, name)}: the ways back the page offers. */
  constructor(renderer, canvas, ways) {
    this.renderer = renderer;
    this.canvas = canvas;
    this.ways = ways;
    this.ended = new EndPanel();
    this.touch = new TouchControls();
    this.scoreboard = new Scoreboard();
    this.inviteBox = new InviteBox();
    this.held = 0;
    this.mouseDown = false;
    this.mouse = null;
    this.conn = null;
    this.onKey = (e) => this.key(e);
    canvas.addEventListener('mousemove', (e) => {
      this.mouse = [e.offsetX, e.offsetY];
    });
    canvas.addEventListener('mousedown', () => {
      this.mouseDown = true;
      canvas.focus();
    });
    window.addEventListener('mouseup', () => {
      this.mouseDown = false;
    });
  }

  key(e) {
    const bit = KEYS[e.code];
    if (bit === undefined || !this.conn) return;
    e.preventDefault();
    if (e.type === 'keydown') this.held |= bit;
    else this.held &= ~bit;
  }

  /** Start playing with a join answer ({ticket, ws_url, room}); `invite`: a
   * private room's code (its link is shown); `resume`: a resume token to come back
   * with instead of the answer's ticket. */
  start(answer, name, { invite = null, resume = null } = {}) {
    this.stop();
    hud.reset();
    this.room = { id: answer.room?.id, name: answer.room?.name ?? String(answer.room?.id ?? '') };
    this.name = name;
    this.invite = invite;
    this.wsUrlFromServer = answer.ws_url;
    this.webtransport = answer.webtransport ?? null;
    this.ended.hide();
    this.scoreboard.reset();
    this.probing = false;
    hud.mode(`Playing in ${this.room.name}`);
    this.inviteBox.show(this.room.id, this.invite);
    this.touch.show(wantsTouch());
    this.seq = 0;
    this.ack = null;
    this.lastInput = 0;
    this.ring = new BaselineRing(32);
    this.predictor = null;
    this.interp = null;
    this.own = null;
    this.rtt = null;
    this.pings = new Map();
    this.nonce = 0;
    this.names = new Map();
    this.game?.stop();
    this.game = null;
    this.net = new NetStats();
    this.sent = new Map();
    this.clock = null;
    this.serverClock = null;
    window.addEventListener('keydown', this.onKey);
    window.addEventListener('keyup', this.onKey);
    const url = wsUrl(answer.ws_url);
    const conn = new GameConnection({
      url,
      ticket: resume ? null : answer.ticket,
      resume,
      name,
      webtransport: this.webtransport,
      transport: transportChoice(),
      // A second, plus three round trips of the join on a slow link.
      connectTimeoutMs: Math.min(5000, 1000 + 3 * (lastCallMs ?? 0)),
      resumeUrl: (token) => {
        const u = new URL(url);
        u.search = new URLSearchParams({ resume: token }).toString();
        return u.toString();
      },
    });
    this.conn = conn;
    conn.addEventListener('state', (e) => this.connState(conn, e.detail));
    conn.addEventListener('welcome', (e) => this.welcome(e.detail));
    conn.addEventListener('message', (e) => this.message(e.detail));
    conn.start();
    const frame = () => {
      this.draw();
      this.raf = requestAnimationFrame(frame);
    };
    this.raf = requestAnimationFrame(frame);
    this.canvas.focus();
  }

  /** Leave the room for good (the Leave link, another view). */
  stop() {
    if (this.conn) {
      this.conn.close();
      forgetSeat();
    }
    this.conn = null;
    clearTimeout(this.inputTimer);
    clearInterval(this.pingTimer);
    cancelAnimationFrame(this.raf);
    window.removeEventListener('keydown', this.onKey);
    window.removeEventListener('keyup', this.onKey);
    this.held = 0;
    this.game?.stop();
    this.game = null;
  }

  /** The connection's state: on the HUD in a word, and in plain words over the
   * arena when something went wrong. */
  connState(conn, detail) {
    if (conn !== this.conn) return;
    const { state, reason } = detail;
    hud.state(reason ? `${state}: ${reason}` : state, state !== 'connected');
    if (state === 'connected') {
      hud.transport(conn.transportName);
      this.ended.hide();
      return;
    }
    if (state === 'connecting' || (state === 'reconnecting' && !reason)) return;
    // A close the page made itself (left, or gave up after learning why).
    if (state === 'closed' && (reason === 'left' || conn.abandoned)) return;
    const words = plainWords(detail, this.room.name);
    if (words) {
      if (words.final) forgetSeat();
      this.say(words.kind, words.title, words.text, words.final);
      if (words.kind !== 'restarting' || state !== 'closed') return;
    }
    const refused = detail.close && !detail.close.opened;
    if (refused || state === 'closed') {
      this.probe(conn, state === 'closed');
    } else if (state === 'reconnecting' && !words) {
      this.say('lost', 'Connection lost', `Reconnecting to ${this.room.name}… your seat is held for a few seconds.`, false);
    }
  }

  /** A socket was refused (or the connection gave up): ask the lobby whether the
   * room is still there, and say what that means. */
  async probe(conn, closed) {
    if (this.probing) return;
    this.probing = true;
    const found = await probeRoom(this.room.id, this.invite);
    this.probing = false;
    if (conn !== this.conn || conn.state === 'connected') return;
    const room = `"${this.room.name}"`;
    if (found === 'gone') {
      conn.abandon('room gone');
      forgetSeat();
      this.say('ended', 'The match ended', `Room ${room} no longer exists on the server (it restarted, or the room closed).`, true);
    } else if (found === 'there') {
      conn.abandon('resume refused');
      forgetSeat();
      this.say('expired', 'Your seat expired', `The server no longer holds your player in ${room}. Rejoin to play on as a new player.`, true);
    } else if (closed) {
      this.say('unreachable', 'The server did not come back', 'It may be restarting or down. Try again in a moment, or go back to the lobby.', true);
    } else if (this.ended.kind !== 'restarting') {
      this.say('unreachable', 'The server is not reachable', 'It may be restarting. Trying to get your seat back…', false);
    }
  }

  /** Show what happened with the ways back: rejoin (or try again) when it is over. */
  say(kind, title, text, final) {
    const lobby = { label: 'Back to lobby', run: () => this.ways.lobby() };
    const again = { label: kind === 'unreachable' ? 'Try again' : 'Rejoin', run: () => this.ways.rejoin(this.room, this.invite, this.name) };
    this.ended.show(kind, title, text, final && kind !== 'ended' ? [again, lobby] : [lobby]);
  }

  async welcome(w) {
    this.welcomeMsg = w;
    // The roster names everyone who joined before this player.
    this.scoreboard.learn([...(w.players ?? []), { player: w.player, name: w.name }]);
    saveSeat({ room: this.room, ws_url: this.wsUrlFromServer, webtransport: this.webtransport, name: this.name, invite: this.invite, token: w.resume_token });
    // After a resume the server starts over with a keyframe.
    this.ring.clear();
    this.ack = null;
    if (w.game !== 'arena') {
      this.welcomeGame(w);
      return;
    }
    if (!this.map || this.map.name !== w.map) {
      try {
        this.map = await getMap(w.map);
      } catch (e) {
        hud.state(`cannot load map ${w.map}: ${e.message}`, true);
        return;
      }
    }
    this.renderer.setMap(this.map);
    if (!this.predictor) this.predictor = new Predictor(this.map, Math.fround(1 / w.tick_rate));
    if (!this.interp) this.interp = new Interpolator(w.tick_rate, (2 * w.tick_rate) / w.send_rate);
    this.startTimeline(w);
  }

  /** Any other game: the SDK decodes and draws it (game_play.js). */
  welcomeGame(w) {
    if (this.game) {
      this.game.welcome(w);
    } else {
      try {
        this.game = new GamePlay(this.canvas, w, this.touch);
      } catch (e) {
        hud.state(`cannot show ${w.game}: ${e.message}`, true);
        return;
      }
      window.removeEventListener('keydown', this.onKey);
      window.removeEventListener('keyup', this.onKey);
    }
    this.startTimeline(w);
  }

  /** Inputs on the input timeline, and pings. */
  startTimeline(w) {
    clearTimeout(this.inputTimer);
    clearInterval(this.pingTimer);
    // The input timeline: the schedule, not the timer, decides when inputs are due.
    this.clock = new InputClock(w.tick_rate, performance.now());
    if (!this.serverClock) this.serverClock = new ServerClock(w.tick_rate);
    const step = () => {
      for (let n = this.clock.due(performance.now()); n > 0; n--) this.sendInput();
      this.inputTimer = setTimeout(step, Math.max(0, this.clock.next - performance.now()));
    };
    step();
    this.pingTimer = setInterval(() => this.ping(), PING_MS);
    this.ping();
  }

  aim() {
    if (this.touch.aim !== null) return this.touch.aim;
    const body = this.predictor?.body;
    if (!this.mouse || !body || !this.map) return this.own ? this.own.angle : 0;
    const [wx, wy] = this.renderer.toWorld(this.mouse[0], this.mouse[1]);
    return Math.atan2(wy - body.y, wx - body.x);
  }

  /** The tick drawn now (the interpolation's render tick, rounded), which the
   * server resolves this input's shot against (lag compensation); null before the
   * first snapshot. */
  viewTick() {
    const t = this.interp?.renderTick(performance.now());
    return t === null || t === undefined || !Number.isFinite(t) || t < 0 ? null : Math.round(t) >>> 0;
  }

  sendInput() {
    if (!this.conn || !(this.predictor || this.game)) return;
    const buttons = this.held | this.touch.buttons | (this.mouseDown ? BUTTONS.FIRE : 0);
    const input = this.game ? this.game.input() : { buttons, aim: this.aim() };
    const seq = this.seq + 1;
    const sent = this.conn.send({ Input: { seq, ack: this.ack, input, view: this.game ? null : this.viewTick() } });
    if (!sent) return;
    this.seq = seq;
    this.sent.set(seq, performance.now());
    if (this.sent.size > MAX_PENDING) this.sent.delete(this.sent.keys().next().value);
    this.predictor?.input(seq, buttons);
  }

  ping() {
    this.nonce = (this.nonce + 1) >>> 0;
    this.pings.set(this.nonce, performance.now());
    if (this.pings.size > 16) this.pings.delete(this.pings.keys().next().value);
    this.conn?.send({ Ping: { nonce: this.nonce } });
  }

  message(msg) {
    if (msg.Snapshot) this.snapshot(msg.Snapshot);
    else if (msg.Pong) {
      const sent = this.pings.get(msg.Pong.nonce);
      if (sent !== undefined) {
        this.pings.delete(msg.Pong.nonce);
        const rtt = performance.now() - sent;
        // RFC 6298's smoothing (1/8 of each sample), as the native client: half of
        // it maps a snapshot's arrival to the server's tick in the input delay.
        this.rtt = this.rtt === null ? rtt : (this.rtt * 7 + rtt) / 8;
      }
    } else if (msg.Events && this.game) {
      this.game.events(msg.Events.events, msg.Events.players);
    } else if (msg.Events) {
      this.scoreboard.gameEvents(msg.Events.events, msg.Events.players);
      hud.gameEvents(msg.Events.events, (p) => (p === this.welcomeMsg?.player ? 'you' : this.scoreboard.nameOf(p)));
    } else if (msg.Error) {
      hud.state(`${msg.Error.code}: ${msg.Error.reason}`, true);
    }
  }

  snapshot(s) {
    if (this.game || this.welcomeMsg?.game !== 'arena') {
      this.gameSnapshot(s);
      return;
    }
    // Every snapshot is decoded and kept, even before the map has loaded: the
    // server may count a written snapshot as acknowledged and build on it.
    let baseline = null;
    if (s.baseline !== null) {
      baseline = this.ring.get(s.baseline);
      if (!baseline) return; // not ours any more: the server moves to a newer ack
    }
    let snap;
    try {
      snap = applyDelta(this.welcomeMsg.descriptor, baseline, s.body);
    } catch (e) {
      hud.state(`bad snapshot: ${e.message}`, true);
      return;
    }
    if (!this.ring.push(snap)) return;
    this.ack = snap.tick;
    if (!this.predictor || !this.interp) return;
    const views = snap.entities.map(entityView);
    const selfId = this.welcomeMsg.entity;
    this.own = views.find((e) => e.id === selfId) ?? null;
    this.lastInput = s.last_input;
    this.timeline(snap.tick, s);
    const error = this.predictor.reconcile(this.own, s.last_input);
    if (error !== null) this.net.predictionError(error, performance.now());
    this.interp.push(snap.tick, views.filter((e) => e.id !== selfId), performance.now());
    this.scoreboard.frame(views);
    hud.stats({ tick: snap.tick, hp: this.own?.hp ?? null, score: this.own?.score ?? null });
  }

  gameSnapshot(s) {
    const tick = this.game?.snapshot(s) ?? null;
    if (tick === null) return;
    this.ack = tick;
    this.lastInput = s.last_input;
    this.timeline(tick, s);
    hud.stats({ tick, hp: this.game.health(), score: null });
  }

  /** The input timeline's share of a snapshot: the lead, and one input delay sample
   * (ticks from sending `last_input` to the server applying it at `tick`). */
  timeline(tick, s) {
    const now = performance.now();
    this.serverClock?.observe(tick, now);
    this.clock?.observeLead(s.input_lead);
    const sent = this.sent.get(s.last_input);
    const arrival = this.serverClock?.arrivalOf(tick);
    if (s.input_lead < 0 || sent === undefined || arrival == null || this.rtt === null) return;
    const applied = arrival - this.rtt / 2;
    this.net.delay(Math.max(0, applied - sent) / this.serverClock.dt);
  }

  draw() {
    const now = performance.now();
    if (this.game) {
      const entities = this.game.draw();
      hud.stats({ ping: this.rtt, entities, delay: this.net?.delayPercentile(0.5) ?? null, corrections: null });
      return;
    }
    const others = this.interp ? this.interp.sample(now) : [];
    const entities = others;
    const body = this.predictor?.body;
    if (this.own) {
      entities.push(body ? { ...this.own, x: body.x, y: body.y, angle: this.aim() } : this.own);
    }
    this.drawn = entities;
    this.renderer.draw(entities, this.welcomeMsg?.entity ?? null, (p) => this.scoreboard.nameOf(p));
    hud.stats({
      ping: this.rtt,
      entities: entities.length,
      delay: this.net?.delayPercentile(0.5) ?? null,
      corrections: this.net ? this.net.correctionsPerSec(now) : null,
    });
  }
}
