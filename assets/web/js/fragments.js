// Snapshot fragments, as shared/src/quic/fragments.rs sends them: a snapshot larger
// than one datagram arrives as datagrams of a 9-byte header (0xF0, the snapshot's
// sequence number u32 LE, the fragment's index and the fragment count, u16 LE each)
// and a slice of the envelope. Unreliable like a whole datagram: a lost fragment
// loses that snapshot. The reassembler is bounded the same way as the native
// client's: a few snapshots in flight (a new one evicts the oldest), fragments of a
// snapshot older than the newest completed dropped, counts and sizes checked before
// anything is kept. Hostile input never throws: a bad fragment is dropped.

export const MAGIC = 0xf0;
export const HEADER = 9;

/** Whether a datagram is a fragment (else it is one whole envelope). */
export function isFragment(d) {
  return d.length > 0 && d[0] === MAGIC;
}

export class Reassembler {
  constructor({ maxInFlight = 4, maxFragments = 64, maxBytes = 1 << 20 } = {}) {
    this.maxInFlight = Math.max(1, maxInFlight);
    this.maxFragments = maxFragments;
    this.maxBytes = maxBytes;
    this.inFlight = [];
    this.newestDone = null;
    /** Snapshots given up (evicted, overtaken, or over the limits). */
    this.lost = 0;
  }

  /** Take one fragment datagram (Uint8Array); the whole envelope when it completes
   * one, else null. */
  push(d) {
    if (d.length <= HEADER || d[0] !== MAGIC) return null;
    const view = new DataView(d.buffer, d.byteOffset, HEADER);
    const seq = view.getUint32(1, true);
    const index = view.getUint16(5, true);
    const count = view.getUint16(7, true);
    if (count === 0 || index >= count || count > this.maxFragments) return null;
    if (this.newestDone !== null && seq <= this.newestDone) return null;
    let p = this.inFlight.find((x) => x.seq === seq);
    if (!p) {
      if (count - 1 > this.maxBytes) return null;
      if (this.inFlight.length >= this.maxInFlight) {
        let oldest = 0;
        for (let i = 1; i < this.inFlight.length; i++) if (this.inFlight[i].seq < this.inFlight[oldest].seq) oldest = i;
        if (this.inFlight[oldest].seq > seq) return null;
        this.inFlight.splice(oldest, 1);
        this.lost += 1;
      }
      p = { seq, parts: new Array(count).fill(null), have: 0, bytes: 0, stride: null };
      this.inFlight.push(p);
    }
    if (p.parts.length !== count) return null;
    const payload = d.subarray(HEADER);
    if (index + 1 !== count) {
      if (p.stride !== null && p.stride !== payload.length) return null;
      p.stride = payload.length;
    }
    if (p.parts[index] !== null) return null;
    if (p.bytes + payload.length > this.maxBytes) {
      this.inFlight.splice(this.inFlight.indexOf(p), 1);
      this.lost += 1;
      return null;
    }
    p.parts[index] = payload.slice();
    p.bytes += payload.length;
    p.have += 1;
    if (p.have < count) return null;
    const before = this.inFlight.length - 1;
    this.inFlight = this.inFlight.filter((x) => x.seq > seq);
    this.lost += before - this.inFlight.length;
    this.newestDone = seq;
    const whole = new Uint8Array(p.bytes);
    let at = 0;
    for (const part of p.parts) {
      whole.set(part, at);
      at += part.length;
    }
    return whole;
  }
}
