/**
 * The LSTM cell kernels (`lstmState`, `lstmOutput` and their gradients) as SIMD128 loops, four
 * hidden units at a time, in a small module of their own with its own memory (inputs are copied
 * in and the result out, as the other wasm kernels do). The gate activations use float32 SIMD
 * approximations of exp (Cephes' expf: range reduction by ln 2, a degree-6 polynomial, 2^k from
 * the exponent bits; ≤ 2 ulp on [−87, 88], +∞ above, e^−87 below) and tanh (Cephes' tanhf
 * polynomial below |x| = 0.625, 1 − 2/(e^{2|x|} + 1) above), so they differ from the reference
 * kernels (float64 Math.exp/Math.tanh, one rounding) in the last few bits — the size of
 * PyTorch's own SIMD activations' error — and each is ~20× faster than a Math.exp call per
 * element. A hidden size that is not a multiple of 4 runs the reference loops.
 */
import type { KernelInput, Kernels } from '../../kernels.js';
import type { Shape } from '../../shape.js';
import { lstmOutputGradient, lstmOutputLoop, lstmStateGradient, lstmStateLoop } from '../reference/lstm.js';
import { f32, f32x4, i32, i32x4, ModuleBuilder, v128, type FunctionBuilder, type Local, type Operand } from './emitter.js';

const MAX_PAGES = 16384;
const I32x5 = ['i32', 'i32', 'i32', 'i32', 'i32'] as const;
const I32x6 = [...I32x5, 'i32'] as const;

/** Cephes expf's polynomial, highest degree first: e^r ≈ 1 + r + r²·P(r) for |r| ≤ ln2/2. */
const EXP_P = [1.987569150e-4, 1.3981999507e-3, 8.3334519073e-3, 4.1665795894e-2, 1.6666665459e-1, 5.0000001201e-1];
/** Cephes tanhf's polynomial in z = x², highest first: tanh x ≈ x + x·z·Q(z) for |x| < 0.625. */
const TANH_Q = [-5.70498872745e-3, 2.06390887954e-2, -5.37397155531e-2, 1.33314422036e-1, -3.33332819422e-1];

/** Constants splatted once per function, and scratch registers for the activations. */
class Activations {
  private readonly c: Record<string, Local> = {};
  private readonly p: Local[];
  private readonly q: Local[];
  private readonly t: Local;
  private readonly k: Local;
  private readonly r: Local;
  private readonly e: Local;
  private readonly a: Local;
  private readonly z: Local;
  private readonly x: Local;

  constructor(private readonly f: FunctionBuilder) {
    const splat = (v: number): Local => {
      const l = f.local('v128');
      f.set(l, f32x4.splat(f32.const(v)));
      return l;
    };
    for (const [name, v] of Object.entries({ one: 1, two: 2, lo: -87, hi: 88, inf: Infinity, log2e: Math.LOG2E, ln2hi: 0.693359375, ln2lo: -2.12194440e-4, small: 0.625 })) this.c[name] = splat(v);
    this.c.bias = f.local('v128');
    f.set(this.c.bias, i32x4.splat(127));
    this.c.sign = f.local('v128');
    f.set(this.c.sign, i32x4.splat(0x80000000 | 0));
    this.p = EXP_P.map(splat);
    this.q = TANH_Q.map(splat);
    [this.t, this.k, this.r, this.e, this.a, this.z, this.x] = Array.from({ length: 7 }, () => f.local('v128'));
  }

