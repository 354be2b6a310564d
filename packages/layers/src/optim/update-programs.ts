/**
 * The optimizers' update math as fused elementwise programs: each state tensor and the new
 * parameter take one pass over memory instead of a chain of ~10 ops. The programs replay
 * PyTorch's formulas op for op (same order, same float32 rounding), so the results are those of
 * the composed ops. Hyperparameters and step-dependent factors are scalar inputs, computed in
 * float64 as before, so each program is built once and backends compile it once.
 */
import { fuse, type FusedBuilder, type FusedOperand, type FusedProgram, type FusedValue } from '@wn/tensor';

/** Builds each flag combination's program once. */
function variants<F extends boolean[]>(build: (...flags: F) => FusedProgram): (...flags: F) => FusedProgram {
  const built = new Map<number, FusedProgram>();
  return (...flags) => {
    // the flags as bits: looked up once per parameter per step, so no string is built
    let key = 1;
    for (const f of flags) key = 2 * key + (f ? 1 : 0);
    let p = built.get(key);
    if (!p) built.set(key, (p = build(...flags)));
    return p;
  };
}

/** g + wd·p (PyTorch's L2 weight decay) when `decay`, else g. */
const decayed = (k: FusedBuilder, decay: boolean, g: FusedValue, p: FusedValue, wd: FusedValue): FusedValue =>
  decay ? k.add(g, k.mul(p, wd)) : g;

/** β·prev + (1−β)·x, or (1−β)·x at the first step (prev = 0). */
const ema = (k: FusedBuilder, first: boolean, prev: FusedValue, x: FusedOperand, beta: FusedValue, oneMinusBeta: FusedValue) =>
  first ? k.mul(x, oneMinusBeta) : k.add(k.mul(prev, beta), k.mul(x, oneMinusBeta));

/**
 * A moving average of the (decayed) gradient or its square, inputs
 * [prev, g, p, β, 1−β, weightDecay] (prev and p are ignored when first / not decay: pass 0).
 */
export const emaProgram = variants((first: boolean, decay: boolean, square: boolean) =>
  fuse(6, ([prev, g0, p, beta, oneMinusBeta, wd], k) => {
    const g = decayed(k, decay, g0, p, wd);
    return ema(k, first, prev, square ? k.mul(g, g) : g, beta, oneMinusBeta);
  }),
);

/** Adam's parameter update p − stepSize·m/(√v/√bc2 + eps); inputs [p, m, v, √bc2, eps, stepSize]. */
export const adamStep = fuse(6, ([p, m, v, sqrtBc2, eps, stepSize], k) =>
  k.sub(p, k.mul(k.div(m, k.add(k.div(k.sqrt(v), sqrtBc2), eps)), stepSize)),
);

/** Adamax's u ← max(β2·u, |g| + eps) (|g| + eps at the first step); inputs [prev, g, p, β2, eps, weightDecay]. */
export const adamaxNorm = variants((first: boolean, decay: boolean) =>
  fuse(6, ([prev, g0, p, beta2, eps, wd], k) => {
    const absEps = k.add(k.abs(decayed(k, decay, g0, p, wd)), eps);
    return first ? absEps : k.maximum(k.mul(prev, beta2), absEps);
  }),
);

/** p − (a/b)·c (Adamax's update); inputs [p, a, b, c]. */
export const subScaledRatio = fuse(4, ([p, a, b, c], k) => k.sub(p, k.mul(k.div(a, b), c)));

/** p − lr·x; inputs [p, x, lr]. */
export const subScaled = fuse(3, ([p, x, lr], k) => k.sub(p, k.mul(x, lr)));

/** RMSprop's denominator √s + eps, or √(s − a²) + eps when centered. */
const rmsDenom = (k: FusedBuilder, centered: boolean, s: FusedValue, a: FusedValue, eps: FusedValue) =>
  k.add(k.sqrt(centered ? k.sub(s, k.mul(a, a)) : s), eps);

/**
 * RMSprop's momentum buffer momentum·buf + g/denom (g/denom at the first step); inputs
 * [g, p, s, a, eps, weightDecay, buf, momentum] (a is ignored unless centered: pass 0).
 */
export const rmspropMomentum = variants((centered: boolean, decay: boolean, first: boolean) =>
  fuse(8, ([g0, p, s, a, eps, wd, buf, mom], k) => {
    const step = k.div(decayed(k, decay, g0, p, wd), rmsDenom(k, centered, s, a, eps));
    return first ? step : k.add(k.mul(buf, mom), step);
  }),
);

/** RMSprop without momentum: p − lr·g/denom; inputs [p, g, s, a, eps, weightDecay, lr]. */
export const rmspropStep = variants((centered: boolean, decay: boolean) =>
  fuse(7, ([p, g0, s, a, eps, wd, lr], k) =>
    k.sub(p, k.mul(k.div(decayed(k, decay, g0, p, wd), rmsDenom(k, centered, s, a, eps)), lr)),
  ),
);

/**
 * DeepMind's (Graves 2013, Nature DQN) centered RMSprop step with eps inside the root:
 * p − lr·g/√(s − a² + eps); inputs [p, g, s, a, eps, weightDecay, lr].
 */
export const natureRmspropStep = variants((decay: boolean) =>
  fuse(7, ([p, g0, s, a, eps, wd, lr], k) =>
    k.sub(p, k.mul(k.div(decayed(k, decay, g0, p, wd), k.sqrt(k.add(k.sub(s, k.mul(a, a)), eps))), lr)),
  ),
);

/**
 * SGD's momentum buffer momentum·buf + (1−dampening)·g, or g at the first step; inputs
 * [buf, g, p, momentum, 1−dampening, weightDecay].
 */
export const sgdMomentum = variants((first: boolean, decay: boolean) =>
  fuse(6, ([buf, g0, p, mom, oneMinusDamp, wd], k) => {
    const g = decayed(k, decay, g0, p, wd);
    return first ? k.mul(g, 1) : k.add(k.mul(buf, mom), k.mul(g, oneMinusDamp));
  }),
);

/**
 * SGD's parameter update p − lr·d with d = g (no momentum), the momentum buffer, or
 * g + momentum·buf (Nesterov); inputs [p, g, buf, lr, momentum, weightDecay].
 */
export const sgdStep = variants((momentum: boolean, nesterov: boolean, decay: boolean) =>
  fuse(6, ([p, g0, buf, lr, mom, wd], k) => {
    const g = decayed(k, decay, g0, p, wd);
    const d = !momentum ? g : nesterov ? k.add(g, k.mul(buf, mom)) : buf;
    return k.sub(p, k.mul(d, lr));
  }),
);
