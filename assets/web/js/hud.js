// The line above the canvas (mode, connection state, the transport, hp, score, ping, input delay,
// corrections per second, tick) and the
// event feed in its corner. Both views write here; nothing here knows the network.

import { playerName } from './scoreboard.js';

const FEED_LINES = 6;
const FEED_MS = 8000;

function set(id, text) {
  const el = document.getElementById(id);
  if (el.textContent !== text) el.textContent = text;
}

export const hud = {
  mode(text) {
    set('hud-mode', text);
  },
  state(text, bad = false) {
    set('hud-state', text);
    document.getElementById('hud-state').classList.toggle('bad', bad);
  },
  /** Which transport carries the play ('WebTransport' or 'WebSocket'; null: none). */
  transport(name) {
    set('hud-transport', name ? `via ${name}` : '-');
  },
  stats({ hp, score, ping, tick, entities, delay, corrections }) {
    if (hp !== undefined) set('hud-hp', hp === null ? '-' : String(hp));
    if (score !== undefined) set('hud-score', score === null ? '-' : String(score));
    if (ping !== undefined) set('hud-ping', ping === null ? '-' : `${Math.round(ping)} ms`);
    if (tick !== undefined) set('hud-tick', tick === null ? '-' : String(tick));
    if (entities !== undefined) set('hud-entities', String(entities));
    if (delay !== undefined) set('hud-delay', delay === null ? '-' : `${delay.toFixed(1)} ticks`);
    if (corrections !== undefined) set('hud-corrections', corrections === null ? '-' : `${corrections}/s`);
  },
  /** The own entity's words: `health` the name of its health value (null: it has
   * none, the item is hidden), `score` whether it has a score. */
  labels({ health, score }) {
    set('hud-hp-label', health ?? 'hp');
    document.getElementById('hud-hp-item').hidden = !health;
    document.getElementById('hud-score-item').hidden = !score;
  },
  reset() {
    this.labels({ health: 'hp', score: true });
    for (const id of ['hud-transport', 'hud-hp', 'hud-score', 'hud-ping', 'hud-delay', 'hud-corrections', 'hud-tick', 'hud-entities']) set(id, '-');
    document.getElementById('feed').replaceChildren();
  },
  /** Show game events ({type, player, killer, victim, ...}) in the feed. */
  gameEvents(events, nameOf = playerName) {
    const feed = document.getElementById('feed');
    for (const ev of events) {
      const li = document.createElement('li');
      switch (ev.type) {
        case 'kill':
          li.textContent = `${nameOf(ev.killer)} got ${nameOf(ev.victim)}`;
          break;
        case 'joined':
          li.textContent = `${nameOf(ev.player)} joined`;
          break;
        case 'left':
          li.textContent = `${nameOf(ev.player)} left`;
          break;
        case 'respawn':
          li.textContent = `${nameOf(ev.player)} respawned`;
          break;
        default:
          continue;
      }
      li.className = ev.type;
      feed.append(li);
      setTimeout(() => li.remove(), FEED_MS);
    }
    while (feed.children.length > FEED_LINES) feed.firstElementChild.remove();
  },
};
