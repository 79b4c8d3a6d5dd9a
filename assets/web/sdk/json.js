// A strict JSON reader for descriptors, refusing what Rust's serde_json refuses
// where `JSON.parse` would accept it: a key twice in one object, a number written
// with a fraction or an exponent where an integer is expected (`8.0`, `8e0`, and
// `-0`: read here as a JsonFloat, which no integer reader takes), a lone surrogate escape,
// nesting deeper than serde_json's 128 levels. Otherwise RFC 8259, like both.
// Objects come back without a prototype, so a key such as `__proto__` is a key.

/** A number written with a fraction or exponent (serde_json reads it as an f64). */
export class JsonFloat {
  constructor(value) {
    this.value = value;
  }
}

/** Malformed JSON; `message` says what and where. */
export class JsonSyntaxError extends Error {}

const MAX_DEPTH = 128;
const NUMBER = /-?(?:0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/y;
const ESCAPES = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };

/**
 * Parse `text` strictly (see the module comment).
 * @param {string} text
 * @returns {unknown}
 * @throws {JsonSyntaxError}
 */
export function parseStrictJson(text) {
  let pos = 0;
  const fail = (what) => {
    throw new JsonSyntaxError(`${what} at offset ${pos}`);
  };
  const space = () => {
    while (pos < text.length && ' \t\n\r'.includes(text[pos])) pos++;
  };
  const expect = (c) => {
    if (text[pos] !== c) fail(`expected ${JSON.stringify(c)}`);
    pos++;
  };
  const hex4 = () => {
    const digits = text.slice(pos, pos + 4);
    if (!/^[0-9a-fA-F]{4}$/.test(digits)) fail('bad \\u escape');
    pos += 4;
    return parseInt(digits, 16);
  };
  const string = () => {
    expect('"');
    let out = '';
    for (;;) {
      if (pos >= text.length) fail('unterminated string');
      const c = text[pos++];
      const code = c.charCodeAt(0);
      if (c === '"') return out;
      if (code < 0x20) fail('control character in a string');
      if (code >= 0xd800 && code <= 0xdfff) {
        // Raw text is UTF-16 here; only a proper pair is a character.
        const next = text.charCodeAt(pos);
        if (code > 0xdbff || !(next >= 0xdc00 && next <= 0xdfff)) fail('lone surrogate');
        out += c + text[pos++];
      } else if (c !== '\\') {
        out += c;
      } else {
        const e = text[pos++];
        if (Object.hasOwn(ESCAPES, e)) out += ESCAPES[e];
        else if (e !== 'u') fail('bad escape');
        else {
          const unit = hex4();
          if (unit >= 0xdc00 && unit <= 0xdfff) fail('lone trailing surrogate');
          if (unit >= 0xd800 && unit <= 0xdbff) {
            if (text.slice(pos, pos + 2) !== '\\u') fail('lone leading surrogate');
            pos += 2;
            const low = hex4();
            if (low < 0xdc00 || low > 0xdfff) fail('lone leading surrogate');
            out += String.fromCharCode(unit, low);
          } else out += String.fromCharCode(unit);
        }
      }
    }
  };
  const value = (depth) => {
    space();
    const c = text[pos];
    if (c === '{' || c === '[') {
      if (depth >= MAX_DEPTH) fail('nested too deep');
      pos++;
      space();
      const close = c === '{' ? '}' : ']';
      const out = c === '{' ? Object.create(null) : [];
      if (text[pos] === close) {
        pos++;
        return out;
      }
      for (;;) {
        if (c === '{') {
          space();
          const key = string();
          if (Object.hasOwn(out, key)) fail(`duplicate key ${JSON.stringify(key)}`);
          space();
          expect(':');
          out[key] = value(depth + 1);
        } else out.push(value(depth + 1));
        space();
        if (text[pos] === ',') pos++;
        else {
          expect(close);
          return out;
        }
      }
    }
    if (c === '"') return string();
    for (const [word, v] of [['true', true], ['false', false], ['null', null]]) {
      if (text.startsWith(word, pos)) {
        pos += word.length;
        return v;
      }
    }
    NUMBER.lastIndex = pos;
    const m = NUMBER.exec(text);
    if (!m) fail('expected a value');
    pos += m[0].length;
    const n = Number(m[0]);
    // serde_json reads `-0` as the float -0.0, not as an integer.
    return m[1] || m[2] || Object.is(n, -0) ? new JsonFloat(n) : n;
  };
  const out = value(0);
  space();
  if (pos !== text.length) fail('trailing characters');
  return out;
}
