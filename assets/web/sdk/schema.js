// A game's schema read from its JSON descriptor (as GET /api/games/{name} serves it
// and as Schema::canonical_json writes it): checked by the rules of
// shared/src/schema/validate.rs, laid out as Kind::layout does, hashed as
// shared/src/schema/descriptor.rs does.
//
// A descriptor is hostile input. Reading it has two steps, as in Rust: the shape
// (types, required and unknown keys, integer ranges: what serde refuses; the error
// kind is `json`), then the rules, checked in Rust's order so the first broken rule
// is the one Rust reports. Text is read by json.js, which refuses what serde_json
// refuses (a key twice, `8.0` for an integer); an already parsed object cannot be
// held to that.

import { CODECS, MOTIONS, ROLES, codecOf, maxLabels } from './codecs.js';
import { parseStrictJson } from './json.js';
import { sha256 } from './sha256.js';

/** Version of the descriptor format. */
export const FORMAT_VERSION = 1;
export const MAX_KINDS = 16;
export const MAX_FIELDS = 16;
export const MAX_VALUES = 2 * MAX_FIELDS;
export const MAX_EVENTS = 64;
export const MAX_NAME_LEN = 32;
export const MAX_DESCRIPTION_LEN = 200;
export const MAX_DESCRIPTOR_BYTES = 64 * 1024;
const RESERVED = ['id', 'kind', 'type'];

/**
 * A descriptor that is not a valid schema. `kind` is one of `json`, `too_large`,
 * `unsupported_format`, `bad_name`, `reserved_name`, `duplicate_name`,
 * `bad_description`, `no_kinds`, `too_many_kinds`, `too_many_events`, `no_fields`,
 * `too_many_fields`, `bad_field` (the snake_case names of Rust's SchemaError), or
 * `hash_mismatch` (a game detail whose hash is not its schema's).
 */
export class SchemaError extends Error {
  constructor(kind, message) {
    super(message);
    this.name = 'SchemaError';
    this.kind = kind;
  }
}

/**
 * @typedef {{type: string, bits?: number, signed?: boolean, scale?: number,
 *   steps?: number, variants?: number, target?: 'entity'|'player'}} Codec
 * @typedef {{motion: 'snap'|'interpolate', role: string|null}} Hints
 * @typedef {{name: string, codec: Codec, parts: string[], labels: string[],
 *   hints: Hints, value: number, width: number}} Field
 *   `value`: the index of the field's first value in a row; `width`: how many (1, 2)
 * @typedef {{index: number, name: string, fields: Field[], values: number,
 *   valueNames: string[], valueIndex: (name: string) => number}} Kind
 * @typedef {{name: string, fields: Field[]}} Event
 */

const json = (message) => new SchemaError('json', `the descriptor is not a schema: ${message}`);
const isObject = (v) => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Read `obj`'s keys by `spec` ({key: reader}); keys with a reader taking
 *  `undefined` are optional. Unknown keys are refused unless `lenient`. */
function readObject(obj, spec, what, lenient = false) {
  if (!isObject(obj)) throw json(`${what} is not an object`);
  if (!lenient) {
    for (const key of Object.keys(obj)) if (!Object.hasOwn(spec, key)) throw json(`unknown field \`${key}\` in ${what}`);
  }
  const out = {};
  for (const [key, read] of Object.entries(spec)) out[key] = read(Object.hasOwn(obj, key) ? obj[key] : undefined, `${what}.${key}`);
  return out;
}

const required = (read) => (v, what) => {
  if (v === undefined) throw json(`missing field \`${what}\``);
  return read(v, what);
};
const string = required((v, what) => {
  if (typeof v !== 'string') throw json(`${what} is not a string`);
  return v;
});
const integer = (max) =>
  required((v, what) => {
    if (!Number.isInteger(v) || v < 0 || v > max) throw json(`${what} is not an integer in 0..=${max}`);
    return v;
  });
const list = (item) =>
  required((v, what) => {
    if (!Array.isArray(v)) throw json(`${what} is not an array`);
    return v.map((x, i) => item(x, `${what}[${i}]`));
  });
const oneOf = (names) =>
  required((v, what) => {
    if (!names.includes(v)) throw json(`${what}: unknown variant ${JSON.stringify(v)}`);
    return v;
  });
const PARAM_READERS = {
  u8: integer(255),
  u32: integer(0xffffffff),
  bool: required((v, what) => {
    if (typeof v !== 'boolean') throw json(`${what} is not a boolean`);
    return v;
  }),
  target: oneOf(['entity', 'player']),
};

function readCodec(v, what) {
  if (!isObject(v)) throw json(`${what} is not an object`);
  const type = oneOf(Object.keys(CODECS))(v.type, `${what}.type`);
  const entry = CODECS[type];
  const spec = { type: () => type };
  for (const [key, kind] of Object.entries(entry.params)) spec[key] = PARAM_READERS[kind];
  return readObject(v, spec, what, entry.ignoresUnknownKeys);
}

