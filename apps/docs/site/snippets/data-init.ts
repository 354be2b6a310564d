// An example of site/guide/data-init.md, which shows the region below.
// #region example
import { randn } from '@wn/tensor';
import { ReLU, Sequential, denseUnit, initFromData } from '@wn/layers';

const model = new Sequential([
  denseUnit(20, 50, { variant: 'weightnorm+init', activation: new ReLU(), rng: 1 }), // v ~ N(0, 0.05²), g = 1, b = 0
  denseUnit(50, 10, { variant: 'weightnorm+init', rng: 2 }),
]);
const firstBatch = randn([256, 20], { seed: 3, mean: 2, std: 5 }); // badly scaled on purpose
const report = initFromData(model, firstBatch); // or initFromData(model, () => model.forward(firstBatch))
// report.layers: [{ path: '0.main', layer: 'Linear', units: 50, mean: [...], std: [...], centered: true, scale: 1 }, { path: '1.main', … }]
// report.notReached: [] (data-initializable layers the forward pass did not reach)
// #endregion example

export { model, firstBatch, report };
