// The scoreboard of the spectate and replay views: one row per player in the
// world, best score first. Score and hp come from the frames (the game scores one
// point per kill); kills and deaths are counted from the `kill` game events this
// view has seen since it started (a late viewer, or a seek, starts them at 0), which
// is all the game tells a spectator about deaths. Names come with keyframes (the
// roster of who is in the room) and with the game events (`players`: the display
// names of the players they mention); a player neither has named yet shows as
// "player N". Nothing here knows the network.

import { FLAG_DEAD } from './sim_constants.js';

/** Player `p` as the views name a player whose display name they do not know. */
export const playerName = (p) => `player ${p}`;

function td(text, className) {
  const cell = document.createElement('td');
  cell.textContent = text;
  if (className) cell.className = className;
  return cell;
}

export class Scoreboard {
  constructor(table = document.getElementById('scoreboard')) {
    this.table = table;
    this.body = table.querySelector('tbody');
    this.reset();
  }

  /** Forget counts and rows (a new stream). */
  reset() {
    this.kills = new Map();
    this.deaths = new Map();
    this.names = new Map();
    this.rows = [];
    this.signature = '';
    this.body.replaceChildren();
    this.table.hidden = true;
  }

  /** The display name of player `p`, as far as the game events told it. */
  nameOf(p) {
    return this.names.get(p) ?? playerName(p);
  }

  /** Learn display names (`[{player, name}]`: a keyframe's roster, a game event's players). */
  learn(players) {
    for (const who of players ?? []) {
      if (typeof who?.name === 'string' && who.name !== '') this.names.set(who.player, who.name);
    }
  }

  /** Learn the names of a tick's game events (`players`) and count their kills and deaths. */
  gameEvents(events, players) {
    this.learn(players);
    for (const ev of events ?? []) {
      if (ev?.type !== 'kill') continue;
      this.kills.set(ev.killer, (this.kills.get(ev.killer) ?? 0) + 1);
      this.deaths.set(ev.victim, (this.deaths.get(ev.victim) ?? 0) + 1);
    }
    this.render(this.rows);
  }

  /** The players of a frame's entities (`{kind, owner, score, hp, flags}`). */
  frame(entities) {
    const rows = entities
      .filter((e) => e.kind === 'player')
      .map((e) => ({ player: e.owner, score: e.score, hp: e.hp, dead: (e.flags & FLAG_DEAD) !== 0 }))
      .sort((a, b) => b.score - a.score || a.player - b.player);
    this.render(rows);
  }

  render(rows) {
    this.rows = rows;
    const lines = rows.map((r) => ({
      ...r,
      name: this.nameOf(r.player),
      kills: this.kills.get(r.player) ?? 0,
      deaths: this.deaths.get(r.player) ?? 0,
    }));
    // Rebuild the rows only when something shown changed (frames come at 10 Hz).
    const signature = JSON.stringify(lines);
    if (signature === this.signature) return;
    this.signature = signature;
    this.body.replaceChildren(
      ...lines.map((r) => {
        const tr = document.createElement('tr');
        tr.dataset.player = String(r.player);
        tr.append(
          td(r.name),
          td(String(r.score), 'num'),
          td(`${r.kills}/${r.deaths}`, 'num'),
          td(r.dead ? 'dead' : String(r.hp), r.dead ? 'num dead' : 'num'),
        );
        return tr;
      }),
    );
    this.table.hidden = lines.length === 0;
  }
}
