// A game's schema as the Welcome carries it (the JSON descriptor of
// shared/src/schema/descriptor.rs), and what the pages need of it to speak protocol
// 5 without knowing the game: inputs as the input fields' values, events as named
// objects. A field takes one value, a `vec2` two (its parts), in declaration order;
// a `float32` travels as its bits.
//
// The descriptor comes from the network: its size is bounded before parsing and its
// shape checked after; a bad one throws a SchemaError.

/** Largest descriptor read (the server's own bound, MAX_DESCRIPTOR_BYTES). */
export const MAX_DESCRIPTOR_BYTES = 64 * 1024;
/** Most fields in one list, and most values of a row (every field a vec2). */
const MAX_FIELDS = 16;
const MAX_EVENTS = 64;

export class SchemaError extends Error {
  constructor(message) {
    super(message);
    this.name = 'SchemaError';
  }
}

const isName = (n) => typeof n === 'string' && n.length > 0 && n.length <= 32;

function checkFields(fields, where) {
  if (!Array.isArray(fields) || fields.length > MAX_FIELDS) throw new SchemaError(`${where}: not a list of at most ${MAX_FIELDS} fields`);
  for (const f of fields) {
    if (!f || !isName(f.name) || !f.codec || typeof f.codec.type !== 'string') throw new SchemaError(`${where}: a field without a name or codec`);
    if (f.codec.type === 'vec2' && !(Array.isArray(f.parts) && f.parts.length === 2 && f.parts.every(isName))) {
      throw new SchemaError(`${where}: vec2 ${f.name} needs two part names`);
    }
  }
  return fields;
}

/** Parse and check a schema descriptor (JSON text). */
export function parseSchema(text) {
  if (typeof text !== 'string' || text.length > MAX_DESCRIPTOR_BYTES) throw new SchemaError('schema descriptor missing or too large');
  let d;
  try {
    d = JSON.parse(text);
  } catch (e) {
    throw new SchemaError(`schema descriptor is not JSON: ${e.message}`);
  }
  if (!d || !isName(d.name) || !Array.isArray(d.kinds) || !Array.isArray(d.events) || d.events.length > MAX_EVENTS) {
    throw new SchemaError('schema descriptor lacks a name, kinds or events');
  }
  for (const k of d.kinds) checkFields(k?.fields, `kind ${k?.name}`);
  checkFields(d.input, 'input');
  for (const e of d.events) {
    if (!isName(e?.name)) throw new SchemaError('an event without a name');
    checkFields(e.fields, `event ${e.name}`);
  }
  return d;
}

/** The names a field's values take: a vec2's parts, else the field's name. */
function valueNames(field) {
  return field.codec.type === 'vec2' ? field.parts : [field.name];
}

const scratch = new DataView(new ArrayBuffer(4));

function toValue(codec, v) {
  if (codec.type === 'float32') {
    scratch.setFloat32(0, Number(v) || 0);
    return scratch.getInt32(0);
  }
  if (typeof v === 'boolean') return v ? 1 : 0;
  return Number.isFinite(v) ? Math.trunc(v) | 0 : 0;
}

function fromValue(codec, v) {
  if (codec.type === 'float32') {
    scratch.setInt32(0, v);
    return scratch.getFloat32(0);
  }
  if (codec.type === 'ref' || (codec.type === 'int' && !codec.signed && codec.bits === 32)) return v >>> 0;
  return v;
}

/** An input object (`{buttons: 9, aim: 1.5}`, keyed by the input's value names) as
 * the schema's input values; missing values are 0. An array passes as it is. */
export function inputValues(schema, input) {
  if (Array.isArray(input)) return input;
  const out = [];
  for (const field of schema.input) {
    for (const name of valueNames(field)) out.push(toValue(field.codec, input?.[name]));
  }
  return out;
}

/** An event row `{event, values}` as `{type: <event name>, <value name>: value...}`
 * (player and entity references as unsigned ids, floats as numbers); `null` for an
 * index the schema does not have. */
export function eventObject(schema, row) {
  const event = schema.events[row.event];
  if (!event) return null;
  const out = { type: event.name };
  let i = 0;
  for (const field of event.fields) {
    for (const name of valueNames(field)) {
      out[name] = fromValue(field.codec, row.values[i] ?? 0);
      i += 1;
    }
  }
  return out;
}
