// The lobby page: the room list (live from `GET /api/rooms/events`; polled every
// 2 s where that stream cannot be had), create, quick join, join, spectate. Joining asks the lobby API for a seat ticket and hands it to the play
// view; full rooms and other refusals are said in words on the message line.
// Creating a private room shows its invite link under the create form (kept until
// the next room is created) and hands it to the play view, which shows it at once;
// `#/invite/<id>/<code>` joins with it. When the server cannot be reached the list
// says "offline" and its rows are dimmed and cannot be joined.
// The server's games (`GET /api/games`) fill the game selector beside quick join
// (the first is the default); quick join and the create form use the game selected; each row
// names its room's game. The arena's own fields (map, drones) show only for it.

import { createRoom, inviteLink, joinErrorText, joinRoom, listGames, listRooms, matchmake, spectateLink } from './api.js';
import { clearMessage, showError, showMessage } from './message.js';

const REFRESH_MS = 2000;
const NAME_KEY = 'tickcast.name';

export function playerName() {
  const input = document.getElementById('player-name');
  let name = input.value.trim();
  if (!name) {
    name = `player-${Math.floor(Math.random() * 9000 + 1000)}`;
    input.value = name;
  }
  localStorage.setItem(NAME_KEY, name);
  return name;
}

export function cell(text, className) {
  const td = document.createElement('td');
  td.textContent = text;
  if (className) td.className = className;
  return td;
}

export class LobbyPage {
  /** `onJoined(joinAnswer, name, invite)` starts the play view; `onSpectate(room)`
   * the spectate view. */
  constructor({ onJoined, onSpectate }) {
    this.onJoined = onJoined;
    this.onSpectate = onSpectate;
    this.timer = null;
    this.source = null;
    /** How the list is kept fresh: 'live' (the event stream) or 'polling'. */
    this.mode = null;
    /** The rooms the stream has told of, by id, in list order. */
    this.rooms = new Map();
    document.getElementById('player-name').value = localStorage.getItem(NAME_KEY) || '';
    document.getElementById('quick-join').addEventListener('click', () => this.quickJoin());
    document.getElementById('create-form').addEventListener('submit', (e) => {
      e.preventDefault();
      this.create(new FormData(e.target));
    });
    this.gameSelect = document.getElementById('create-game');
    this.gameSelect.addEventListener('change', () => this.gameChosen());
    this.loadGames();
  }

  /** Fill the game selector from the server (the first game is the default). */
  async loadGames() {
    let games;
    try {
      games = await listGames();
    } catch {
      return; // the default option stays: the server's first game
    }
    if (!Array.isArray(games) || !games.length) return;
    this.gameSelect.replaceChildren(
      ...games
        .filter((g) => g && typeof g.name === 'string')
        .map((g) => {
          const option = document.createElement('option');
          option.value = g.name;
          option.textContent = g.name;
          option.title = typeof g.description === 'string' ? g.description : '';
          return option;
        }),
    );
    this.gameChosen();
  }

  /** The game selected in the create form ('' before the list has loaded). */
  selectedGame() {
    return this.gameSelect.value;
  }

  gameChosen() {
    const game = this.selectedGame();
    const arena = !game || game === 'arena';
    for (const el of document.querySelectorAll('#create-form .arena-only')) el.hidden = !arena;
    this.gameSelect.title = this.gameSelect.selectedOptions[0]?.title ?? '';
  }

  show() {
    document.getElementById('lobby-view').hidden = false;
    this.signature = null;
    this.visible = true;
    if (typeof EventSource === 'function') this.listen();
    else this.poll();
  }

  hide() {
    document.getElementById('lobby-view').hidden = true;
    this.visible = false;
    this.source?.close();
    this.source = null;
    clearInterval(this.timer);
    this.timer = null;
  }

  /** Follow the room list's event stream; the browser resumes it by itself after
   * a dropped connection (with Last-Event-ID), and a stream the server refuses
   * (closed for good) falls back to polling. */
  listen() {
    this.mode = 'live';
    const source = new EventSource('/api/rooms/events');
    this.source = source;
    const read = (handler) => (e) => {
      let data;
      try {
        data = JSON.parse(e.data);
      } catch {
        return;
      }
      handler(data);
      this.render([...this.rooms.values()]);
      this.updated('live');
    };
    source.addEventListener('rooms', read((list) => {
      this.rooms = new Map((Array.isArray(list) ? list : []).map((r) => [String(r.id), r]));
    }));
    source.addEventListener('open', () => this.setOffline(false));
    source.addEventListener('room', read((room) => this.rooms.set(String(room.id), room)));
    source.addEventListener('removed', read((gone) => this.rooms.delete(String(gone.id))));
    source.addEventListener('error', () => {
      if (this.source !== source) return;
      if (source.readyState === EventSource.CONNECTING) {
        // The browser retries by itself; meanwhile the rows shown may be stale.
        this.setOffline(true);
        return;
      }
      if (source.readyState !== EventSource.CLOSED) return;
      this.source = null;
      if (this.visible) this.poll();
    });
  }

  poll() {
    this.mode = 'polling';
    this.refresh();
    this.timer = setInterval(() => this.refresh(), REFRESH_MS);
  }

  updated(how) {
    this.setOffline(false);
    document.getElementById('rooms-updated').textContent = `${how}, updated ${new Date().toLocaleTimeString()}`;
  }

