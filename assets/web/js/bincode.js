// bincode 2 with `config::standard()`, the players' envelope format (see
// shared/src/codec/envelope.rs): little endian; integers above u8 as varints (< 251
// in one byte, else a marker 251/252/253 followed by a u16/u32/u64); signed integers
// zigzag-encoded first; f32 as 4 bytes; bool and Option tags as one byte; enum
// variants as a varint u32; strings and sequences as a varint length then the items.
//
// Everything read from the network is hostile: every read is bounds-checked and
// throws a DecodeError, never returns garbage.

/** A typed decoding failure: `kind` is one of truncated, too_large, malformed,
 * unknown_variant, trailing_bytes. */
export class DecodeError extends Error {
  constructor(kind, message) {
    super(message);
    this.name = 'DecodeError';
    this.kind = kind;
  }
}

const U16_MARK = 251;
const U32_MARK = 252;
const U64_MARK = 253;

/** Reads bincode values from a Uint8Array. */
export class Reader {
  constructor(bytes) {
    this.bytes = bytes;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.pos = 0;
  }

  need(n) {
    if (this.pos + n > this.bytes.length) {
      throw new DecodeError('truncated', `needs ${n} more bytes at offset ${this.pos}`);
    }
  }

  u8() {
    this.need(1);
    return this.bytes[this.pos++];
  }

  bool() {
    const b = this.u8();
    if (b > 1) throw new DecodeError('malformed', `invalid bool byte ${b}`);
    return b === 1;
  }

  /** An unsigned varint that must fit `bits` (16, 32 or 53: JS numbers are exact up
   * to 2^53, which bounds every length we accept). */
  varint(bits) {
    const first = this.u8();
    let v;
    if (first < U16_MARK) return first;
    if (first === U16_MARK) {
      this.need(2);
      v = this.view.getUint16(this.pos, true);
      this.pos += 2;
    } else if (first === U32_MARK && bits >= 32) {
      this.need(4);
      v = this.view.getUint32(this.pos, true);
      this.pos += 4;
    } else if (first === U64_MARK && bits > 32) {
      this.need(8);
      const big = this.view.getBigUint64(this.pos, true);
      this.pos += 8;
      if (big > BigInt(Number.MAX_SAFE_INTEGER)) {
        throw new DecodeError('malformed', `varint ${big} is too large`);
      }
      v = Number(big);
    } else {
      throw new DecodeError('malformed', `invalid varint marker ${first} for a ${bits}-bit integer`);
    }
    return v;
  }

  u16() {
    return this.varint(16);
  }

  u32() {
    return this.varint(32);
  }

  /** A u64 varint as 16 lowercase hex digits (a schema hash: exact, where a JS
   * number would round above 2^53). */
  u64Hex() {
    const first = this.u8();
    let v;
    if (first < U16_MARK) {
      v = BigInt(first);
    } else if (first === U16_MARK) {
      this.need(2);
      v = BigInt(this.view.getUint16(this.pos, true));
      this.pos += 2;
    } else if (first === U32_MARK) {
      this.need(4);
      v = BigInt(this.view.getUint32(this.pos, true));
      this.pos += 4;
    } else if (first === U64_MARK) {
      this.need(8);
      v = this.view.getBigUint64(this.pos, true);
      this.pos += 8;
    } else {
      throw new DecodeError('malformed', `invalid varint marker ${first} for a 64-bit integer`);
    }
    return v.toString(16).padStart(16, '0');
  }

  /** A zigzag varint i32. */
  i32() {
    const z = this.varint(32);
    return z % 2 === 0 ? z / 2 : -(z + 1) / 2;
  }

  f32() {
    this.need(4);
    const v = this.view.getFloat32(this.pos, true);
    this.pos += 4;
    return v;
  }

  /** A length prefix, refused when it claims more items than bytes remain. */
  len(minItemBytes = 1) {
    const n = this.varint(53);
    if (n * minItemBytes > this.bytes.length - this.pos) {
      throw new DecodeError('truncated', `length ${n} exceeds the ${this.bytes.length - this.pos} remaining bytes`);
    }
    return n;
  }

  bytesVec() {
    const n = this.len(1);
    const out = this.bytes.slice(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  string() {
    const raw = this.bytesVec();
    try {
      return new TextDecoder('utf-8', { fatal: true }).decode(raw);
    } catch {
      throw new DecodeError('malformed', 'string is not valid UTF-8');
    }
  }

  option(readValue) {
    const tag = this.u8();
    if (tag === 0) return null;
    if (tag === 1) return readValue(this);
    throw new DecodeError('malformed', `invalid Option tag ${tag}`);
  }

  variant() {
    return this.u32();
  }

  /** Throws unless every byte was consumed. */
  finish() {
    const left = this.bytes.length - this.pos;
    if (left !== 0) throw new DecodeError('trailing_bytes', `${left} trailing bytes after the message`);
  }
}

/** Writes bincode values into a growing buffer. */
export class Writer {
  constructor() {
    this.buf = new Uint8Array(64);
    this.view = new DataView(this.buf.buffer);
    this.pos = 0;
  }

  reserve(n) {
    if (this.pos + n <= this.buf.length) return;
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.pos + n));
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  u8(v) {
    this.reserve(1);
    this.buf[this.pos++] = v & 0xff;
  }

  bool(v) {
    this.u8(v ? 1 : 0);
  }

  varint(v) {
    if (!Number.isInteger(v) || v < 0) throw new RangeError(`varint needs a non-negative integer, got ${v}`);
    if (v < U16_MARK) {
      this.u8(v);
    } else if (v < 0x10000) {
      this.u8(U16_MARK);
      this.reserve(2);
      this.view.setUint16(this.pos, v, true);
      this.pos += 2;
    } else if (v < 0x100000000) {
      this.u8(U32_MARK);
      this.reserve(4);
      this.view.setUint32(this.pos, v, true);
      this.pos += 4;
    } else {
      this.u8(U64_MARK);
      this.reserve(8);
      this.view.setBigUint64(this.pos, BigInt(v), true);
      this.pos += 8;
    }
  }

  u16(v) {
    this.varint(v);
  }

  u32(v) {
    this.varint(v);
  }

  i32(v) {
    if (!Number.isInteger(v) || v < -0x80000000 || v > 0x7fffffff) throw new RangeError(`not an i32: ${v}`);
    this.varint(v >= 0 ? v * 2 : -v * 2 - 1);
  }

  /** A u64 given as hex digits (a schema hash), as bincode's varint. */
  u64Hex(hex) {
    if (typeof hex !== 'string' || !/^[0-9a-f]{1,16}$/i.test(hex)) throw new RangeError(`not a u64 in hex: ${hex}`);
    const v = BigInt(`0x${hex}`);
    if (v < 0x100000000n) {
      this.varint(Number(v));
    } else {
      this.u8(U64_MARK);
      this.reserve(8);
      this.view.setBigUint64(this.pos, v, true);
      this.pos += 8;
    }
  }

  f32(v) {
    this.reserve(4);
    this.view.setFloat32(this.pos, v, true);
    this.pos += 4;
  }

  string(s) {
    const raw = new TextEncoder().encode(s);
    this.varint(raw.length);
    this.reserve(raw.length);
    this.buf.set(raw, this.pos);
    this.pos += raw.length;
  }

  option(v, writeValue) {
    if (v === null || v === undefined) {
      this.u8(0);
    } else {
      this.u8(1);
      writeValue(this, v);
    }
  }

  variant(i) {
    this.varint(i);
  }

  finish() {
    return this.buf.slice(0, this.pos);
  }
}
