/** parametrize / removeParametrization with custom parametrizations, end to end. */
import { describe, expect, it } from 'vitest';
import { add, div, exp, log, matmul, mul, reshape, Rng, sqrt, sum, tensor, tidy, transpose, WnError, type Tensor } from '@wn/tensor';
import { gradcheck } from '@wn/autograd';
import {
  initFromData, isParametrized, Linear, loadState, Parametrization, parametrize, removeParametrization, saveState, Sequential, WeightNorm,
  weightNormNorm, type Param, type ParametrizedTensor, type PreActivationStats,
} from '../src/index.js';

/** A symmetric weight: w = (a + aᵀ)/2; for a symmetric w, rightInverse(w) = w is exact. */
class Symmetric extends Parametrization {
  forward(a: Tensor): Tensor {
    return mul(add(a, transpose(a)), 0.5);
  }
}

/** One global scale times a unit-norm matrix: w = s · d, originals (‖w‖, w/‖w‖). */
class GlobalScale extends Parametrization {
  forward(s: Tensor, d: Tensor): Tensor {
    return mul(d, s);
  }
  override rightInverse(w: Tensor): Tensor[] {
    const n = sqrt(sum(mul(w, w)));
    return [n, div(w, n)];
  }
}

/**
 * Weight norm with a log-scale, w = exp(ℓ) · v/‖v‖: a parametrization this package knows nothing
 * about, offering data-dependent init through the hook (ℓ ← log(s/σ)).
 */
class LogScaleNorm extends Parametrization {
  forward(l: Tensor, v: Tensor): Tensor {
    return mul(div(v, weightNormNorm(v, 0)), exp(l));
  }
  override rightInverse(w: Tensor): Tensor[] {
    return [log(weightNormNorm(w, 0)), w];
  }
  override dataInitWeight(_l: Tensor, v: Tensor): Tensor {
    return div(v, weightNormNorm(v, 0));
  }
  override dataInit(originals: readonly Param[], stats: PreActivationStats): void {
    originals[0].update(reshape(log(div(stats.scale, stats.std)), originals[0].shape));
  }
}

const slotOf = (layer: Linear): ParametrizedTensor => layer.weight as ParametrizedTensor;
const values = (t: Tensor): number[] => Array.from(t.dataSync());

/** A Linear(4, 4) whose weight is symmetric, so wrapping it with Symmetric changes nothing. */
function symmetricLinear(seed: number): Linear {
  const layer = new Linear(4, 4, { rng: seed });
  const w = layer.weight as Param;
  w.update(tidy(() => mul(add(w.value, transpose(w.value)), 0.5)));
  return layer;
}