  /** out = e^x (x clamped below at −87; +∞ above 88; NaN stays NaN). `x` must not be `out`. */
  exp(out: Local, x: Local): void {
    const { f, c, t, k, r, p } = this;
    f.set(t, f32x4.min(f32x4.max(x, c.lo), c.hi));
    f.set(k, f32x4.nearest(f32x4.mul(t, c.log2e)));
    f.set(r, f32x4.sub(f32x4.sub(t, f32x4.mul(k, c.ln2hi)), f32x4.mul(k, c.ln2lo)));
    let poly: Operand = p[0];
    for (const coeff of p.slice(1)) poly = f32x4.add(f32x4.mul(poly, r), coeff);
    const y = f32x4.add(f32x4.add(f32x4.mul(poly, f32x4.mul(r, r)), r), c.one);
    const scale = i32x4.shl(i32x4.add(i32x4.truncSatF32x4(k), c.bias), 23);
    f.set(out, f32x4.mul(y, scale));
    // above the clamp e^x overflows float32 anyway: +∞ there, so σ(−∞) is 0 and 0·∞ is NaN as in the reference
    f.set(out, v128.bitselect(c.inf, out, f32x4.gt(x, c.hi)));
  }

  /** out = σ(x) = 1 / (1 + e^{−x}). */
  sigmoid(out: Local, x: Operand): void {
    this.f.set(this.x, f32x4.neg(x));
    this.exp(this.e, this.x);
    this.f.set(out, f32x4.div(this.c.one, f32x4.add(this.c.one, this.e)));
  }

  /** out = tanh(x): the odd polynomial for |x| < 0.625, else 1 − 2/(e^{2|x|} + 1), with x's sign. */
  tanh(out: Local, x: Local): void {
    const { f, c, a, z, e, q } = this;
    f.set(a, f32x4.abs(x));
    f.set(z, f32x4.mul(a, a));
    let poly: Operand = q[0];
    for (const coeff of q.slice(1)) poly = f32x4.add(f32x4.mul(poly, z), coeff);
    f.set(out, f32x4.add(f32x4.mul(f32x4.mul(poly, z), a), a));
    f.set(this.x, f32x4.add(a, a));
    this.exp(e, this.x);
    const large = f32x4.sub(c.one, f32x4.div(c.two, f32x4.add(e, c.one)));
    f.set(out, v128.bitselect(out, large, f32x4.lt(a, c.small)));
    f.set(out, v128.or(out, v128.and(x, c.sign)));
  }

  /** y·(1 − y): σ's derivative from its value. */
  sigmoidSlope(y: Local): Operand {
    return f32x4.mul(y, f32x4.sub(this.c.one, y));
  }

  /** 1 − y²: tanh's derivative from its value. */
  tanhSlope(y: Local): Operand {
    return f32x4.sub(this.c.one, f32x4.mul(y, y));
  }
}

/**
 * Calls `body(g, s)` for every 4 units of every row: `g` is the byte offset of the row's i block
 * in a [rows, 4H] array, `s` of the same units in a [rows, H] array (`hb` = 4H bytes).
 */
function forEachQuad(f: FunctionBuilder, rows: Local, hb: Local, body: (g: Local, s: Local) => void): void {
  const n = f.local('i32'), b = f.local('i32'), gRow = f.local('i32'), sRow = f.local('i32'), g = f.local('i32'), s = f.local('i32');
  f.for(n, 0, rows, 1, () => {
    f.set(gRow, i32.mul(i32.shl(n, 2), hb));
    f.set(sRow, i32.mul(n, hb));
    f.for(b, 0, hb, 16, () => {
      f.set(g, i32.add(gRow, b));
      f.set(s, i32.add(sRow, b));
      body(g, s);
    });
  });
}

