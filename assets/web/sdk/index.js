// tickcast's game-agnostic browser SDK: everything in one import.
//
//   import { fetchSchema, RowDecoder, interpolateRows, createRenderer } from 'tickcast-sdk';
//
// - schema.js: read and check a game's JSON descriptor, its layout and hash;
// - codecs.js: the fixed registry of field codecs (display values, delta rules);
// - decode.js: the schema-driven snapshot delta decoder (rows);
// - interpolate.js: rows between two snapshots, by the schema's motion hints;
// - clock.js: the render tick of a snapshot stream (a jitter buffer);
// - render.js: a canvas view of any game from the schema's render roles.

export * from './schema.js';
export * from './codecs.js';
export * from './decode.js';
export * from './interpolate.js';
export * from './clock.js';
export * from './render.js';
