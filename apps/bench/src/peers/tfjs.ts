/** TensorFlow.js 4.22 as a peer: its `cpu` and `wasm` backends, in this process. */
import { createRequire } from 'node:module';
import type * as TfCore from '@tensorflow/tfjs-core';
import type * as TfWasm from '@tensorflow/tfjs-backend-wasm';

// Load the CommonJS node builds, as a Node user's `require` would: the ESM entry points resolve
// to the browser builds, whose wasm backend runs without SIMD here (about 10× slower).
const require = createRequire(import.meta.url);
export const tf = require('@tensorflow/tfjs-core') as typeof TfCore;
require('@tensorflow/tfjs-backend-cpu');
const tfwasm = require('@tensorflow/tfjs-backend-wasm') as typeof TfWasm;

export type TfBackend = 'cpu' | 'wasm';

export async function useTf(backend: TfBackend): Promise<string> {
  await tf.setBackend(backend);
  await tf.ready();
  // In Node the wasm backend runs single-threaded: its threaded build spawns workers from blob:
  // URLs, which Node's Worker rejects (ERR_WORKER_PATH).
  return backend === 'wasm' ? `tfjs-wasm (${tfwasm.getThreadsCount()} thread, XNNPACK)` : 'tfjs-cpu';
}
