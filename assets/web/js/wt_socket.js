// The player's WebTransport session, shaped like the WebSocket that net.js drives
// (readyState, onopen, onmessage with an ArrayBuffer, onclose with {code, reason},
// send, close), so one connection class serves both transports.
//
// The session speaks the native QUIC protocol (shared/src/quic.rs): the page opens
// one bidirectional stream for control messages, each a 4-byte little-endian length
// and the envelope; snapshots arrive as datagrams, whole or in fragments
// (fragments.js), or (rarely: too many fragments) on a unidirectional stream of
// their own; `sendDatagram` carries inputs. The server checks the ticket in the URL
// before it accepts the session and uses it only at the Hello, so a session refused
// or given up has redeemed nothing and the page may present the same ticket over
// WebSocket. Everything from the network is
// bounded before it is kept: a control frame over MAX_SERVER_FRAME closes.

import { Reassembler, isFragment } from './fragments.js';
import { MAX_SERVER_FRAME } from './protocol.js';

const LEN_PREFIX = 4;
/** How long a session may take to open before the page falls back to WebSocket. */
export const CONNECT_TIMEOUT_MS = 1000;
/** Close code the page reports for a session that ended without a close of its own. */
const LOST = 1006;

/** Whether this browser has WebTransport at all. */
export function webTransportAvailable() {
  return typeof globalThis.WebTransport === 'function';
}

/** The session URL for a join answer's `webtransport` offer and an auth
 * ({Ticket} or {Resume}); the host is the offer's (in a cluster, the room's node),
 * else the page's. */
export function wtUrl(offer, auth) {
  const host = typeof offer.host === 'string' && offer.host ? offer.host : location.hostname;
  // An IPv6 literal goes in brackets (location.hostname already has them).
  const bracketed = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  const base = `https://${bracketed}:${offer.port}`;
  if (auth.Resume) return `${base}/wt?${new URLSearchParams({ resume: auth.Resume })}`;
  return new URL(offer.url, base).toString();
}

/** `serverCertificateHashes` from the offer's lowercase hex SHA-256s (empty when the
 * server has a CA-signed certificate). */
export function certHashes(hexes = []) {
  return hexes
    .filter((h) => typeof h === 'string' && /^[0-9a-f]{64}$/.test(h))
    .map((h) => ({ algorithm: 'sha-256', value: Uint8Array.from(h.match(/../g), (x) => parseInt(x, 16)) }));
}

export class WtSocket {
  /** Open a session at `url`; `hashes`: serverCertificateHashes. */
  constructor(url, { hashes = [], timeoutMs = CONNECT_TIMEOUT_MS } = {}) {
    timeoutMs = timeoutMs ?? CONNECT_TIMEOUT_MS;
    this.url = url;
    this.transportName = 'WebTransport';
    this.readyState = 0;
    this.onopen = null;
    this.onmessage = null;
    this.onclose = null;
    this.fragments = new Reassembler({ maxBytes: MAX_SERVER_FRAME });
    this.open(hashes, timeoutMs);
  }

