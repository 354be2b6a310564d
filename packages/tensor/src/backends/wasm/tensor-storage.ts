/**
 * The storage interface of the wasm backend's tensors, on its own so that the runtime's public declarations do not
 * pull in the kernel memory's (whose WebAssembly types need the DOM or Node lib in a consumer's tsconfig).
 */

/** Where the wasm backend's tensors keep their values: arrays it hands out and takes back. */
export interface TensorStorage {
  /** An array of `length` floats with arbitrary contents (the caller overwrites all of it). */
  takeDirty(length: number): Float32Array;
  /** An array of `length` zeros. */
  takeZeroed(length: number): Float32Array;
  /** Takes back an array handed out before (others are ignored). */
  give(array: Float32Array): void;
}
