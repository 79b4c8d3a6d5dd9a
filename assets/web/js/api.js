// The lobby's JSON API (see README "HTTP surface"). Errors come back as
// `{"error": "..."}` with a status; ApiError carries both so pages can say what
// happened (409: the room is full, 404: it is gone, ...).

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
  }
}

/** How long the last API call took to answer (ms): a round trip or two to the
 * server, which the WebTransport connect timeout allows for. */
export let lastCallMs = null;

async function call(method, path, body) {
  let res;
  const started = performance.now();
  try {
    res = await fetch(path, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (e) {
    throw new ApiError(0, `cannot reach the server (${e.message})`);
  }
  lastCallMs = performance.now() - started;
  const text = await res.text();
  let json = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = null;
  }
  if (!res.ok) {
    const reason = json && typeof json.error === 'string' ? json.error : `${res.status} ${res.statusText}`;
    throw new ApiError(res.status, reason);
  }
  return json;
}

export const listRooms = () => call('GET', '/api/rooms');
const inviteQuery = (invite) => (invite ? `?invite=${encodeURIComponent(invite)}` : '');
export const getRoom = (id, invite) => call('GET', `/api/rooms/${encodeURIComponent(id)}${inviteQuery(invite)}`);
export const createRoom = (options) => call('POST', '/api/rooms', options);
// A private room needs its invite code (from the create answer or an invite link).
export const joinRoom = (id, name, invite) =>
  call('POST', `/api/rooms/${encodeURIComponent(id)}/join`, invite ? { name, invite } : { name });
/** Quick join; `game`: the game to play (the server's first game when absent). */
export const matchmake = (name, game) => call('POST', '/api/matchmake', game ? { name, game } : { name });
export const listGames = () => call('GET', '/api/games');
export const getMap = (name) => call('GET', `/api/maps/${encodeURIComponent(name)}`);

/** The shareable link that spectates private room `id` with its `invite` code. */
export function spectateLink(id, invite) {
  const url = new URL(location.href);
  url.hash = `#/spectate/${encodeURIComponent(id)}/${encodeURIComponent(invite)}`;
  return url.toString();
}

/** The shareable link that joins private room `id` with its `invite` code. */
export function inviteLink(id, invite) {
  const url = new URL(location.href);
  url.hash = `#/invite/${encodeURIComponent(id)}/${encodeURIComponent(invite)}`;
  return url.toString();
}

/** The WebSocket URL for a join answer's `ws_url` (absolute or relative). */
export function wsUrl(wsUrlFromServer) {
  const url = new URL(wsUrlFromServer, location.href);
  if (url.protocol === 'http:') url.protocol = 'ws:';
  if (url.protocol === 'https:') url.protocol = 'wss:';
  return url.toString();
}

/** A human sentence for a failed join of `room` ({id, name}); `how` the player
 * came ('list', 'link' or 'invite'). The server answers a private room without its
 * code exactly like a room that does not exist (404), so the words depend on what
 * the player had in hand. */
export function joinErrorText(err, room, how = 'list') {
  const label = room.name ? `"${room.name}"` : room.id;
  if (!(err instanceof ApiError)) return `Could not join: ${err.message}`;
  if (err.status === 0) return `Cannot reach the server: it may be restarting. Try again in a moment.`;
  if (err.status === 409) return `Room ${label} is full: pick another room or quick join.`;
  if (err.status === 404 && how === 'invite') {
    return `This invite link does not open a room: its code is wrong, or the room has ended. Ask for a new link.`;
  }
  if (err.status === 404 && how === 'link') {
    return `There is no room ${room.id}: it has ended, or it is private and needs its invite link.`;
  }
  if (err.status === 404) return `Room ${label} no longer exists: it ended. Pick another room or quick join.`;
  return `Could not join ${label}: ${err.message}`;
}
export const listReplays = () => call('GET', '/api/replays');
