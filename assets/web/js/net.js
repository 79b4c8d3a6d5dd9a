// The player's WebSocket: binary frames only, Hello first, Welcome back, then
// messages both ways. When the connection drops after a Welcome it reconnects with
// exponential backoff and presents the resume token, so the server hands back the
// same player (within its grace period). A connection may also start from a resume
// token alone (a reload keeps the seat). A refused ticket or resume token, a
// version mismatch or a room that closed are final: no retry. Every `state` event
// carries the last close code and reason and whether that socket ever opened (a
// socket that never opened was refused: server down, or a 401 at the upgrade).
//
// The transport: WebTransport (wt_socket.js: snapshots as datagrams, inputs as
// datagrams carrying the newest INPUT_REDUNDANCY inputs, so a lost packet never holds
// back the ones behind it) when the browser has it and the join answer offers it,
// else WebSocket; `transport: 'ws'|'wt'` forces one. A WebTransport session that
// does not open (refused, blocked, or not within CONNECT_TIMEOUT_MS plus a few round
// trips of the join) falls back to WebSocket at once with the same ticket: the server
// checks it before accepting the session and uses it only at the Hello, so a session
// refused or given up redeemed nothing. `transportName` says which is in
// use ('WebTransport' or 'WebSocket').
//
// Protocol 5 carries no game types: the Welcome brings the game's schema
// (read and checked by the SDK) and config; this connection keeps them, so the pages go on
// speaking in objects: `send({Input: {input: {buttons, aim}}})` is encoded as the
// schema's input values, and Events arrive as `{type, <field>: value...}` objects.

import { parseSchema } from '../sdk/index.js';
import { DecodeError } from './bincode.js';
import { MAX_SERVER_FRAME, PROTOCOL_VERSION, decodeServer, encodeClient } from './protocol.js';
import { eventObject, inputValues } from './schema.js';
import { WtSocket, certHashes, webTransportAvailable, wtUrl } from './wt_socket.js';

const BACKOFF_MIN_MS = 250;
const BACKOFF_MAX_MS = 8000;
const FINAL_CODES = new Set(['version_mismatch', 'bad_ticket', 'bad_resume_token', 'room_closed', 'room_full', 'server_shutdown', 'schema_mismatch']);
// Close codes after which a reconnect cannot help: left or room finished, protocol
// errors, replaced by another connection of the same player (see README).
const FINAL_CLOSES = new Set([1000, 1002, 1003, 1008, 1009, 4001]);
// A resume token outlives a drop by the server's grace period (10 s by default);
// these attempts span well over that.
const MAX_ATTEMPTS = 8;
// Inputs per input datagram: the newest and the three before it (as native clients).
const INPUT_REDUNDANCY = 4;

/**
 * Events: `state` (detail: {state, reason}) with state one of connecting, connected,
 * reconnecting, closed; `welcome` (detail: the Welcome body, also after a resume,
 * with `descriptor` the parsed schema, `config` the parsed game config and `map`
 * its map name); `message` (detail: any other ServerMsg, Events named by the schema).
 */
export class GameConnection extends EventTarget {
  /** `url`: the ws:// URL with the ticket; `resumeUrl(token)`: where to reconnect;
   * `resume`: a resume token to start from instead of a ticket; `webtransport`: the
   * join answer's offer ({port, url, cert_sha256}) or null; `transport`: 'ws' or
   * 'wt' to force one, else the best available. */
  constructor({ url, ticket, resume, name, resumeUrl, webtransport = null, transport = 'auto', connectTimeoutMs }) {
    super();
    this.connectTimeoutMs = connectTimeoutMs;
    this.offer = webtransport;
    this.transportChoice = transport;
    /** Set once a WebTransport session failed to open: WebSocket from then on. */
    this.wtFailed = false;
    /** 'WebTransport' or 'WebSocket' (the socket last opened). */
    this.transportName = null;
    this.recentInputs = [];
    this.url = url;
    this.ticket = ticket;
    /** The newest resume token (from the last Welcome, or the one started from). */
    this.token = resume ?? null;
    /** The last socket's end: {code, reason, opened}. */
    this.lastClose = null;
    this.name = name;
    this.resumeUrl = resumeUrl;
    this.ws = null;
    this.welcome = null;
    /** The game's schema (parsed descriptor), from the Welcome. */
    this.schema = null;
    this.attempt = 0;
    this.stopped = false;
    this.retryTimer = null;
    this.bytesIn = 0;
  }

  setState(state, reason = '') {
    this.state = state;
    const detail = { state, reason, close: this.lastClose, error: this.finalError ?? null, transport: this.transportName };
    this.dispatchEvent(new CustomEvent('state', { detail }));
  }

  start() {
    if (this.ticket) this.connect(this.url, { Ticket: this.ticket });
    else this.connect(this.resumeUrl(this.token), { Resume: this.token });
  }

  /** Whether the next socket is a WebTransport session. */
  wantsWebTransport() {
    if (!this.offer || this.transportChoice === 'ws') return false;
    if (this.transportChoice === 'wt') return true;
    return !this.wtFailed && webTransportAvailable();
  }

