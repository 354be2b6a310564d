// An example of site/guide/backends.md, which shows the region below.
// #region example
import { getBackend, matmul, randn, setBackend, withBackend } from '@wn/tensor';

const before = getBackend();                              // 'wasm' unless WN_BACKEND says otherwise
setBackend('reference');                                  // from now on
const exact = withBackend('reference64', () => matmul(randn([3, 4], { seed: 1 }), randn([4, 2], { seed: 2 })).toArray()); // one synchronous call
const now = getBackend();                                 // 'reference'
const slow = matmul(randn([3, 4], { seed: 1 }), randn([4, 2], { seed: 2 })).toArray(); // the same numbers, float32
setBackend(before);
// #endregion example

export { before, exact, now, slow };
