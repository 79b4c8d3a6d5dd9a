// Input for any game: a game's page module (assets/web/games/<game>.js) when it has
// one, else a mapping made from its input schema alone; and the module's answer
// (values by field name, in the units people think in) turned into the schema's
// input values.
//
// The default mapping: arrows/WASD drive the first `vec2` field (as a unit step
// vector) or, failing that, the flags labelled up/down/left/right; an `angle` field
// follows the direction moved (or the touch stick); space sets the first other
// flag.

const MODULE_NAME = /^[a-z0-9_-]{1,32}$/;

/** The page module of game `name`, or null when it has none (or cannot load). */
export async function loadGameModule(name) {
  if (!MODULE_NAME.test(name)) return null;
  try {
    const module = await import(`../games/${name}.js`);
    return typeof module.inputFor === 'function' ? module : null;
  } catch {
    return null;
  }
}

const DIRECTIONS = { up: [0, 1], down: [0, -1], left: [-1, 0], right: [1, 0] };
const KEYS = { up: ['KeyW', 'ArrowUp'], down: ['KeyS', 'ArrowDown'], left: ['KeyA', 'ArrowLeft'], right: ['KeyD', 'ArrowRight'] };

/** The default page module of `schema` (see the module comment). */
export function defaultModule(schema) {
  let facing = 0;
  return {
    inputFor(keys, pointer) {
      const held = (dir) => KEYS[dir].some((c) => keys.has(c));
      let dx = 0;
      let dy = 0;
      for (const [dir, [x, y]] of Object.entries(DIRECTIONS)) {
        if (held(dir)) {
          dx += x;
          dy += y;
        }
      }
      if (dx || dy) facing = Math.atan2(dy, dx);
      if (pointer.stick !== null) {
        facing = pointer.stick;
        dx = Math.cos(facing);
        dy = Math.sin(facing);
      }
      const len = Math.hypot(dx, dy) || 1;
      const out = {};
      let moved = false;
      let fired = false;
      for (const field of schema.input) {
        const type = field.codec.type;
        if (type === 'vec2' && !moved) {
          out[field.name] = [dx / len, dy / len];
          moved = true;
        } else if (type === 'angle') {
          out[field.name] = facing;
        } else if (type === 'flags') {
          const set = field.labels.filter((l) => DIRECTIONS[l] && !moved && held(l));
          if (set.length) moved = true;
          const other = field.labels.find((l) => !DIRECTIONS[l]);
          if (other && !fired && (keys.has('Space') || pointer.button)) {
            set.push(other);
            fired = true;
          }
          out[field.name] = set;
        }
      }
      return out;
    },
  };
}

const wrap = (v, steps) => ((Math.round(v) % steps) + steps) % steps;

/** One field's values from a person's value (the inverse of the SDK's displayValue). */
function fieldValues(field, v) {
  const c = field.codec;
  const num = (x) => (Number.isFinite(x) ? Math.trunc(x) | 0 : 0);
  switch (c.type) {
    case 'vec2': {
      const [x, y] = Array.isArray(v) ? v : [0, 0];
      return [num(x * c.scale), num(y * c.scale)];
    }
    case 'angle':
      return [Number.isFinite(v) ? wrap((v * c.steps) / (2 * Math.PI), c.steps) : 0];
    case 'fixed':
      return [num(v * c.scale)];
    case 'flags':
      return [Array.isArray(v) ? v.reduce((bits, l) => bits | (field.labels.indexOf(l) >= 0 ? 1 << field.labels.indexOf(l) : 0), 0) : num(v)];
    case 'enum':
      return [typeof v === 'string' ? Math.max(0, field.labels.indexOf(v)) : num(v)];
    case 'float32': {
      const view = new DataView(new ArrayBuffer(4));
      view.setFloat32(0, Number(v) || 0);
      return [view.getInt32(0)];
    }
    default:
      return [typeof v === 'boolean' ? Number(v) : num(v)];
  }
}

/** The schema's input values (an array of i32) of `input` ({field name: value}). */
export function inputValues(schema, input) {
  const out = [];
  for (const field of schema.input) out.push(...fieldValues(field, input?.[field.name]));
  return out;
}
