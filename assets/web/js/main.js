// The browser client's entry: one page, three views chosen by the URL hash:
//   #/                  lobby
//   #/play/<room id>    play (from the lobby with a seat ticket; after a reload the
//                       seat kept in sessionStorage is resumed; a shared link
//                       without one joins the room as a new player)
//   #/spectate/<room id>[/<code>] spectate (EventSource only; a private room's code)
//   #/invite/<room id>/<code>  join a private room with its invite code
//   #/replays           recordings
//   #/replay/<id>       playback of a recording (spectate view + controls)
// The arena has its own views; every other game is spectated and replayed with the
// SDK (game_spectate.js: `window.tickcast.gameSpectate`), chosen by the room's or
// the recording's game.
// `window.tickcast` exposes the live views for the end-to-end tests.

import { getRoom } from './api.js';
import { GameSpectateView } from './game_spectate.js';
import { LobbyPage } from './lobby.js';
import { clearMessage } from './message.js';
import { PlayView } from './play.js';
import { ReplayView, ReplaysPage } from './replays.js';
import { Renderer } from './render.js';
import { loadSeat } from './seat.js';
import { SpectateView } from './spectate.js';

const canvas = document.getElementById('arena');
const renderer = new Renderer(canvas);
const play = new PlayView(renderer, canvas, {
  lobby() {
    location.hash = '#/';
  },
  rejoin(room, invite, name) {
    if (name) document.getElementById('player-name').value = name;
    lobby.join({ id: room.id, name: room.name }, invite ?? undefined, invite ? 'invite' : 'list').then((seated) => {
      if (!seated) location.hash = '#/';
    });
  },
});
const spectate = new SpectateView(renderer);
const replays = new ReplaysPage();
const gameSpectate = new GameSpectateView(canvas);
const replay = new ReplayView(spectate, gameSpectate);
let pendingJoin = null;

const lobby = new LobbyPage({
  onJoined(answer, name, invite) {
    pendingJoin = { answer, name, invite };
    const target = `#/play/${encodeURIComponent(answer.room?.id ?? '')}`;
    // A rejoin from the play view lands on the same hash: route by hand.
    if (location.hash === target) route();
    else location.hash = target;
  },
  onSpectate(room) {
    location.hash = `#/spectate/${encodeURIComponent(room.id)}`;
  },
});

function route() {
  const [, view, id, code] = location.hash.replace(/^#/, '').split('/');
  lobby.hide();
  play.stop();
  replay.stop();
  replays.hide();
  spectate.stop();
  gameSpectate.stop();
  document.getElementById('game-view').hidden = true;
  document.body.classList.remove('spectating');
  if (view === 'play' && id) {
    const roomId = decodeURIComponent(id);
    if (pendingJoin) {
      document.getElementById('game-view').hidden = false;
      play.start(pendingJoin.answer, pendingJoin.name, { invite: pendingJoin.invite });
      pendingJoin = null;
      return;
    }
    const seat = loadSeat(roomId);
    if (seat) {
      // A reload: come back to the seat the server holds for its resume grace.
      document.getElementById('game-view').hidden = false;
      play.start({ ws_url: seat.ws_url, room: seat.room, webtransport: seat.webtransport ?? null }, seat.name, { invite: seat.invite, resume: seat.token });
      return;
    }
    // A shared link: take a seat in that room as a new player.
    history.replaceState(null, '', '#/');
    lobby.show();
    lobby.join({ id: roomId, name: '' }, undefined, 'link');
  } else if (view === 'spectate' && id) {
    clearMessage();
    document.body.classList.add('spectating');
    document.getElementById('game-view').hidden = false;
    watch(decodeURIComponent(id), code && decodeURIComponent(code));
  } else if (view === 'invite' && id && code) {
    lobby.show();
    lobby.join({ id: decodeURIComponent(id), name: 'private room' }, decodeURIComponent(code), 'invite');
  } else if (view === 'replays') {
    clearMessage();
    replays.show();
  } else if (view === 'replay' && id) {
    clearMessage();
    document.body.classList.add('spectating');
    document.getElementById('game-view').hidden = false;
    replay.start(decodeURIComponent(id));
  } else {
    lobby.show();
  }
}

/** Spectate room `id`: the arena's view for an arena room (or a room the lobby
 * cannot describe: that view says why), else the SDK's. */
async function watch(id, invite) {
  const hash = location.hash;
  let room = null;
  try {
    room = await getRoom(id, invite);
  } catch {
    room = null;
  }
  if (location.hash !== hash) return;
  if (room && typeof room.game === 'string' && room.game !== 'arena') gameSpectate.start(room, invite);
  else spectate.start(id, invite);
}

window.addEventListener('hashchange', route);
route();
window.tickcast = { play, spectate, gameSpectate, lobby, renderer, replays, replay };