  async open(hashes, timeoutMs) {
    let timer;
    const late = new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no WebTransport session within ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      this.t = new WebTransport(this.url, hashes.length ? { serverCertificateHashes: hashes } : {});
      // A refusal surfaces through `ready` as well; keep `closed` from going unhandled.
      this.t.closed.catch(() => {});
      await Promise.race([this.t.ready, late]);
      const stream = await Promise.race([this.t.createBidirectionalStream(), late]);
      this.control = stream.writable.getWriter();
      this.datagrams = this.t.datagrams.writable.getWriter();
      this.readControl(stream.readable.getReader());
      this.readDatagrams(this.t.datagrams.readable.getReader());
      this.readStreams(this.t.incomingUnidirectionalStreams.getReader());
    } catch (e) {
      clearTimeout(timer);
      try {
        this.t?.close({ closeCode: 0, reason: 'gave up' });
      } catch {
        // already gone
      }
      this.finish(LOST, `WebTransport: ${e?.message ?? e}`);
      return;
    }
    clearTimeout(timer);
    if (this.readyState !== 0) {
      // Closed by the page while it was opening.
      this.t.close({ closeCode: 1000, reason: 'gone' });
      return;
    }
    this.readyState = 1;
    this.t.closed.then(
      (info) => this.finish(info?.closeCode ?? LOST, info?.reason ?? ''),
      (e) => this.finish(LOST, e?.message ?? 'connection lost'),
    );
    this.onopen?.();
  }

  /** The largest datagram the session takes now (0: none). */
  get maxDatagramSize() {
    return this.readyState === 1 ? (this.t.datagrams.maxDatagramSize ?? 0) : 0;
  }

  deliver(bytes) {
    if (this.readyState !== 1) return;
    const data = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
    this.onmessage?.({ data });
  }

  /** Length-prefixed control frames, bounded before the body is kept. */
  async readControl(reader) {
    let buf = new Uint8Array(0);
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        const joined = new Uint8Array(buf.length + value.length);
        joined.set(buf);
        joined.set(value, buf.length);
        buf = joined;
        while (buf.length >= LEN_PREFIX) {
          const len = new DataView(buf.buffer, buf.byteOffset, LEN_PREFIX).getUint32(0, true);
          if (len === 0 || len > MAX_SERVER_FRAME) {
            this.close(4002, `control frame of ${len} bytes`);
            return;
          }
          if (buf.length < LEN_PREFIX + len) break;
          this.deliver(buf.subarray(LEN_PREFIX, LEN_PREFIX + len));
          buf = buf.slice(LEN_PREFIX + len);
        }
      }
    } catch {
      // the session ended: `closed` reports it
    }
  }

  /** Snapshots as datagrams: one envelope each, or fragments of one. */
  async readDatagrams(reader) {
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        const whole = isFragment(value) ? this.fragments.push(value) : value;
        if (whole) this.deliver(whole);
      }
    } catch {
      // the session ended
    }
  }

  /** A snapshot too large for datagrams: one envelope per stream, bounded. */
  async readStreams(streams) {
    try {
      for (;;) {
        const { value: stream, done } = await streams.read();
        if (done) return;
        this.readOne(stream.getReader());
      }
    } catch {
      // the session ended
    }
  }

  async readOne(reader) {
    const parts = [];
    let size = 0;
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        size += value.length;
        if (size > MAX_SERVER_FRAME) {
          reader.cancel().catch(() => {});
          return;
        }
        parts.push(value);
      }
    } catch {
      return;
    }
    const whole = new Uint8Array(size);
    let at = 0;
    for (const p of parts) {
      whole.set(p, at);
      at += p.length;
    }
    this.deliver(whole);
  }

  /** One envelope on the control stream. */
  send(bytes) {
    if (this.readyState !== 1) return;
    const framed = new Uint8Array(LEN_PREFIX + bytes.length);
    new DataView(framed.buffer).setUint32(0, bytes.length, true);
    framed.set(bytes, LEN_PREFIX);
    this.control.write(framed).catch(() => {});
  }

  /** One envelope as a datagram; false when it cannot go that way. */
  sendDatagram(bytes) {
    if (this.readyState !== 1 || bytes.length > this.maxDatagramSize) return false;
    this.datagrams.write(bytes).catch(() => {});
    return true;
  }

  close(code = 1000, reason = '') {
    if (this.readyState >= 2) return;
    this.readyState = 2;
    try {
      this.t?.close({ closeCode: code, reason });
    } catch {
      // already gone
    }
    this.finish(code, reason);
  }

  finish(code, reason) {
    if (this.readyState === 3) return;
    this.readyState = 3;
    // Asynchronous, as a WebSocket's close event is.
    queueMicrotask(() => this.onclose?.({ code, reason }));
  }
}