  /** Say the server cannot be reached (and dim the rows, which may be stale), or
   * that it can again. */
  setOffline(offline) {
    this.offline = offline;
    const table = document.getElementById('rooms');
    table.classList.toggle('offline', offline);
    for (const b of table.querySelectorAll('td.actions button')) b.disabled = offline || b.dataset.disabled === 'true';
    if (offline) {
      document.getElementById('rooms-updated').textContent = 'offline: cannot reach the server, retrying…';
    }
  }

  async refresh() {
    if (this.mode === 'live') return;
    let rooms;
    try {
      rooms = await listRooms();
    } catch (e) {
      if (e.status === 0) this.setOffline(true);
      else document.getElementById('rooms-updated').textContent = `(cannot load rooms: ${e.message})`;
      return;
    }
    if (!this.timer) return;
    this.render(Array.isArray(rooms) ? rooms : []);
    this.updated('polled');
  }

  render(rooms) {
    // Rebuild the rows only when something changed, so a click never lands on a
    // row that is being replaced.
    const signature = JSON.stringify(rooms);
    if (signature === this.signature) return;
    this.signature = signature;
    const body = document.querySelector('#rooms tbody');
    body.replaceChildren(
      ...rooms.map((room) => {
        const tr = document.createElement('tr');
        tr.dataset.roomId = String(room.id);
        // A seat promised to a player who is joining (an outstanding ticket) is
        // not free, though nobody plays in it yet.
        const free = typeof room.free_seats === 'number' ? room.free_seats : room.max_players - room.players;
        const full = free <= 0;
        const finished = room.state === 'finished';
        tr.append(
          cell(room.name, 'name'),
          // Only the arena plays on maps.
          cell(room.game && room.game !== 'arena' ? '-' : room.map, 'wide'),
          cell(room.state, `state-${room.state}`),
          cell(`${room.players}/${room.max_players}`),
          cell(String(room.spectators ?? 0), 'wide'),
          cell(String(room.drones ?? 0), 'wide'),
          cell(typeof room.game === 'string' ? room.game : '-', 'wide game'),
        );
        const actions = cell('', 'actions');
        const join = document.createElement('button');
        join.textContent = full ? 'Full' : 'Join';
        join.dataset.disabled = String(full || finished);
        join.disabled = full || finished || this.offline;
        join.title = full ? (room.players < room.max_players ? 'Every seat is taken or promised to a player joining' : 'This room is full') : '';
        join.addEventListener('click', () => this.join(room, undefined, 'list'));
        const watch = document.createElement('button');
        watch.textContent = 'Spectate';
        watch.className = 'secondary';
        watch.dataset.disabled = String(finished);
        watch.disabled = finished || this.offline;
        watch.addEventListener('click', () => this.onSpectate(room));
        actions.append(join, watch);
        tr.append(actions);
        return tr;
      }),
    );
    document.getElementById('no-rooms').hidden = rooms.length > 0;
  }

  /** Show (and keep) the invite link of a private room just created. */
  showInvite(room) {
    let box = document.getElementById('invite-link');
    if (!box) {
      box = document.createElement('p');
      box.id = 'invite-link';
      const label = document.createElement('span');
      label.textContent = 'Invite link (private room): ';
      const input = document.createElement('input');
      input.readOnly = true;
      input.addEventListener('focus', () => input.select());
      const watch = document.createElement('a');
      watch.className = 'spectate-link';
      watch.textContent = ' spectate';
      box.append(label, input, watch);
      document.getElementById('create-form').after(box);
    }
    box.querySelector('input').value = inviteLink(room.id, room.invite);
    box.querySelector('a.spectate-link').href = spectateLink(room.id, room.invite);
    box.dataset.roomId = String(room.id);
    box.hidden = false;
  }

  /** Join `room` ({id, name}); `how` the player came: 'list' (a row of the
   * list), 'link' (a shared `#/play/<id>` link) or 'invite' (an invite link), so a
   * refusal can say what it means. Resolves with whether a seat was had. */
  async join(room, invite, how = invite ? 'invite' : 'list') {
    const name = playerName();
    try {
      const answer = await joinRoom(room.id, name, invite);
      clearMessage();
      this.onJoined(answer, name, invite ?? null);
      return true;
    } catch (e) {
      showError(joinErrorText(e, room, how));
      this.refresh();
      return false;
    }
  }

  async quickJoin() {
    const name = playerName();
    try {
      const answer = await matchmake(name, this.selectedGame() || undefined);
      clearMessage();
      this.onJoined(answer, name, null);
    } catch (e) {
      showError(`Quick join failed: ${e.message}`);
    }
  }

  async create(form) {
    const options = {};
    const game = this.selectedGame();
    if (game) options.game = game;
    const arena = !game || game === 'arena';
    const name = String(form.get('name') || '').trim();
    if (name) options.name = name;
    const map = String(form.get('map') || '').trim();
    if (map && arena) options.map = map;
    options.max_players = Number(form.get('max_players'));
    if (arena) options.drones = Number(form.get('drones'));
    options.private = form.get('private') === 'on';
    let room;
    try {
      room = await createRoom(options);
    } catch (e) {
      showError(`Could not create the room: ${e.message}`);
      return;
    }
    showMessage(`Created room "${room.name}".`);
    if (room.invite) this.showInvite(room);
    await this.join(room, room.invite);
  }
}
