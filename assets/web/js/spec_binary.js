// The spectator's world from the compact feed (`?format=binary`) of any game:
// keyframe and delta events carry the players' range-coded snapshot bodies in
// base64, decoded by a function the view gives (the SDK's decoder with the game's
// schema; the arena's views read its rows as entities, snapshot.js). Same rules
// as BinaryState/RowState in shared/src/spectate and as SpecState (JSON): a
// keyframe replaces the state, a delta applies only on the snapshot it was made
// against, a frame not newer than the state is skipped, `reset` drops the state. A
// keyframe whose body does not decode is an UndecodableError (a stream of another
// game or format, which a view may say rather than reopen), a delta that does not
// a GapError.

import { GapError } from './spec_state.js';

/** A keyframe that does not decode by the game's schema. */
export class UndecodableError extends GapError {
  constructor(message) {
    super(message);
    this.name = 'UndecodableError';
  }
}

/** Longest base64 text accepted (16 MiB, as the Rust side). */
const MAX_DATA = 16 << 20;
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const LOOKUP = new Int16Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) LOOKUP[ALPHABET.charCodeAt(i)] = i;

/** Base64 (standard, padded) to bytes: `Uint8Array.fromBase64` where the browser
 * has it, else a small decoder. Throws GapError on bad input. */
export function fromBase64(text, native = Uint8Array.fromBase64) {
  if (text.length > MAX_DATA) throw new GapError('frame too large');
  if (native) {
    try {
      return native.call(Uint8Array, text);
    } catch {
      throw new GapError('bad base64');
    }
  }
  return decodeBase64(text);
}

/** The fallback decoder (exported for tests). */
export function decodeBase64(text) {
  const s = text.replace(/=+$/, '');
  if (s.length % 4 === 1 || text.length % 4 !== 0) throw new GapError('bad base64');
  const out = new Uint8Array(Math.floor((s.length * 3) / 4));
  let acc = 0;
  let bits = 0;
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const v = c < 128 ? LOOKUP[c] : -1;
    if (v < 0) throw new GapError('bad base64');
    acc = (acc << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[n++] = (acc >> bits) & 0xff;
    }
  }
  return out;
}

export class BinarySpecState {
  /** `decode(baseline, bytes)`: the snapshot (with its `tick`) a body gives on
   * `baseline` (null: a keyframe); it throws on a bad body. */
  constructor(decode) {
    this.decodeBody = decode;
    this.snap = null;
    this.tick = null;
    this.tickRate = null;
    this.mapName = null;
    /** The game the keyframe names ('' for an older stream that names none). */
    this.game = null;
    /** The newest keyframe's `players`: `{player, name}` of who is in the room. */
    this.players = [];
    this.ended = false;
  }

  /** Apply one event: `name` from `event:`, `text` its raw `data:`, `id` its
   * `lastEventId` (a number; frames carry `tick * 4 + 1`). Returns 'frame',
   * 'stale', 'game', 'end' or 'reset'; throws GapError when a frame does not fit
   * (UndecodableError for a keyframe), SyntaxError for a keyframe not JSON. */
  apply(name, text, id) {
    switch (name) {
      case 'game':
        return 'game';
      case 'end':
        this.ended = true;
        return 'end';
      case 'reset':
        this.snap = null;
        this.tick = null;
        return 'reset';
      case 'keyframe': {
        const k = JSON.parse(text);
        let snap;
        try {
          snap = this.decodeBody(null, fromBase64(String(k?.body ?? '')));
        } catch (e) {
          throw new UndecodableError(e.message);
        }
        if (this.tick !== null && this.tick >= snap.tick) return 'stale';
        this.set(snap);
        this.tickRate = Number.isFinite(k.tick_rate) && k.tick_rate > 0 ? k.tick_rate : 60;
        this.mapName = typeof k.map === 'string' ? k.map : null;
        this.game = typeof k.game === 'string' ? k.game : '';
        this.players = Array.isArray(k.players) ? k.players : [];
        return 'frame';
      }
      case 'delta': {
        if (this.snap === null) throw new GapError('delta before any keyframe');
        if (Number.isFinite(id) && Math.floor(id / 4) <= this.tick) return 'stale';
        let snap;
        try {
          snap = this.decodeBody(this.snap, fromBase64(text));
        } catch (e) {
          throw e instanceof GapError ? e : new GapError(e.message);
        }
        this.set(snap);
        return 'frame';
      }
      default:
        throw new GapError(`unknown event ${name}`);
    }
  }

  set(snap) {
    this.snap = snap;
    this.tick = snap.tick;
  }
}