const orDefault = (read, fallback) => (v, what) => (v === undefined ? fallback() : read(v, what));
const readHints = (v, what) =>
  readObject(v, {
    motion: oneOf(MOTIONS),
    role: (r, w) => (r === undefined || r === null ? null : oneOf(ROLES)(r, w)),
  }, what);
const readField = (v, what) =>
  readObject(v, {
    name: string,
    codec: required(readCodec),
    parts: orDefault(list(string), () => []),
    labels: orDefault(list(string), () => []),
    hints: orDefault(readHints, () => ({ motion: 'snap', role: null })),
  }, what);
const readNamedFields = (v, what) => readObject(v, { name: string, fields: list(readField) }, what);

function readDescriptor(doc) {
  return readObject(doc, {
    format: integer(0xffffffff),
    name: string,
    description: string,
    kinds: list(readNamedFields),
    input: list(readField),
    events: list(readNamedFields),
  }, 'the descriptor');
}

// ---- the rules (validate.rs), in its order ----

function checkName(name) {
  if (!/^[a-z][a-z0-9_]*$/.test(name) || name.length > MAX_NAME_LEN) {
    throw new SchemaError('bad_name', `bad name ${JSON.stringify(name.slice(0, MAX_NAME_LEN + 1))}: 1 to 32 of a-z, 0-9 and _, starting with a letter`);
  }
}

function unique(seen, owner, name) {
  if (seen.has(name)) throw new SchemaError('duplicate_name', `${owner}: the name ${JSON.stringify(name)} is used twice`);
  seen.add(name);
}

function checkField(owner, field) {
  const bad = (reason) => new SchemaError('bad_field', `${owner}, field ${JSON.stringify(field.name)}: ${reason}`);
  const entry = codecOf(field.codec);
  const reason = entry.check(field.codec);
  if (reason) throw bad(reason);
  if (field.parts.length !== (field.codec.type === 'vec2' ? 2 : 0)) throw bad('a vec2 names exactly two parts, other codecs none');
  if (field.labels.length > maxLabels(field.codec)) throw bad('labels only on enum (one per variant) and flags (one per bit)');
  if (field.hints.motion === 'interpolate' && !entry.interpolable) throw bad('only numbers and directions can be interpolated');
  for (const label of field.labels) checkName(label);
}

function checkFields(owner, fields, mayBeEmpty) {
  if (fields.length === 0 && !mayBeEmpty) throw new SchemaError('no_fields', `${owner} has no fields`);
  if (fields.length > MAX_FIELDS) {
    throw new SchemaError('too_many_fields', `${owner} has ${fields.length} fields; at most ${MAX_FIELDS} (a 2-D vector counts as one)`);
  }
  const seen = new Set();
  for (const field of fields) {
    checkName(field.name);
    unique(seen, owner, field.name);
    for (const part of field.parts) {
      checkName(part);
      unique(seen, owner, part);
    }
    checkField(owner, field);
  }
  const reserved = RESERVED.find((r) => seen.has(r));
  if (reserved) throw new SchemaError('reserved_name', `${owner}: the name ${JSON.stringify(reserved)} is reserved`);
}

function validate(d) {
  if (d.format !== FORMAT_VERSION) {
    throw new SchemaError('unsupported_format', `descriptor format ${d.format}; this build reads format ${FORMAT_VERSION}`);
  }
  checkName(d.name);
  if (d.description.length > MAX_DESCRIPTION_LEN || !/^[\x20-\x7e]*$/.test(d.description)) {
    throw new SchemaError('bad_description', `the description must be at most ${MAX_DESCRIPTION_LEN} characters of printable ASCII`);
  }
  if (d.kinds.length === 0) throw new SchemaError('no_kinds', 'the schema has no entity kinds');
  if (d.kinds.length > MAX_KINDS) throw new SchemaError('too_many_kinds', `the schema has ${d.kinds.length} entity kinds; at most ${MAX_KINDS}`);
  if (d.events.length > MAX_EVENTS) throw new SchemaError('too_many_events', `the schema has ${d.events.length} events; at most ${MAX_EVENTS}`);
  const kinds = new Set();
  for (const kind of d.kinds) {
    checkName(kind.name);
    unique(kinds, 'the kinds', kind.name);
    checkFields(`kind ${kind.name}`, kind.fields, false);
  }
  checkFields('the input', d.input, true);
  const events = new Set();
  for (const event of d.events) {
    checkName(event.name);
    unique(events, 'the events', event.name);
    checkFields(`event ${event.name}`, event.fields, true);
  }
}

// ---- canonical form, hash, layout ----

/** A field in canonical key order (codec: `type` first, then its parameters). */
function canonicalField(f) {
  const codec = { type: f.codec.type };
  for (const key of Object.keys(CODECS[f.codec.type].params)) codec[key] = f.codec[key];
  return { name: f.name, codec, parts: f.parts, labels: f.labels, hints: { motion: f.hints.motion, role: f.hints.role } };
}

