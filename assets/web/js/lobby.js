// The lobby page: the room list (refreshed every 2 s), create, quick join, join,
// spectate. Joining asks the lobby API for a seat ticket and hands it to the play
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
    this.refresh();
    this.timer = setInterval(() => this.refresh(), REFRESH_MS);
  }

  hide() {
    document.getElementById('lobby-view').hidden = true;
    clearInterval(this.timer);
    this.timer = null;
  }

  async refresh() {
    let rooms;
    try {
      rooms = await listRooms();
    } catch (e) {
      document.getElementById('rooms-updated').textContent = `(cannot load rooms: ${e.message})`;
      return;
    }
    if (!this.timer) return;
    this.render(Array.isArray(rooms) ? rooms : []);
    document.getElementById('rooms-updated').textContent = `updated ${new Date().toLocaleTimeString()}`;
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
          cell(String(room.tick ?? 0)),
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
