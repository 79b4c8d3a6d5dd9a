// The adaptive binary range decoder and the integer models under snapshot delta
// bodies: a port of shared/src/codec/rangecoder.rs (its normative decoder) and
// shared/src/codec/model.rs. All arithmetic is unsigned 32-bit, kept exact in JS
// numbers with `>>> 0`. Bodies are hostile: running out of bytes throws
// DecodeError('truncated'), impossible values DecodeError('malformed').

/**
 * Why a delta body could not be applied. `kind` is one of `truncated`,
 * `malformed` (`detail` says what, in Rust's words), `missing_baseline`,
 * `baseline_mismatch` (`bodyTick`, `givenTick`), `too_many_entities` (`limit`):
 * the variants of Rust's DeltaError.
 */
export class DecodeError extends Error {
  /**
   * @param {'truncated'|'malformed'|'missing_baseline'|'baseline_mismatch'|'too_many_entities'} kind
   * @param {string} message
   * @param {{detail?: string, bodyTick?: number, givenTick?: number, limit?: number}} [extra]
   */
  constructor(kind, message, extra = {}) {
    super(message);
    this.name = 'DecodeError';
    this.kind = kind;
    Object.assign(this, extra);
  }
}

/** A malformed body, with Rust's detail text. */
export function malformed(detail) {
  return new DecodeError('malformed', `delta body is malformed: ${detail}`, { detail });
}

const truncated = () => new DecodeError('truncated', 'delta body is truncated');

const PROB_BITS = 11;
const PROB_ONE = 1 << PROB_BITS;
const ADAPT_SHIFT = 4;
const TOP = 1 << 24;
const ADAPTIVE_BITS = 4;
/** Most entity kinds, each with its own motion prediction. */
export const MAX_KINDS = 16;

/** `n` adaptive probabilities, each starting at one half. */
export function probs(n) {
  return new Uint16Array(n).fill(PROB_ONE / 2);
}

export class RangeDecoder {
  /** @param {Uint8Array} bytes */
  constructor(bytes) {
    if (bytes.length < 4) throw truncated();
    this.input = bytes;
    this.code = ((bytes[0] << 24) | (bytes[1] << 16) | (bytes[2] << 8) | bytes[3]) >>> 0;
    this.range = 0xffffffff;
    this.pos = 4;
  }

  normalize() {
    while (this.range < TOP) {
      if (this.pos >= this.input.length) throw truncated();
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

  /** `n` (at most 32) raw bits, most significant first. */
  direct(n) {
    let value = 0;
    for (let k = 0; k < Math.min(n, 32); k++) {
      this.range >>>= 1;
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

  /** The body must end exactly where the coded data ends. */
  finish() {
    if (this.pos !== this.input.length) throw malformed('trailing bytes after the delta body');
  }
}

// The models keep their probabilities in one flat Uint16Array per body (cloned
// from a template in one allocation), each model at an offset: a tree of `size`
// probabilities at `base` uses P[base + (m & (size - 1))].

/** A bit tree of `bits` bits over the `size` (a power of two) probabilities at `base`. */
export function tree(d, P, base, size, bits) {
  let m = 1;
  for (let i = 0; i < bits; i++) m = (m << 1) | d.bit(P, base + (m & (size - 1)));
  return m - (1 << bits);
}

/** Magnitude (u32) and sign to i32, wrapping (2^31 negative is i32::MIN). */
function signed(magnitude, negative) {
  const v = magnitude | 0;
  return negative ? -v | 0 : v;
}

const BUCKETS = 64;
const MANTISSA = 1 << ADAPTIVE_BITS;
/** Probabilities of an unsigned model: the bucket tree, then 32 mantissa trees. */
export const UINT_PROBS = BUCKETS + 32 * MANTISSA;
/** Probabilities of a signed model: the magnitude's, then the sign. */
export const SINT_PROBS = UINT_PROBS + 1;
/** Probabilities of a 2-D step model: swap, small, residual, sign x, sign y. */
export const VEC_PROBS = 1 + UINT_PROBS + SINT_PROBS + 2;

/** A u32 with the unsigned model at `o` (model.rs UIntModel). */
export function decodeUInt(d, P, o) {
  const b = tree(d, P, o, BUCKETS, 6);
  if (b <= 1) return b;
  if (b > 32) throw malformed('integer longer than 32 bits');
  const len = b - 1;
  const adaptive = Math.min(len, ADAPTIVE_BITS);
  const raw = len - adaptive;
  const top = tree(d, P, o + BUCKETS + (len & 31) * MANTISSA, MANTISSA, adaptive);
  const low = d.direct(raw);
  // len <= 31: 2^len + top * 2^raw + low, exact in a double, below 2^32.
  return 2 ** len + top * 2 ** raw + low;
}

/** An i32 with the signed model at `o`: magnitude, then sign (SIntModel). */
export function decodeSInt(d, P, o) {
  const m = decodeUInt(d, P, o);
  if (m === 0) return 0;
  return signed(m, d.bit(P, o + UINT_PROBS) === 1);
}

/**
 * A 2-D step [dx, dy] of an entity of kind index `kind` with the step model at
 * `o`; `prevR2` holds the model's squared length of the previous step per kind
 * (VecModel).
 */
export function decodeStep(d, P, o, prevR2, kind) {
  const swap = d.bit(P, o) === 1;
  const small = decodeUInt(d, P, o + 1);
  const r2 = prevR2[kind] ?? 0;
  // isqrt of a value below 2^31: the floor of Math.sqrt is exact there.
  let predicted = small < 1 << 15 && r2 > small * small ? Math.floor(Math.sqrt(r2 - small * small)) : 0;
  predicted = Math.max(predicted, small);
  const residual = decodeSInt(d, P, o + 1 + UINT_PROBS);
  const large = (predicted + residual) >>> 0;
  const [ax, ay] = swap ? [small, large] : [large, small];
  const signs = o + 1 + UINT_PROBS + SINT_PROBS;
  const negX = ax !== 0 && d.bit(P, signs) === 1;
  const negY = ay !== 0 && d.bit(P, signs + 1) === 1;
  if (kind < MAX_KINDS) prevR2[kind] = ax < 1 << 15 && ay < 1 << 15 ? ax * ax + ay * ay : 0;
  return [signed(ax, negX), signed(ay, negY)];
}
