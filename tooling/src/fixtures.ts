/**
 * Reading the PyTorch oracle fixtures (tooling/fixtures/*.json, format in tooling/fixtures/README.md).
 *
 * Float values are stored as the shortest decimal that round-trips through float32; `floatValues`
 * rounds them back with Math.fround so comparisons see the exact float32 numbers PyTorch produced.
 */
import { readFileSync } from 'node:fs';
import { tensor, type Tensor } from '@wn/tensor';

export interface FixtureTensor {
  readonly shape: readonly number[];
  readonly data: readonly number[];
  /** absent: float32; 'int64' for labels and indices; 'bool' for conditions (data 0/1) */
  readonly dtype?: 'int64' | 'bool';
}

export interface FixtureCase {
  readonly name: string;
  readonly op: string;
  readonly seed: number;
  readonly attrs: Readonly<Record<string, unknown>>;
  readonly inputs: Readonly<Record<string, FixtureTensor>>;
  readonly output: FixtureTensor;
  readonly intermediates?: Readonly<Record<string, FixtureTensor>>;
  readonly upstream: FixtureTensor;
  /** d sum(output · upstream) / d input, for every floating-point input */
  readonly grads: Readonly<Record<string, FixtureTensor>>;
  readonly state_after?: Readonly<Record<string, FixtureTensor>>;
  /** false: piecewise constant (argmax, comparisons) or a backward kernel; `grads` is empty */
  readonly differentiable?: false;
}

export interface FixtureFile {
  readonly generator: string;
  readonly regenerate: string;
  readonly torch: string;
  readonly dtype: string;
  readonly description: string;
  readonly cases: readonly FixtureCase[];
}

function fail(where: string, what: string): never {
  throw new Error(`fixture ${where}: ${what}`);
}

function checkTensor(where: string, t: unknown): asserts t is FixtureTensor {
  const v = t as FixtureTensor;
  if (!v || !Array.isArray(v.shape) || !Array.isArray(v.data)) fail(where, 'expected {shape, data}');
  const n = v.shape.reduce((s, d) => s * d, 1);
  if (v.data.length !== n) fail(where, `shape [${v.shape.join(', ')}] needs ${n} values, found ${v.data.length}`);
  if (v.dtype !== undefined && v.dtype !== 'int64' && v.dtype !== 'bool') fail(where, `unknown dtype '${String(v.dtype)}'`);
}

/** Reads and structurally validates a fixture file with a `cases` array. */
export function readFixtureFile(url: URL): FixtureFile {
  const file = JSON.parse(readFileSync(url, 'utf8')) as FixtureFile;
  const name = url.pathname.split('/').pop() ?? String(url);
  if (!Array.isArray(file.cases)) fail(name, "no 'cases' array");
  if (file.dtype !== 'float32') fail(name, `dtype '${file.dtype}', expected 'float32'`);
  const names = new Set<string>();
  for (const c of file.cases) {
    const where = `${name} case '${c.name}'`;
    if (names.has(c.name)) fail(where, 'duplicate name');
    names.add(c.name);
    for (const [k, t] of Object.entries(c.inputs)) checkTensor(`${where} inputs.${k}`, t);
    checkTensor(`${where} output`, c.output);
    checkTensor(`${where} upstream`, c.upstream);
    for (const [k, t] of Object.entries(c.grads)) {
      checkTensor(`${where} grads.${k}`, t);
      const input = c.inputs[k];
      if (!input) fail(where, `grads.${k} has no matching input`);
      if (input.shape.join() !== t.shape.join()) fail(where, `grads.${k} shape [${t.shape.join(', ')}] differs from its input's`);
    }
    for (const [k, t] of Object.entries(c.intermediates ?? {})) checkTensor(`${where} intermediates.${k}`, t);
  }
  return file;
}

export const isFloatTensor = (t: FixtureTensor): boolean => t.dtype === undefined;

/** The exact float32 values, as float64 numbers. */
export function floatValues(t: FixtureTensor): Float64Array {
  return Float64Array.from(t.data, Math.fround);
}

/** Integer (int64 or bool) values as plain numbers. */
export function intValues(t: FixtureTensor): number[] {
  if (isFloatTensor(t)) throw new Error('intValues: expected an int64 or bool fixture tensor');
  return [...t.data];
}

/** A @wn tensor on the current backend holding the fixture's values (integers as floats). */
export function toTensor(t: FixtureTensor): Tensor {
  return tensor(floatValues(t), t.shape);
}

/** Names of the floating-point inputs, in file order: the tensors gradients are taken for. */
export function floatInputNames(c: FixtureCase): string[] {
  return Object.keys(c.inputs).filter((k) => isFloatTensor(c.inputs[k]));
}
