/** Seeded mutation fuzzing of file loaders (see harness.ts). */
export { fuzzFormat, formatReport, type FuzzFormat, type FuzzOptions, type FuzzReport, type FuzzFailure, type FuzzOutcome } from './harness.js';
export { mutate, type Mutation } from './mutate.js';
export { FuzzRandom } from './random.js';
export { safetensorsHeader, type JsonHeaderCodec } from './json-header.js';