describe('parametrize', () => {
  it('a custom one-original parametrization: same function, PyTorch names, forward = P.forward(original)', () => {
    tidy(() => {
      const layer = symmetricLinear(1);
      const x = new Rng(2).normal([3, 4]);
      const before = values(layer.forward(x));
      parametrize(layer, 'weight', new Symmetric());
      expect(Object.keys(layer.stateDict())).toEqual(['parametrizations.weight.original', 'bias']);
      expect(values(layer.forward(x))).toEqual(before);
      // a non-symmetric original: the layer computes with its symmetric part
      const a = new Rng(3).normal([4, 4]);
      slotOf(layer).originals[0].value = a;
      const expected = add(matmul(x, mul(add(a, transpose(a)), 0.5), { transposeB: true }), layer.bias!.value);
      values(layer.forward(x)).forEach((v, i) => expect(v).toBeCloseTo(expected.dataSync()[i], 5));
    });
  });

  it('several originals are named original0, original1 and survive a safetensors round trip', () => {
    tidy(() => {
      const layer = parametrize(new Linear(5, 3, { rng: 4 }), 'weight', new GlobalScale());
      expect(Object.keys(layer.stateDict())).toEqual(['parametrizations.weight.original0', 'parametrizations.weight.original1', 'bias']);
      expect([...slotOf(layer).originals[0].shape]).toEqual([]);
      const x = new Rng(5).normal([2, 5]);
      const fresh = parametrize(new Linear(5, 3, { rng: 77 }), 'weight', new GlobalScale());
      loadState(fresh, saveState(layer));
      expect(values(fresh.forward(x))).toEqual(values(layer.forward(x)));
    });
  });

  it('gradients through a custom parametrization match finite differences (float64 gradcheck)', () => {
    const layer = parametrize(new Linear(4, 4, { rng: 6 }), 'weight', new Symmetric());
    const original = slotOf(layer).originals[0];
    const up = new Rng(7).normalArray(12);
    const host = (t: Tensor) => ({ values: Float64Array.from(t.dataSync()), shape: [...t.shape] });
    const res = gradcheck((x, a, b) => {
      original.value = a;
      layer.bias!.value = b;
      return sum(mul(layer.forward(x), tensor(up, [3, 4])));
    }, [{ values: new Rng(8).normalArray(12), shape: [3, 4] }, host(original.value), host(layer.bias!.value)]);
    expect(res.ok, JSON.stringify(res)).toBe(true);

    const scaled = parametrize(new Linear(3, 2, { rng: 9, bias: false }), 'weight', new GlobalScale());
    const [s, d] = slotOf(scaled).originals;
    const up2 = new Rng(10).normalArray(4);
    const res2 = gradcheck((x, sv, dv) => {
      s.value = sv;
      d.value = dv;
      return sum(mul(scaled.forward(x), tensor(up2, [2, 2])));
    }, [{ values: new Rng(11).normalArray(6), shape: [2, 3] }, host(s.value), host(d.value)]);
    expect(res2.ok, JSON.stringify(res2)).toBe(true);
  });

  it('removeParametrization folds the current value back into `weight`, or keeps the original', () => {
    tidy(() => {
      const x = new Rng(12).normal([2, 4]);
      const layer = parametrize(new Linear(4, 4, { rng: 13 }), 'weight', new Symmetric());
      slotOf(layer).originals[0].value = new Rng(14).normal([4, 4]);
      const y = values(layer.forward(x));
      removeParametrization(layer, 'weight');
      expect(Object.keys(layer.stateDict())).toEqual(['weight', 'bias']);
      expect(isParametrized(layer, 'weight')).toBe(false);
      expect(values(layer.forward(x))).toEqual(y);

      const kept = parametrize(new Linear(4, 4, { rng: 15 }), 'weight', new Symmetric());
      const a = new Rng(16).normal([4, 4]);
      slotOf(kept).originals[0].value = a;
      removeParametrization(kept, 'weight', { leaveParametrized: false });
      expect(values((kept.weight as Param).value)).toEqual(values(a));
      const two = parametrize(new Linear(3, 2), 'weight', new GlobalScale());
      expect(() => removeParametrization(two, 'weight', { leaveParametrized: false })).toThrow(/needs one original of the tensor's shape \[2, 3\]; Linear.weight has 2 \(\[\], \[2, 3\]\)/);
    });
  });

  it('refuses bad registrations with clear errors and leaves the layer as it was', () => {
    const layer = new Linear(3, 2, { rng: 17 });
    const w = layer.weight;
    expect(() => parametrize(layer, 'weight', new Symmetric())).toThrow(/Symmetric.forward fails on the originals of Linear.weight \[2, 3\]: add: shapes \[2, 3\] and \[3, 2\]/);
    class Flat extends Parametrization {
      forward(a: Tensor): Tensor {
        return reshape(a, [-1]);
      }
    }
    expect(() => parametrize(layer, 'weight', new Flat())).toThrow(/Flat.forward gives shape \[6\] for Linear.weight of shape \[2, 3\]/);
    expect(layer.weight).toBe(w);
    expect((w as Param).value.isDisposed).toBe(false);
    expect(() => parametrize(layer, 'nothing', new Symmetric())).toThrow(/Linear has no parameter 'nothing'/);
    expect(() => parametrize(layer, 'weight', {} as Parametrization)).toThrow(/expected a Parametrization/);
    class Broken extends Parametrization {
      forward(a: Tensor): Tensor {
        return a;
      }
      override rightInverse(): Tensor[] {
        return [];
      }
    }
    expect(() => parametrize(layer, 'weight', new Broken())).toThrow(/Broken.rightInverse: expected a Tensor or a non-empty array of Tensors/);
    parametrize(layer, 'weight', new GlobalScale());
    expect(() => parametrize(layer, 'weight', new GlobalScale())).toThrow(/already parametrized \(GlobalScale\)/);
    expect(() => removeParametrization(layer, 'bias')).toThrow(WnError);
    expect(() => removeParametrization(layer, 'bias')).toThrow(/Linear.bias is not parametrized/);
    layer.dispose();
  });

  it('weight norm is one instance: parametrize(layer, "weight", new WeightNorm(0)) is weightNorm(layer)', () => {
    tidy(() => {
      const layer = parametrize(new Linear(4, 3, { rng: 18 }), 'weight', new WeightNorm(0));
      expect(Object.keys(layer.stateDict())).toEqual(['weight_g', 'weight_v', 'bias']);
      expect(isParametrized(layer, 'weight', WeightNorm)).toBe(true);
      expect(isParametrized(layer, 'weight', Symmetric)).toBe(false);
    });
  });

  it('data-dependent init uses the hook a parametrization offers (no knowledge of its class)', () => {
    tidy(() => {
      const model = new Sequential({
        a: parametrize(new Linear(5, 6, { rng: 19 }), 'weight', new LogScaleNorm()),
        b: parametrize(new Linear(6, 2, { rng: 20 }), 'weight', new GlobalScale()),
      });
      const x = new Rng(21).normal([64, 5]);
      const report = initFromData(model, x);
      expect(report.layers.map((r) => r.path)).toEqual(['a']); // b's parametrization offers no hook
      const a = model.get('a') as Linear;
      const t = a.forward(x).dataSync();
      for (let u = 0; u < 6; u++) {
        let m = 0, m2 = 0;
        for (let i = 0; i < 64; i++) m += t[i * 6 + u] / 64;
        for (let i = 0; i < 64; i++) m2 += (t[i * 6 + u] - m) ** 2 / 64;
        expect(Math.abs(m)).toBeLessThan(1e-4);
        expect(Math.abs(Math.sqrt(m2) - 1)).toBeLessThan(1e-4);
      }
    });
  });
});
