// The lobby page: the room list (live from `GET /api/rooms/events`; polled every
// 2 s where that stream cannot be had), create, quick join, join, spectate. Joining asks the lobby API for a seat ticket and hands it to the play
// view; full rooms and other refusals are said in words on the message line.
// Creating a private room shows its invite link under the create form (kept until
// the next room is created); `#/invite/<id>/<code>` joins with it.

import { createRoom, inviteLink, joinErrorText, joinRoom, listRooms, matchmake, spectateLink } from './api.js';
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
  /** `onJoined(joinAnswer, name)` starts the play view; `onSpectate(room)` the spectate view. */
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
    source.addEventListener('room', read((room) => this.rooms.set(String(room.id), room)));
    source.addEventListener('removed', read((gone) => this.rooms.delete(String(gone.id))));
    source.addEventListener('error', () => {
      if (source.readyState !== EventSource.CLOSED || this.source !== source) return;
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
    document.getElementById('rooms-updated').textContent = `${how}, updated ${new Date().toLocaleTimeString()}`;
  }

  async refresh() {
    if (this.mode === 'live') return;
    let rooms;
    try {
      rooms = await listRooms();
    } catch (e) {
      document.getElementById('rooms-updated').textContent = `(cannot load rooms: ${e.message})`;
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
        const full = room.players >= room.max_players;
        const finished = room.state === 'finished';
        tr.append(
          cell(room.name),
          cell(room.map),
          cell(room.state, `state-${room.state}`),
          cell(`${room.players}/${room.max_players}`),
          cell(String(room.spectators ?? 0)),
          cell(String(room.drones ?? 0)),
        );
        const actions = cell('', 'actions');
        const join = document.createElement('button');
        join.textContent = full ? 'Full' : 'Join';
        join.disabled = full || finished;
        join.title = full ? 'This room is full' : '';
        join.addEventListener('click', () => this.join(room));
        const watch = document.createElement('button');
        watch.textContent = 'Spectate';
        watch.className = 'secondary';
        watch.disabled = finished;
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
      input.size = 60;
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

  async join(room, invite) {
    const name = playerName();
    try {
      const answer = await joinRoom(room.id, name, invite);
      clearMessage();
      this.onJoined(answer, name);
    } catch (e) {
      showError(joinErrorText(e, room.name));
      this.refresh();
    }
  }

  async quickJoin() {
    const name = playerName();
    try {
      const answer = await matchmake(name);
      clearMessage();
      this.onJoined(answer, name);
    } catch (e) {
      showError(`Quick join failed: ${e.message}`);
    }
  }

  async create(form) {
    const options = {};
    const name = String(form.get('name') || '').trim();
    if (name) options.name = name;
    const map = String(form.get('map') || '').trim();
    if (map) options.map = map;
    options.max_players = Number(form.get('max_players'));
    options.drones = Number(form.get('drones'));
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
