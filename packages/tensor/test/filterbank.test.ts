/**
 * gaussianFilterbank's argument errors (its gradient against autograd through the decomposition is
 * in @wn/autograd's direct-gradients test). The conformance suite ('filterbank/…') runs it on every backend with float64
 * finite-difference gradchecks; tooling/fixtures/public_ops.json checks it against PyTorch.
 */
import { describe, expect, it } from 'vitest';
import { gaussianFilterbank, gaussianFilterbankBackward, tensor, tidy } from '../src/index.js';

const c = () => tensor([3, 10], [2, 1]);
const d = () => tensor([1.5, 2], [2, 1]);
const s = () => tensor([1, 0.5], [2]);

describe('gaussianFilterbank: arguments', () => {
  it('names the input, n, length or floor that is wrong', () => {
    tidy(() => {
      expect(() => gaussianFilterbank(c(), tensor([1, 2, 3], [3, 1]), s(), 3, 9)).toThrow(/gaussianFilterbank: argument 'delta' expected one value per example, \[2\] or \[2, 1\]/);
      expect(() => gaussianFilterbank(c(), d(), tensor([1, 2], [1, 2]), 3, 9)).toThrow(/'sigma2' expected one value per example/);
      expect(() => gaussianFilterbank(c(), d(), s(), 1, 9)).toThrow(/'n' expected an integer ≥ 2, got 1/);
      expect(() => gaussianFilterbank(c(), d(), s(), 3, 0)).toThrow(/'length' expected an integer ≥ 1/);
      expect(() => gaussianFilterbank(c(), d(), s(), 3, 9, 0)).toThrow(/'floor' expected a positive finite number/);
      expect(() => gaussianFilterbankBackward(tensor([1], [1, 1, 1]), c(), d(), s(), 3, 9)).toThrow(/'dy' expected \[2, 3, 9\]/);
    });
  });
});
