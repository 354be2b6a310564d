/**
 * The backends the shared suites (conformance, PyTorch fixtures) run on besides `reference`:
 * every backend the package registers — `wasm` from the main entry, `gpujs-cpu`/`gpujs-webasm`
 * from the `@wn/tensor/gpujs` entry (imported here; `gpujs-webgl2` only registers in a browser,
 * see tooling/browser). A new backend registered in either entry is picked up with no edit here.
 */
import '../src/gpujs.js';
import { ENGINE } from '../src/index.js';

/** Names of the registered backends other than the reference pair. */
export function optionalBackends(): string[] {
  return ENGINE.registeredBackends().filter((name) => name !== 'reference' && name !== 'reference64');
}
