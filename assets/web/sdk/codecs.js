// The closed vocabulary of field codecs, as a fixed registry (no eval, no Function):
// a port of shared/src/schema/codec.rs and the per-codec rules of
// shared/src/codec/fields.rs.
//
// Every value of a row is one i32 (a `vec2` two): an unsigned 32-bit id is its bit
// pattern, a float its IEEE bits. Each codec says
// - `params`: its descriptor keys and their JSON types (`u8`, `u32`, `bool`, `target`);
// - `check(codec)`: why its parameters are out of range, or null (FieldCodec::check);
// - `values`, `interpolable`, `maxLabels(codec)`: as the Rust methods of those names;
// - `rule(codec)`: how the delta coder codes a change (the model family and the
//   parameters the decoder needs), see decode.js;
// - `display(field, values, at)`: the value as a person reads it (fixed point as a
//   float, angle steps as radians, flags as the set labels, an enum as its label);
// - `lerp(codec, a, b, t)`: the value between two values (interpolable codecs only),
//   in row units, possibly fractional.

/** Render roles a field may carry (shared/src/schema/field.rs Role). */
export const ROLES = Object.freeze([
  'position', 'velocity', 'heading', 'radius', 'colour', 'health', 'score', 'owner', 'team', 'label', 'state',
]);
/** How a client moves a field between two values (Motion). */
export const MOTIONS = Object.freeze(['snap', 'interpolate']);
/** Most steps an `angle` may have per turn. */
export const MAX_ANGLE_STEPS = 1 << 16;
/** Most variants an `enum` may have. */
export const MAX_ENUM_VARIANTS = 256;

const TWO_32 = 2 ** 32;
const scratch = new DataView(new ArrayBuffer(4));

/** The f32 whose IEEE bits are the i32 `v`. */
export function floatFromBits(v) {
  scratch.setInt32(0, v | 0);
  return scratch.getFloat32(0);
}

/** The IEEE bits of `x` rounded to f32, as an i32. */
export function bitsFromFloat(x) {
  scratch.setFloat32(0, x);
  return scratch.getInt32(0);
}

/** `f32` bits (u32) to a u32 that orders like the float (model.rs `mono`). */
export function mono(bits) {
  return bits & 0x80000000 ? ~bits >>> 0 : (bits | 0x80000000) >>> 0;
}

/** Inverse of {@link mono}. */
export function unmono(m) {
  return m & 0x80000000 ? m & 0x7fffffff : ~m >>> 0;
}

/** `v` (i32) kept in the domain of an integer `bits` wide (fields.rs `normalize`). */
export function normalizeInt(v, bits, signed) {
  const shift = 32 - bits;
  return signed ? (v << shift) >> shift : v & (0xffffffff >>> shift);
}

/** An i32 pattern read as unsigned (fractional values too: interpolated ones). */
function unsignedImage(v) {
  return v < 0 ? v + TWO_32 : v;
}

/** Back from an unsigned image to the i32 pattern. */
function signedImage(v) {
  return v >= 2 ** 31 ? v - TWO_32 : v;
}

const lerp = (a, b, t) => a + (b - a) * t;
const bitsOk = (bits) => bits >= 1 && bits <= 32 ? null : 'bits must be 1..=32';

/** Number of bits of a tree that can name `n` values (plan.rs `tree_bits`). */
export function treeBits(n) {
  return n <= 1 ? 0 : 32 - Math.clz32(n - 1);
}

function integerDisplay(codec, v) {
  return codec.signed ? v : unsignedImage(v);
}

function integerLerp(codec, a, b, t) {
  if (codec.signed) return lerp(a, b, t);
  return signedImage(lerp(unsignedImage(a), unsignedImage(b), t));
}

