// An example of site/guide/weight-normalization.md, which shows the region below.
import { fileURLToPath } from 'node:url';

/** The safetensors file PyTorch wrote (the repository's fixture, see tooling/scripts/make_fixtures.py). */
const torchFile = fileURLToPath(new URL('../../../../tooling/fixtures/wn_net.safetensors', import.meta.url));

// #region example
import { readFileSync } from 'node:fs';
import { Conv2d, GlobalAvgPool2d, Linear, ReLU, Sequential, loadState, saveState, weightNorm } from '@wn/layers';

// the PyTorch model: nn.Sequential(OrderedDict(conv=weight_norm(nn.Conv2d(3, 4, 3, padding=1)), relu=nn.ReLU(),
//   pool=nn.AdaptiveAvgPool2d(1) + flatten, fc=weight_norm(nn.Linear(4, 3)))), saved with safetensors.torch.save_file
const model = new Sequential({
  conv: weightNorm(new Conv2d(3, 4, 3, { padding: 1 })),
  relu: new ReLU(),
  pool: new GlobalAvgPool2d(),
  fc: weightNorm(new Linear(4, 3)),
});
const keys = Object.keys(model.stateDict()); // conv.weight_g, conv.weight_v, conv.bias, fc.weight_g, fc.weight_v, fc.bias
// torchFile: the path of that .safetensors file
loadState(model, readFileSync(torchFile), { source: torchFile }); // a key or shape mismatch is a FileFormatError
const bytes = saveState(model); // safetensors bytes: safetensors.torch.load_file reads them back
// #endregion example

export { model, keys, bytes, torchFile };
