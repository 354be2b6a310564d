import { argError } from '@wn/tensor';

/** The element type of observations. */
export type ObsDtype = 'float32' | 'uint8';

/** The typed array that holds observations of a given dtype. */
export type ObsArray = Float32Array | Uint8Array;

/** Gymnasium's Box: an array of `shape` with elementwise bounds (flattened row-major). */
export class Box {
  /** Number of elements. */
  readonly size: number;
  constructor(
    /** The array's shape. */
    readonly shape: readonly number[],
    /** Lower bound of every element (flattened). */
    readonly low: readonly number[],
    /** Upper bound of every element (flattened). */
    readonly high: readonly number[],
    /** The element type. */
    readonly dtype: ObsDtype,
  ) {
    this.size = shape.reduce((a, b) => a * b, 1);
    if (low.length !== this.size || high.length !== this.size) {
      throw argError('Box', 'low/high', `${this.size} bounds each`, `${low.length} and ${high.length}`);
    }
  }

  /** A box with the same bounds everywhere. */
  static uniform(shape: readonly number[], low: number, high: number, dtype: ObsDtype): Box {
    const size = shape.reduce((a, b) => a * b, 1);
    return new Box(shape, new Array<number>(size).fill(low), new Array<number>(size).fill(high), dtype);
  }

  /** Whether `x` has this box's size and every element lies within its bounds. */
  contains(x: ArrayLike<number>): boolean {
    if (x.length !== this.size) return false;
    for (let i = 0; i < this.size; i++) if (!(x[i] >= this.low[i] && x[i] <= this.high[i])) return false;
    return true;
  }

  /** A zero-filled array of this box's dtype and `count` times its size. */
  allocate(count = 1): ObsArray {
    return this.dtype === 'uint8' ? new Uint8Array(this.size * count) : new Float32Array(this.size * count);
  }
}

/** Gymnasium's Discrete: the integers 0 … n − 1. */
export class Discrete {
  /** @param n Number of actions. */
  constructor(readonly n: number) {}

  /** Whether `a` is an integer in 0 … n − 1. */
  contains(a: unknown): boolean {
    return typeof a === 'number' && Number.isInteger(a) && a >= 0 && a < this.n;
  }

  /** Throws a WnError naming `arg` unless `a` is an integer action in range. */
  check(op: string, arg: string, a: unknown): number {
    if (!this.contains(a)) throw argError(op, arg, `an integer action in [0, ${this.n - 1}]`, a);
    return a as number;
  }
}