/** Builds the module: six functions over byte addresses, `rows` and `hb` = 4·H bytes (H a multiple of 4). */
function buildLstmModule(): WebAssembly.Module {
  const mb = new ModuleBuilder({ initial: 1, maximum: MAX_PAGES, shared: false });
  const gate = (gates: Local, g: Local, hb: Local, k: number) => v128.load(i32.add(i32.add(gates, g), k === 0 ? 0 : i32.mul(hb, k)));
  const at = (base: Local, off: Local) => i32.add(base, off);

  mb.func('lstm_state', [...I32x5], (f, gates, c, y, rows, hb) => {
    const act = new Activations(f);
    const si = f.local('v128'), sf = f.local('v128'), gv = f.local('v128'), tg = f.local('v128');
    forEachQuad(f, rows, hb, (g, s) => {
      act.sigmoid(si, gate(gates, g, hb, 0));
      act.sigmoid(sf, gate(gates, g, hb, 1));
      f.set(gv, gate(gates, g, hb, 2));
      act.tanh(tg, gv);
      f.storeV128(at(y, s), f32x4.add(f32x4.mul(sf, v128.load(at(c, s))), f32x4.mul(si, tg)));
    });
  });

  mb.func('lstm_state_grad_gates', [...I32x6], (f, dy, gates, c, y, rows, hb) => {
    const act = new Activations(f);
    const d = f.local('v128'), si = f.local('v128'), sf = f.local('v128'), gv = f.local('v128'), tg = f.local('v128'), o = f.local('i32');
    forEachQuad(f, rows, hb, (g, s) => {
      f.set(d, v128.load(at(dy, s)));
      act.sigmoid(si, gate(gates, g, hb, 0));
      act.sigmoid(sf, gate(gates, g, hb, 1));
      f.set(gv, gate(gates, g, hb, 2));
      act.tanh(tg, gv);
      f.set(o, at(y, g));
      f.storeV128(o, f32x4.mul(f32x4.mul(d, tg), act.sigmoidSlope(si)));
      f.storeV128(i32.add(o, hb), f32x4.mul(f32x4.mul(d, v128.load(at(c, s))), act.sigmoidSlope(sf)));
      f.storeV128(i32.add(o, i32.shl(hb, 1)), f32x4.mul(f32x4.mul(d, si), act.tanhSlope(tg)));
      f.storeV128(i32.add(o, i32.mul(hb, 3)), v128.zero());
    });
  });

  mb.func('lstm_state_grad_c', [...I32x5], (f, dy, gates, y, rows, hb) => {
    const act = new Activations(f);
    const sf = f.local('v128');
    forEachQuad(f, rows, hb, (g, s) => {
      act.sigmoid(sf, gate(gates, g, hb, 1));
      f.storeV128(at(y, s), f32x4.mul(v128.load(at(dy, s)), sf));
    });
  });

  mb.func('lstm_output', [...I32x5], (f, gates, c, y, rows, hb) => {
    const act = new Activations(f);
    const so = f.local('v128'), cv = f.local('v128'), tc = f.local('v128');
    forEachQuad(f, rows, hb, (g, s) => {
      act.sigmoid(so, gate(gates, g, hb, 3));
      f.set(cv, v128.load(at(c, s)));
      act.tanh(tc, cv);
      f.storeV128(at(y, s), f32x4.mul(so, tc));
    });
  });

  mb.func('lstm_output_grad_gates', [...I32x6], (f, dy, gates, c, y, rows, hb) => {
    const act = new Activations(f);
    const so = f.local('v128'), cv = f.local('v128'), tc = f.local('v128'), o = f.local('i32');
    forEachQuad(f, rows, hb, (g, s) => {
      act.sigmoid(so, gate(gates, g, hb, 3));
      f.set(cv, v128.load(at(c, s)));
      act.tanh(tc, cv);
      f.set(o, at(y, g));
      f.storeV128(o, v128.zero());
      f.storeV128(i32.add(o, hb), v128.zero());
      f.storeV128(i32.add(o, i32.shl(hb, 1)), v128.zero());
      f.storeV128(i32.add(o, i32.mul(hb, 3)), f32x4.mul(f32x4.mul(v128.load(at(dy, s)), tc), act.sigmoidSlope(so)));
    });
  });

  mb.func('lstm_output_grad_c', [...I32x6], (f, dy, gates, c, y, rows, hb) => {
    const act = new Activations(f);
    const so = f.local('v128'), cv = f.local('v128'), tc = f.local('v128');
    forEachQuad(f, rows, hb, (g, s) => {
      act.sigmoid(so, gate(gates, g, hb, 3));
      f.set(cv, v128.load(at(c, s)));
      act.tanh(tc, cv);
      f.storeV128(at(y, s), f32x4.mul(f32x4.mul(v128.load(at(dy, s)), so), act.tanhSlope(tc)));
    });
  });

  return new WebAssembly.Module(mb.toBytes() as BufferSource);
}

