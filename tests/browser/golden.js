// Loading the golden vectors that tests/tests/golden.rs writes from the Rust code.

import { readFileSync } from 'node:fs';
import { parseSchema } from '../../assets/web/sdk/index.js';

export function golden(name) {
  return JSON.parse(readFileSync(new URL(`./golden/${name}.json`, import.meta.url), 'utf8'));
}

export function fromHex(hex) {
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** A deterministic PRNG (mulberry32) for fuzz-style tests. */
export function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The arena's schema as the SDK reads it (the descriptor of golden/sdk.json). */
export function arenaSchema() {
  return parseSchema(golden('sdk').schemas.find((s) => s.name === 'arena').descriptor);
}
