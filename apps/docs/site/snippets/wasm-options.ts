// An example of site/guide/backends.md, which shows the region below.
import { getBackend as currentBackend } from '@wn/tensor';

const previous = currentBackend();
// #region example
import { createWasmBackend, getBackend, registerBackend, setBackend } from '@wn/tensor';

registerBackend('wasm-1', () => createWasmBackend({ threads: 1, fma: false }));
setBackend('wasm-1');
const name = getBackend(); // 'wasm': a backend reports its own name; 'wasm-1' is the registry's
// #endregion example
setBackend(previous);

export { name };
