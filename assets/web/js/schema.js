// What the pages need of a game's schema (the SDK's, sdk/schema.js, which reads
// and checks the descriptor the Welcome carries) to speak protocol 5 without
// knowing the game: inputs as the input fields' values, events as named objects. A
// field takes one value, a `vec2` two (its parts), in declaration order; a
// `float32` travels as its bits.

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
