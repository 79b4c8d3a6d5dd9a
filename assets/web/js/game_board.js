// The side panel of any game's views, from its schema alone: a scoreboard of the
// fields whose render role is `score`, the other values of entities that have no
// position (a match clock, a phase), a legend of the kinds drawn (their colours as
// the SDK's renderer paints them, with counts), and game events in the feed as
// words. Nothing here knows a game or the network.

import { displayValue, formatValue } from '../sdk/index.js';

/** Team colours, as the SDK renderer paints the `team` role. */
const TEAM_COLOURS = ['#ef4444', '#3b82f6', '#22c55e', '#eab308'];
const FEED_LINES = 6;
const FEED_MS = 8000;

const el = (tag, text, className) => {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  if (className) node.className = className;
  return node;
};

const show = (v) => (typeof v === 'number' ? String(Math.round(v * 100) / 100) : Array.isArray(v) ? v.join(' ') || '-' : String(v));

export class GameBoard {
  constructor(root = document.getElementById('game-board')) {
    this.root = root;
    /** Display names by player id: they outlive a reset (a game module loading late). */
    this.names = new Map();
    this.reset(null, null);
  }

  /** Start over for `schema` drawn by `renderer` (null: hide the board). */
  reset(schema, renderer) {
    this.schema = schema;
    this.renderer = renderer;
    this.signature = '';
    this.root.replaceChildren();
    this.root.hidden = !schema;
    // Team labels by name (from any `team` field), to colour scores named after them.
    this.teams = new Map();
    for (const kind of schema?.kinds ?? []) {
      for (const f of kind.fields) if (f.hints.role === 'team') f.labels.forEach((l, i) => this.teams.set(l, i));
    }
  }

  /** Learn display names ({player, name}). */
  learn(players) {
    for (const p of Array.isArray(players) ? players : []) {
      if (p && typeof p.name === 'string') this.names.set(p.player >>> 0, p.name);
    }
  }

  nameOf(p) {
    return this.knownName(p) ?? `player ${p}`;
  }

  /** The display name of player `p`, if the events or keyframes told it. */
  knownName(p) {
    return this.names.get(p >>> 0);
  }

  /** Show a snapshot's scores, values and legend (rebuilt only when they change). */
  frame(snapshot) {
    if (!this.schema || !snapshot) return;
    const scores = [];
    const status = [];
    const legend = new Map();
    for (const row of snapshot.rows) {
      const kind = this.schema.kinds[row.kind];
      const roles = this.renderer.roles[row.kind];
      if (!kind || !roles) continue;
      const scoreFields = kind.fields.filter((f) => f.hints.role === 'score' && f.width === 1);
      if (scoreFields.length > 1) {
        for (const f of scoreFields) {
          const label = f.name.replace(/^score[_-]?/, '') || f.name;
          const team = this.teams.get(label);
          scores.push({ who: label, score: displayValue(f, row.values), colour: team === undefined ? null : TEAM_COLOURS[team % TEAM_COLOURS.length], field: f });
        }
      } else if (scoreFields.length === 1) {
        const owner = roles.owner ? displayValue(roles.owner, row.values) : 0;
        const who = owner ? this.nameOf(owner) : `${kind.name} #${row.id}`;
        scores.push({ who, score: displayValue(scoreFields[0], row.values), colour: roles.position ? this.renderer.colour(row, roles) : null, field: scoreFields[0] });
      }
      if (!roles.position) {
        const values = kind.fields.filter((f) => !scoreFields.includes(f)).map((f) => `${f.name} ${this.renderer.show(f, row.values)}`);
        if (values.length) status.push(`${kind.name}: ${values.join(', ')}`);
        continue;
      }
      const colour = this.renderer.colour(row, roles);
      const team = roles.team ? ` (${show(displayValue(roles.team, row.values))})` : '';
      const key = `${kind.name}${team}`;
      const entry = legend.get(key) ?? { colour, count: 0 };
      entry.count += 1;
      legend.set(key, entry);
    }
    scores.sort((a, b) => b.score - a.score);
    const signature = JSON.stringify([scores.map(({ field, ...s }) => s), status, [...legend]]);
    if (signature === this.signature) return;
    this.signature = signature;
    this.root.replaceChildren(
      el('h3', 'Score'),
      this.list('scores', scores.map((s) => [s.colour, s.who, formatValue(s.field, s.score, this.renderer.options)])),
      ...(status.length ? [this.list('status', status.map((s) => [null, s, '']))] : []),
      el('h3', 'Legend'),
      this.list('legend', [...legend].map(([name, e]) => [e.colour, name, String(e.count)])),
    );
  }

  /** A list of [colour, text, number] lines. */
  list(className, lines) {
    const ul = el('ul', undefined, className);
    for (const [colour, text, number] of lines) {
      const li = el('li');
      const dot = el('span', '', 'dot');
      if (colour) dot.style.background = colour;
      else dot.hidden = true;
      li.append(dot, el('span', text, 'who'), el('b', number, 'num'));
      ul.append(li);
    }
    return ul;
  }

  /** Game events (`{type, <value>: ...}` objects, as net.js names them, or event
   * rows `{event, values}`) as lines of the feed. */
  events(events, players) {
    this.learn(players);
    const feed = document.getElementById('feed');
    for (const ev of Array.isArray(events) ? events : []) {
      const text = this.describeEvent(ev);
      if (!text) continue;
      const li = el('li', text, `game-event ${ev.type ?? ''}`);
      feed.append(li);
      setTimeout(() => li.remove(), FEED_MS);
    }
    while (feed.children.length > FEED_LINES) feed.firstElementChild.remove();
  }

  describeEvent(ev) {
    const row = Array.isArray(ev?.values) ? ev : null;
    const event = row ? this.schema?.events[ev.event] : this.schema?.events.find((e) => e.name === ev?.type);
    if (!event) return null;
    const parts = event.fields.map((f) => {
      const v = row ? displayValue(f, row.values) : ev[f.name];
      const named = f.codec.type === 'enum' && typeof v === 'number' ? f.labels[v] ?? v : v;
      return `${f.name} ${f.codec.type === 'ref' && f.codec.target === 'player' ? (named ? this.nameOf(named) : 'nobody') : show(named)}`;
    });
    return `${event.name.replace(/_/g, ' ')}${parts.length ? `: ${parts.join(', ')}` : ''}`;
  }
}
