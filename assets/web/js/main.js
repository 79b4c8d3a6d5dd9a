// The browser client's entry: one page, three views chosen by the URL hash:
//   #/                  lobby
//   #/play/<room id>    play (reached from the lobby with a seat ticket)
//   #/spectate/<room id>[/<code>] spectate (EventSource only; a private room's code)
//   #/invite/<room id>/<code>  join a private room with its invite code
//   #/replays           recordings
//   #/replay/<id>       playback of a recording (spectate view + controls)
// `window.tickcast` exposes the live views for the end-to-end tests.

import { LobbyPage } from './lobby.js';
import { clearMessage, showError } from './message.js';
import { PlayView } from './play.js';
import { ReplayView, ReplaysPage } from './replays.js';
import { Renderer } from './render.js';
import { SpectateView } from './spectate.js';

const canvas = document.getElementById('arena');
const renderer = new Renderer(canvas);
const play = new PlayView(renderer, canvas);
const spectate = new SpectateView(renderer);
const replays = new ReplaysPage();
const replay = new ReplayView(spectate);
let pendingJoin = null;

const lobby = new LobbyPage({
  onJoined(answer, name) {
    pendingJoin = { answer, name };
    location.hash = `#/play/${encodeURIComponent(answer.room?.id ?? '')}`;
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
  document.getElementById('game-view').hidden = true;
  document.body.classList.remove('spectating');
  if (view === 'play') {
    if (!pendingJoin) {
      // A reload or a shared link: there is no seat ticket, so go through the lobby.
      showError('Join a room from the lobby to play.');
      location.hash = '#/';
      return;
    }
    document.getElementById('game-view').hidden = false;
    play.start(pendingJoin.answer, pendingJoin.name);
    pendingJoin = null;
  } else if (view === 'spectate' && id) {
    clearMessage();
    document.body.classList.add('spectating');
    document.getElementById('game-view').hidden = false;
    spectate.start(decodeURIComponent(id), code && decodeURIComponent(code));
  } else if (view === 'invite' && id && code) {
    lobby.show();
    lobby.join({ id: decodeURIComponent(id), name: 'private room' }, decodeURIComponent(code));
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

window.addEventListener('hashchange', route);
route();
window.tickcast = { play, spectate, lobby, renderer, replays, replay };