  connect(url, auth) {
    this.setState(this.welcome ? 'reconnecting' : 'connecting');
    const webTransport = this.wantsWebTransport();
    let ws;
    try {
      if (webTransport) {
        ws = new WtSocket(wtUrl(this.offer, auth), {
          hashes: certHashes(this.offer.cert_sha256),
          timeoutMs: this.connectTimeoutMs,
        });
      } else {
        ws = new WebSocket(url);
        ws.binaryType = 'arraybuffer';
      }
    } catch (e) {
      this.lost(`cannot open ${url}: ${e.message}`);
      return;
    }
    this.ws = ws;
    this.recentInputs = [];
    let welcomed = false;
    let opened = false;
    ws.onopen = () => {
      opened = true;
      this.transportName = webTransport ? 'WebTransport' : 'WebSocket';
      // No schema hash: the page takes the game's schema from the Welcome.
      ws.send(encodeClient({ Hello: { version: PROTOCOL_VERSION, auth, name: this.name, schema: null } }));
    };
    ws.onmessage = (ev) => {
      if (!(ev.data instanceof ArrayBuffer)) {
        ws.close(4003, 'text frames are not part of the protocol');
        return;
      }
      this.bytesIn += ev.data.byteLength;
      let msg;
      try {
        msg = decodeServer(new Uint8Array(ev.data), MAX_SERVER_FRAME);
      } catch (e) {
        if (e instanceof DecodeError) {
          ws.close(4002, `undecodable frame: ${e.message}`.slice(0, 120));
          return;
        }
        throw e;
      }
      if (msg.Welcome) {
        let welcome;
        try {
          welcome = readWelcome(msg.Welcome);
        } catch (e) {
          this.stopped = true;
          ws.close(4002, `unusable Welcome: ${e.message}`.slice(0, 120));
          return;
        }
        welcomed = true;
        this.welcome = welcome;
        this.schema = welcome.descriptor;
        this.token = msg.Welcome.resume_token;
        this.attempt = 0;
        this.setState('connected');
        this.dispatchEvent(new CustomEvent('welcome', { detail: welcome }));
      } else if (msg.Error) {
        this.serverError = msg.Error;
        if (FINAL_CODES.has(msg.Error.code)) {
          this.stopped = true;
          this.finalError = msg.Error;
        }
        this.dispatchEvent(new CustomEvent('message', { detail: msg }));
      } else if (welcomed) {
        if (msg.Events) {
          const events = msg.Events.events.map((row) => eventObject(this.schema, row)).filter(Boolean);
          msg.Events = { ...msg.Events, events };
        }
        this.dispatchEvent(new CustomEvent('message', { detail: msg }));
      }
    };
    ws.onclose = (ev) => {
      if (this.ws !== ws) return;
      this.ws = null;
      if (webTransport && !opened && this.transportChoice !== 'wt' && !this.stopped) {
        // Refused or unreachable before the session opened: nothing was redeemed.
        this.wtFailed = true;
        this.fallback = ev.reason;
        this.connect(url, auth);
        return;
      }
      const why = this.serverError ? `${this.serverError.code}: ${this.serverError.reason}` : ev.reason || `closed (${ev.code})`;
      this.serverError = null;
      this.lastClose = { code: ev.code, reason: ev.reason, opened };
      if (FINAL_CLOSES.has(ev.code)) this.stopped = true;
      this.lost(why);
    };
  }

  lost(reason) {
    // Without a resume token there is nothing to resume (a ticket is single-use).
    if (this.stopped || !this.token || this.attempt >= MAX_ATTEMPTS) {
      this.stopped = true;
      this.setState('closed', reason);
      return;
    }
    const base = Math.min(BACKOFF_MAX_MS, BACKOFF_MIN_MS * 2 ** this.attempt);
    const delay = base / 2 + Math.random() * (base / 2);
    this.attempt += 1;
    this.setState('reconnecting', `${reason}; retrying in ${(delay / 1000).toFixed(1)} s`);
    this.retryTimer = setTimeout(() => {
      const token = this.token;
      this.connect(this.resumeUrl(token), { Resume: token });
    }, delay);
  }

  /** Stop for good without saying Leave (the page learned the seat is gone). */
  abandon(reason) {
    this.stopped = true;
    this.abandoned = true;
    clearTimeout(this.retryTimer);
    if (this.ws) {
      this.ws.close(1000, 'gone');
      this.ws = null;
    }
    this.setState('closed', reason);
  }

  /** Send a ClientMsg if connected; returns whether it was sent. An Input's `input`
   * may be an object keyed by the schema's input value names. */
  send(msg) {
    if (!this.ws || this.ws.readyState !== 1 || this.state !== 'connected') return false;
    if (msg.Input && !Array.isArray(msg.Input.input)) {
      msg = { Input: { ...msg.Input, input: inputValues(this.schema, msg.Input.input) } };
    }
    if (msg.Input && this.ws.sendDatagram) {
      // A datagram with the newest few inputs: a lost one is carried by the next.
      this.recentInputs.push(msg.Input);
      if (this.recentInputs.length > INPUT_REDUNDANCY) this.recentInputs.shift();
      if (this.ws.sendDatagram(encodeClient({ Inputs: this.recentInputs }))) return true;
    }
    this.ws.send(encodeClient(msg));
    return true;
  }

  /** Leave for good: say Leave, close, never reconnect. */
  close() {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    if (this.ws) {
      this.send('Leave');
      this.ws.close(1000, 'left');
      this.ws = null;
    }
    this.setState('closed', 'left');
  }

  /** Drop the socket as a network failure would (the client then resumes). */
  dropForTest() {
    if (this.ws) this.ws.close(4000, 'dropped by test');
  }
}

/** The Welcome with its schema descriptor and game config read (hostile data: a bad
 * one throws), and the map the config names. */
export function readWelcome(w) {
  const descriptor = parseSchema(w.schema);
  if (descriptor.name !== w.game) throw new Error(`the schema describes ${descriptor.name}, not ${w.game}`);
  let config;
  try {
    config = JSON.parse(w.config);
  } catch (e) {
    throw new Error(`game config is not JSON: ${e.message}`);
  }
  return { ...w, descriptor, config, map: mapName(config) };
}

/** The map a game config names (the arena's); '' for a game without maps. */
export function mapName(config) {
  const m = config?.map_name ?? config?.map?.name ?? config?.map;
  return typeof m === 'string' ? m : '';
}
