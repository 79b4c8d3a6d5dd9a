// The players' envelope: ClientMsg / ServerMsg of shared/src/protocol.rs as bincode
// bytes (js/bincode.js). Decoded messages have exactly the shape serde_json gives
// the Rust values (externally tagged: `{ Welcome: {...} }`, unit variants as a
// string), which is what the golden vectors in tests/browser/golden compare against,
// except that a schema hash (a u64) is its 16 hex digits, as `/api/games` lists it.
// Variant lists below are in declaration order: that order is the wire format.
//
// Protocol 5 knows no game: an input is the values of the game schema's input
// fields (`[i32...]`), an event a row `{event, values}` of the schema's events; the
// schema itself comes in the Welcome (js/schema.js reads it and names the rows).

import { DecodeError, Reader, Writer } from './bincode.js';
import { BUTTONS, PROTOCOL_VERSION } from './sim_constants.js';

export { BUTTONS, PROTOCOL_VERSION };

/** Bounds a server frame before decoding (same default as the native client). */
export const MAX_SERVER_FRAME = 1 << 20;

const ERROR_CODES = [
  'version_mismatch', 'bad_ticket', 'bad_resume_token', 'room_full', 'room_closed',
  'malformed', 'too_large', 'timeout', 'server_shutdown', 'internal', 'schema_mismatch',
];

function writeAuth(w, auth) {
  if ('Ticket' in auth) {
    w.variant(0);
    w.string(auth.Ticket);
  } else if ('Resume' in auth) {
    w.variant(1);
    w.string(auth.Resume);
  } else {
    throw new TypeError('auth must be {Ticket} or {Resume}');
  }
}

function writeInputCmd(w, { seq, ack, input, view }) {
  if (!Array.isArray(input)) throw new TypeError('an input is the schema\'s input values, an array of i32');
  w.u32(seq);
  w.option(ack, (w2, t) => w2.u32(t));
  w.varint(input.length);
  for (const v of input) w.i32(v);
  // The tick the player was looking at (lag compensation); null: the live world.
  w.option(view, (w2, t) => w2.u32(t));
}

/** Encode a ClientMsg (serde_json shape) to bytes. */
export function encodeClient(msg) {
  const w = new Writer();
  if (msg === 'Leave') {
    w.variant(3);
  } else if (msg.Hello) {
    w.variant(0);
    w.u16(msg.Hello.version);
    writeAuth(w, msg.Hello.auth);
    w.string(msg.Hello.name);
    // The schema hash the client was built for; null: it takes the Welcome's.
    w.option(msg.Hello.schema, (w2, h) => w2.u64Hex(h));
  } else if (msg.Input) {
    w.variant(1);
    writeInputCmd(w, msg.Input);
  } else if (msg.Inputs) {
    // The newest few inputs in one datagram (QUIC and WebTransport).
    w.variant(4);
    w.varint(msg.Inputs.length);
    for (const cmd of msg.Inputs) writeInputCmd(w, cmd);
  } else if (msg.Ping) {
    w.variant(2);
    w.u32(msg.Ping.nonce);
  } else {
    throw new TypeError(`not a ClientMsg: ${JSON.stringify(msg)}`);
  }
  return w.finish();
}

/** An EventRow: the event's index in the schema and its values. */
/** A `Vec<PlayerIdentity>` (the Welcome's roster, the Events' names). */
function readPlayers(r) {
  const m = r.len(3); // player, option tag, name length: a byte each at least
  const players = [];
  for (let i = 0; i < m; i++) {
    players.push({ player: r.u32(), sub: r.option((x) => x.string()), name: r.string() });
  }
  return players;
}

function readEventRow(r) {
  const event = r.u8();
  const n = r.len(1);
  const values = [];
  for (let i = 0; i < n; i++) values.push(r.i32());
  return { event, values };
}

/** Decode a ServerMsg; throws DecodeError on anything but one whole valid message. */
export function decodeServer(bytes, max = MAX_SERVER_FRAME) {
  if (bytes.length > max) {
    throw new DecodeError('too_large', `message of ${bytes.length} bytes exceeds the limit of ${max} bytes`);
  }
  const r = new Reader(bytes);
  const variant = r.variant();
  let msg;
  switch (variant) {
    case 0:
      msg = {
        Welcome: {
          player: r.u32(),
          entity: r.u32(),
          tick_rate: r.u16(),
          send_rate: r.u16(),
          resume_token: r.string(),
          game: r.string(),
          schema_hash: r.u64Hex(),
          schema: r.string(),
          config: r.string(),
          tick: r.u32(),
          sub: r.option((x) => x.string()),
          name: r.string(),
          players: readPlayers(r),
        },
      };
      break;
    case 1:
      msg = {
        Snapshot: {
          tick: r.u32(),
          baseline: r.option((x) => x.u32()),
          last_input: r.u32(),
          input_lead: r.i32(),
          body: r.bytesVec(),
        },
      };
      break;
    case 2:
      msg = { Pong: { nonce: r.u32(), tick: r.u32() } };
      break;
    case 3: {
      const tick = r.u32();
      const n = r.len(2); // event index and value count: a byte each at least
      const events = [];
      for (let i = 0; i < n; i++) events.push(readEventRow(r));
      msg = { Events: { tick, events, players: readPlayers(r) } };
      break;
    }
    case 4: {
      const c = r.variant();
      const code = ERROR_CODES[c];
      if (code === undefined) throw new DecodeError('malformed', `unknown ErrorCode variant ${c}`);
      msg = { Error: { code, reason: r.string() } };
      break;
    }
    default:
      throw new DecodeError('unknown_variant', `unknown message variant ${variant}`);
  }
  r.finish();
  return msg;
}
