// The adaptive binary range decoder and the integer models under snapshot delta
// bodies: a port of shared/src/codec/{rangecoder,model}.rs, following the
// normative decoder description in their module docs. All arithmetic is unsigned
// 32-bit, kept exact in JS numbers with `>>> 0`. Bodies come from the network:
// running out of bytes throws DeltaError('truncated'), impossible values
// DeltaError('malformed').

export class DeltaError extends Error {
  constructor(kind, message) {
    super(message);
    this.name = 'DeltaError';
    this.kind = kind;
  }
}

const PROB_BITS = 11;
const PROB_ONE = 1 << PROB_BITS;
const ADAPT_SHIFT = 4;
const TOP = 1 << 24;
const ADAPTIVE_BITS = 4;
/** Entity kinds with their own motion prediction (player, drone, projectile). */
export const KINDS = 3;

/** `n` adaptive probabilities, each starting at one half. */
export function probs(n) {
  return new Uint16Array(n).fill(PROB_ONE / 2);
}

export class RangeDecoder {
  constructor(bytes) {
    if (bytes.length < 4) throw new DeltaError('truncated', 'delta body is truncated');
    this.input = bytes;
    this.code = ((bytes[0] << 24) | (bytes[1] << 16) | (bytes[2] << 8) | bytes[3]) >>> 0;
    this.range = 0xffffffff;
    this.pos = 4;
  }

  normalize() {
    while (this.range < TOP) {
      if (this.pos >= this.input.length) throw new DeltaError('truncated', 'delta body is truncated');
      this.range = (this.range << 8) >>> 0;
      this.code = ((this.code << 8) | this.input[this.pos++]) >>> 0;
    }
  }

  /** One bit with the adaptive probability `p[i]` (updated). */
  bit(p, i) {
    const prob = p[i];
    const bound = (this.range >>> PROB_BITS) * prob;
    let bit;
    if (this.code < bound) {
      this.range = bound;
      p[i] = prob + ((PROB_ONE - prob) >> ADAPT_SHIFT);
      bit = 0;
    } else {
      this.code -= bound;
      this.range -= bound;
      p[i] = prob - (prob >> ADAPT_SHIFT);
      bit = 1;
    }
    this.normalize();
    return bit;
  }

  /** `n` raw bits, most significant first. */
  direct(n) {
    let value = 0;
    for (let k = 0; k < Math.min(n, 32); k++) {
      this.range = this.range >>> 1;
      let bit = 0;
      if (this.code >= this.range) {
        this.code -= this.range;
        bit = 1;
      }
      value = ((value << 1) | bit) >>> 0;
      this.normalize();
    }
    return value;
  }

  finish() {
    if (this.pos !== this.input.length) throw new DeltaError('malformed', 'trailing bytes after the delta body');
  }
}

/** A bit tree of `bits` bits over `p` (a power-of-two sized array). */
export function tree(d, p, bits) {
  let m = 1;
  for (let i = 0; i < bits; i++) m = (m << 1) | d.bit(p, m & (p.length - 1));
  return m - (1 << bits);
}

/** Magnitude and sign to i32, wrapping (2^31 negative is i32::MIN). */
function signed(magnitude, negative) {
  const v = magnitude | 0;
  return negative ? -v | 0 : v;
}

export class UIntModel {
  constructor() {
    this.bucket = probs(64);
    this.mantissa = Array.from({ length: 32 }, () => probs(1 << ADAPTIVE_BITS));
  }

  decode(d) {
    const b = tree(d, this.bucket, 6);
    if (b <= 1) return b;
    if (b > 32) throw new DeltaError('malformed', 'integer longer than 32 bits');
    const len = b - 1;
    const adaptive = Math.min(len, ADAPTIVE_BITS);
    const raw = len - adaptive;
    const top = tree(d, this.mantissa[len & 31], adaptive);
    const low = d.direct(raw);
    return ((1 << len) | (top << raw) | low) >>> 0;
  }
}

export class SIntModel {
  constructor() {
    this.magnitude = new UIntModel();
    this.sign = probs(1);
  }

  decode(d) {
    const m = this.magnitude.decode(d);
    if (m === 0) return 0;
    return signed(m, d.bit(this.sign, 0) === 1);
  }
}

export class VecModel {
  constructor() {
    this.swap = probs(1);
    this.small = new UIntModel();
    this.residual = new SIntModel();
    this.signX = probs(1);
    this.signY = probs(1);
    this.prevR2 = new Array(KINDS).fill(0);
  }

  /** A step [dx, dy] of an entity of kind index `kind`. */
  decode(d, kind) {
    const swap = d.bit(this.swap, 0) === 1;
    const small = this.small.decode(d);
    const r2 = this.prevR2[kind] ?? 0;
    let predicted = small < 1 << 15 && r2 > small * small ? Math.floor(Math.sqrt(r2 - small * small)) : 0;
    predicted = Math.max(predicted, small);
    const residual = this.residual.decode(d);
    const large = (predicted + residual) >>> 0;
    const [ax, ay] = swap ? [small, large] : [large, small];
    const negX = ax !== 0 && d.bit(this.signX, 0) === 1;
    const negY = ay !== 0 && d.bit(this.signY, 0) === 1;
    if (kind < KINDS) this.prevR2[kind] = ax < 1 << 15 && ay < 1 << 15 ? ax * ax + ay * ay : 0;
    return [signed(ax, negX), signed(ay, negY)];
  }
}
