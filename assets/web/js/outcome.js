// What the play view tells the player when the connection falters or ends, in
// plain words, with the ways back (back to the lobby, rejoin the room, try again):
// the server restarting (close 1001), the match ended (close 1000, or the room
// gone after a restart), the seat expired (the resume refused), the server not
// coming back. A socket that never opened cannot say why (a browser does not show
// the HTTP status of a refused upgrade), so the lobby is asked whether the room is
// still there.

import { ApiError, getRoom } from './api.js';

/** The overlay over the arena that says what happened and offers the way back. */
export class EndPanel {
  constructor() {
    this.box = document.getElementById('ended');
    this.title = document.getElementById('ended-title');
    this.text = document.getElementById('ended-text');
    this.actions = document.getElementById('ended-actions');
  }

  /** `kind`: a word the tests and styles key on (restarting, ended, expired,
   * unreachable, lost); `actions`: [{label, run}]. */
  show(kind, title, text, actions = []) {
    this.box.dataset.kind = kind;
    this.title.textContent = title;
    this.text.textContent = text;
    this.actions.replaceChildren(
      ...actions.map(({ label, run }, i) => {
        const b = document.createElement('button');
        b.type = 'button';
        b.textContent = label;
        if (i > 0) b.className = 'secondary';
        b.addEventListener('click', run);
        return b;
      }),
    );
    this.box.hidden = false;
  }

  hide() {
    this.box.hidden = true;
    delete this.box.dataset.kind;
  }

  get kind() {
    return this.box.hidden ? null : this.box.dataset.kind;
  }
}

/** Whether room `id` is still there: 'there', 'gone' (404), or 'unreachable'
 * (no answer, or one that tells nothing about the room, e.g. 429 or 503). */
export async function probeRoom(id, invite) {
  try {
    await getRoom(id, invite);
    return 'there';
  } catch (e) {
    if (e instanceof ApiError && e.status === 404) return 'gone';
    return 'unreachable';
  }
}

/** The words for a connection state `detail` ({state, reason, close, error}) that
 * needs none of the lobby's help, or null: {kind, title, text, final}. */
export function plainWords(detail, roomName) {
  const { state, close, error } = detail;
  const room = roomName ? `"${roomName}"` : 'the room';
  if (error?.code === 'bad_resume_token') {
    return {
      kind: 'expired',
      title: 'Your seat expired',
      text: `You were away longer than the server holds a seat, so your player in ${room} was let go (${error.reason}). Rejoin to play on as a new player.`,
      final: true,
    };
  }
  if (error?.code === 'room_closed' || (state === 'closed' && close?.code === 1000)) {
    const why = error?.reason || close?.reason || 'room finished';
    return { kind: 'ended', title: 'The match ended', text: `The match in ${room} is over (${why}).`, final: true };
  }
  if (close?.code === 1001 && close.opened) {
    return {
      kind: 'restarting',
      title: 'The server is restarting',
      text: `The server said "${close.reason || 'going away'}". Trying to get your seat back when it is up again…`,
      final: state === 'closed',
    };
  }
  return null;
}