let compiled: WebAssembly.Module | undefined;

type In = KernelInput<Float32Array>;
type LstmKernels = Required<Pick<Kernels<Float32Array>, 'lstmState' | 'lstmStateBackward' | 'lstmOutput' | 'lstmOutputBackward'>>;

/**
 * The wasm backend's LSTM kernels: the SIMD loops above where H is a multiple of 4, else the
 * reference loops; results go into arrays from `allocate` (fully overwritten).
 */
export function createLstmKernels(allocate: (n: number) => Float32Array): LstmKernels {
  compiled ??= buildLstmModule();
  const memory = new WebAssembly.Memory({ initial: 1, maximum: MAX_PAGES });
  const exports = new WebAssembly.Instance(compiled, { env: { memory } }).exports as Record<string, (...args: number[]) => void>;
  let top = 0;
  const reserve = (floats: number): number => {
    const at = top;
    top += Math.ceil(floats / 16) * 64;
    const need = top - memory.buffer.byteLength;
    if (need > 0) {
      if (top > MAX_PAGES * 65536) throw new RangeError(`wasm backend: an LSTM kernel call needs ${Math.ceil(top / 2 ** 20)} MiB, over the ${MAX_PAGES / 16} MiB limit`);
      memory.grow(Math.ceil(need / 65536));
    }
    return at;
  };
  /**
   * Copies the inputs in (of the gates, argument `gatesAt`, only the blocks the function reads),
   * runs `name(...addresses, out, rows, 4·H)` and copies `outFloats` out.
   */
  const call = (name: string, inputs: readonly In[], outFloats: number, [rows, h]: Shape, gatesAt: number, blocks: readonly number[]): Float32Array => {
    top = 0;
    const addresses = inputs.map((x) => reserve(x.data.length));
    const yAt = reserve(outFloats);
    const heap = new Float32Array(memory.buffer);
    inputs.forEach((x, k) => {
      if (k !== gatesAt || blocks.length === 4) return heap.set(x.data, addresses[k] / 4);
      for (let n = 0, at = addresses[k] / 4; n < rows; n++) {
        for (const b of blocks) heap.set(x.data.subarray((4 * n + b) * h, (4 * n + b + 1) * h), at + (4 * n + b) * h);
      }
    });
    exports[name](...addresses, yAt, rows, 4 * h);
    const y = allocate(outFloats);
    y.set(heap.subarray(yAt / 4, yAt / 4 + outFloats));
    return y;
  };
  const simd = (shape: Shape) => shape[1] % 4 === 0;
  // gate blocks each function reads: i, f, g for the state, f for its c gradient, o for the output
  const IFG = [0, 1, 2], F = [1], O = [3];
  return {
    lstmState: (gates, c, out) => (simd(out) ? call('lstm_state', [gates, c], c.data.length, out, 0, IFG) : (lstmStateLoop(gates.data, c.data, out, allocate) as Float32Array)),
    lstmOutput: (gates, c, out) => (simd(out) ? call('lstm_output', [gates, c], c.data.length, out, 0, O) : (lstmOutputLoop(gates.data, c.data, out, allocate) as Float32Array)),
    lstmStateBackward(dy, gates, c, wrt) {
      if (!simd(c.shape)) return lstmStateGradient(dy.data, gates.data, c.data, c.shape, wrt, allocate) as Float32Array;
      return wrt === 'gates'
        ? call('lstm_state_grad_gates', [dy, gates, c], gates.data.length, c.shape, 1, IFG)
        : call('lstm_state_grad_c', [dy, gates], c.data.length, c.shape, 1, F);
    },
    lstmOutputBackward(dy, gates, c, wrt) {
      if (!simd(c.shape)) return lstmOutputGradient(dy.data, gates.data, c.data, c.shape, wrt, allocate) as Float32Array;
      return call(wrt === 'gates' ? 'lstm_output_grad_gates' : 'lstm_output_grad_c', [dy, gates, c], wrt === 'gates' ? gates.data.length : c.data.length, c.shape, 1, O);
    },
  };
}
