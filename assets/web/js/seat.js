// The seat this tab holds, kept in sessionStorage so that a reload (or the same
// tab coming back to `#/play/<id>`) resumes the same player within the server's
// resume grace instead of losing it: the room, the WebSocket URL (and the
// WebTransport offer, when the server made one), the player's
// name, a private room's invite code and the newest resume token.

const KEY = 'tickcast.seat';

/** Remember `seat` ({room: {id, name}, ws_url, webtransport, name, invite, token}). */
export function saveSeat(seat) {
  try {
    sessionStorage.setItem(KEY, JSON.stringify(seat));
  } catch {
    // Storage refused (private mode, quota): a reload then goes through the lobby.
  }
}

/** The seat held in room `roomId`, or null. */
export function loadSeat(roomId) {
  let seat = null;
  try {
    seat = JSON.parse(sessionStorage.getItem(KEY) || 'null');
  } catch {
    return null;
  }
  if (!seat || typeof seat !== 'object' || typeof seat.token !== 'string' || typeof seat.ws_url !== 'string') return null;
  if (String(seat.room?.id) !== String(roomId)) return null;
  return seat;
}

/** Forget the seat (left the room, or it is gone). */
export function forgetSeat() {
  try {
    sessionStorage.removeItem(KEY);
  } catch {
    // nothing kept
  }
}