/** The canonical descriptor of checked descriptor data (descriptor.rs). */
function canonicalJson(d) {
  const named = (x) => ({ name: x.name, fields: x.fields.map(canonicalField) });
  return JSON.stringify({
    format: d.format,
    name: d.name,
    description: d.description,
    kinds: d.kinds.map(named),
    input: d.input.map(canonicalField),
    events: d.events.map(named),
  });
}

/**
 * The schema hash of a canonical descriptor: the first 8 bytes of its SHA-256 as
 * 16 lowercase hex digits.
 * @param {string} canonical
 */
export function hashCanonical(canonical) {
  const digest = sha256(new TextEncoder().encode(canonical));
  return Array.from(digest.subarray(0, 8), (b) => b.toString(16).padStart(2, '0')).join('');
}

/** Fields with their row layout: `value` (first index), `width`, frozen. */
function laidOut(fields) {
  let next = 0;
  return Object.freeze(fields.map((f) => {
    const width = CODECS[f.codec.type].values;
    const field = Object.freeze({ ...canonicalField(f), value: next, width });
    next += width;
    return field;
  }));
}

/** The names a field takes in a row: a `vec2` its parts, others their name. */
const valueNames = (f) => (f.parts.length ? f.parts : [f.name]);

function makeKind(k, index) {
  const fields = laidOut(k.fields);
  const names = fields.flatMap(valueNames);
  return Object.freeze({
    index,
    name: k.name,
    fields,
    values: names.length,
    valueNames: Object.freeze(names),
    /** The row index of a value (a field or a vec2 part), or -1 (Kind::value_index). */
    valueIndex: (name) => names.indexOf(name),
    /** The first field with render role `role`, if any. */
    fieldByRole: (role) => fields.find((f) => f.hints.role === role),
  });
}

/**
 * A checked schema. Kinds are in wire order (a kind's index is its wire index).
 * @typedef {{format: number, name: string, description: string, kinds: Kind[],
 *   input: Field[], events: Event[], canonical: string, hash: string,
 *   kindIndex: (name: string) => number}} Schema
 */

/**
 * Read and check a descriptor: its text, or the parsed JSON value.
 * @param {string | object} descriptor
 * @returns {Schema}
 * @throws {SchemaError}
 */
export function parseSchema(descriptor) {
  let doc = descriptor;
  if (typeof descriptor === 'string') {
    if (new TextEncoder().encode(descriptor).length > MAX_DESCRIPTOR_BYTES) {
      throw new SchemaError('too_large', `the descriptor is over ${MAX_DESCRIPTOR_BYTES} bytes`);
    }
    try {
      doc = parseStrictJson(descriptor);
    } catch (e) {
      throw json(e.message);
    }
  }
  const d = readDescriptor(doc);
  validate(d);
  const canonical = canonicalJson(d);
  if (new TextEncoder().encode(canonical).length > MAX_DESCRIPTOR_BYTES) {
    throw new SchemaError('too_large', `the descriptor is over ${MAX_DESCRIPTOR_BYTES} bytes`);
  }
  const kinds = Object.freeze(d.kinds.map(makeKind));
  return Object.freeze({
    format: d.format,
    name: d.name,
    description: d.description,
    kinds,
    input: laidOut(d.input),
    events: Object.freeze(d.events.map((e) => Object.freeze({ name: e.name, fields: laidOut(e.fields) }))),
    canonical,
    hash: hashCanonical(canonical),
    /** The wire index of the kind named `name`, or -1. */
    kindIndex: (name) => kinds.findIndex((k) => k.name === name),
  });
}

/**
 * A game as GET /api/games/{name} answers it ({name, schema_hash, description,
 * schema}): the schema, checked against the hash the server states.
 * @param {{name: string, schema_hash: string, schema: object}} detail
 * @returns {Schema}
 */
export function parseGameDetail(detail) {
  if (!isObject(detail)) throw json('the game detail is not an object');
  const schema = parseSchema(detail.schema);
  if (detail.schema_hash !== schema.hash) {
    throw new SchemaError('hash_mismatch', `the server says schema ${detail.schema_hash}; the descriptor hashes to ${schema.hash}`);
  }
  return schema;
}

/**
 * Fetch and check a game's schema from a tickcast server.
 * @param {string} name the game's name
 * @param {{base?: string, fetch?: typeof fetch}} [options] `base`: the server's URL
 * @returns {Promise<Schema>}
 */
export async function fetchSchema(name, { base = '', fetch: get = globalThis.fetch } = {}) {
  const response = await get(`${base}/api/games/${encodeURIComponent(name)}`);
  if (!response.ok) throw new Error(`GET /api/games/${name}: ${response.status}`);
  return parseGameDetail(await response.json());
}