/** The registry (see the module comment). */
export const CODECS = Object.freeze({
  int: {
    params: { bits: 'u8', signed: 'bool' },
    check: (c) => bitsOk(c.bits),
    values: 1,
    interpolable: true,
    rule: (c) => ({ op: 'int', family: 'signed', bits: c.bits, signed: c.signed }),
    display: (f, v, at) => integerDisplay(f.codec, v[at]),
    lerp: integerLerp,
  },
  fixed: {
    params: { bits: 'u8', signed: 'bool', scale: 'u32' },
    check: (c) => bitsOk(c.bits) ?? (c.scale === 0 ? 'scale must be at least 1' : null),
    values: 1,
    interpolable: true,
    rule: (c) => ({ op: 'int', family: 'signed', bits: c.bits, signed: c.signed }),
    display: (f, v, at) => integerDisplay(f.codec, v[at]) / f.codec.scale,
    lerp: integerLerp,
  },
  angle: {
    params: { steps: 'u32' },
    check: (c) => (c.steps >= 2 && c.steps <= MAX_ANGLE_STEPS ? null : 'angle steps must be 2..=65536'),
    values: 1,
    interpolable: true,
    rule: (c) => ({ op: 'angle', family: 'signed', steps: c.steps }),
    display: (f, v, at) => (v[at] * 2 * Math.PI) / f.codec.steps,
    lerp: (c, a, b, t) => {
      const steps = c.steps;
      let d = (((b - a) % steps) + steps) % steps;
      if (d > steps / 2) d -= steps;
      const v = a + d * t;
      return ((v % steps) + steps) % steps;
    },
  },
  vec2: {
    params: { scale: 'u32' },
    check: (c) => (c.scale === 0 ? 'scale must be at least 1' : null),
    values: 2,
    interpolable: true,
    rule: () => ({ op: 'vec2', family: 'steps' }),
    display: (f, v, at) => [v[at] / f.codec.scale, v[at + 1] / f.codec.scale],
    lerp: (c, a, b, t) => lerp(a, b, t),
  },
  flags: {
    params: { bits: 'u8' },
    check: (c) => bitsOk(c.bits),
    values: 1,
    interpolable: false,
    maxLabels: (c) => c.bits,
    rule: (c) => ({ op: 'flags', family: 'unsigned', mask: 0xffffffff >>> (32 - c.bits) }),
    display: (f, v, at) => {
      const set = [];
      for (let bit = 0; bit < f.codec.bits; bit++) {
        if ((v[at] >>> bit) & 1) set.push(f.labels[bit] ?? `bit${bit}`);
      }
      return set;
    },
  },
  enum: {
    params: { variants: 'u32' },
    check: (c) => (c.variants >= 1 && c.variants <= MAX_ENUM_VARIANTS ? null : 'enum variants must be 1..=256'),
    values: 1,
    interpolable: false,
    maxLabels: (c) => c.variants,
    rule: (c) => ({ op: 'enum', family: 'trees', bits: treeBits(c.variants), variants: c.variants }),
    display: (f, v, at) => f.labels[v[at]] ?? v[at],
  },
  ref: {
    params: { target: 'target' },
    check: () => null,
    values: 1,
    interpolable: false,
    rule: () => ({ op: 'int', family: 'signed', bits: 32, signed: false }),
    display: (f, v, at) => v[at] >>> 0,
  },
  float32: {
    // serde reads a unit variant of an internally tagged enum ignoring other keys.
    params: {},
    ignoresUnknownKeys: true,
    check: () => null,
    values: 1,
    interpolable: true,
    rule: () => ({ op: 'float', family: 'signed' }),
    display: (f, v, at) => floatFromBits(v[at]),
    lerp: (c, a, b, t) => {
      const x = lerp(floatFromBits(a), floatFromBits(b), t);
      return Number.isFinite(x) ? bitsFromFloat(x) : t < 1 ? a : b;
    },
  },
});

/** The registry entry of a codec object ({type, ...params}). */
export function codecOf(codec) {
  return Object.hasOwn(CODECS, codec.type) ? CODECS[codec.type] : null;
}

/** How many labels a field with `codec` may carry (FieldCodec::max_labels). */
export function maxLabels(codec) {
  return codecOf(codec).maxLabels?.(codec) ?? 0;
}

/**
 * A field's value in `values` as a person reads it.
 * @param {import('./schema.js').Field} field
 * @param {ArrayLike<number>} values the row's values
 */
export function displayValue(field, values) {
  return codecOf(field.codec).display(field, values, field.value);
}

/**
 * A row as a plain object: `id`, `kind` (the kind's name) and each field by name,
 * as {@link displayValue} reads it (a `vec2` also gives its parts by name).
 * @param {import('./schema.js').Schema} schema
 * @param {{id: number, kind: number, values: ArrayLike<number>}} row
 */
export function describeRow(schema, row) {
  const kind = schema.kinds[row.kind];
  const out = { id: row.id, kind: kind ? kind.name : row.kind };
  if (!kind) return out;
  for (const field of kind.fields) {
    const value = displayValue(field, row.values);
    out[field.name] = value;
    if (field.parts.length === 2) [out[field.parts[0]], out[field.parts[1]]] = value;
  }
  return out;
}
