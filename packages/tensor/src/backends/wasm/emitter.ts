/**
 * A tiny WebAssembly module builder: enough of the binary format (types, one imported memory,
 * functions, exports) and of the instruction set (i32/f32 scalars, SIMD128, structured control
 * flow) to write numeric kernels directly from TypeScript, with no compiler in the build.
 *
 * Code is written as expression trees: `i32.add(x, 4)` is an `Expr` that knows its type and how
 * to emit itself; statements (`f.set`, `f.store`, `f.loop`, ...) go on a `FunctionBuilder`.
 */

export type ValType = 'i32' | 'f32' | 'f64' | 'v128';
const VAL_TYPE_CODE: Record<ValType, number> = { i32: 0x7f, f32: 0x7d, f64: 0x7c, v128: 0x7b };

/** Growable byte buffer with the LEB128 encodings the format uses. */
class ByteWriter {
  readonly bytes: number[] = [];
  u8(...b: number[]): this {
    for (const x of b) this.bytes.push(x & 0xff);
    return this;
  }
  u32(v: number): this {
    v >>>= 0;
    do {
      let b = v & 0x7f;
      v >>>= 7;
      if (v !== 0) b |= 0x80;
      this.bytes.push(b);
    } while (v !== 0);
    return this;
  }
  s32(v: number): this {
    v |= 0;
    for (;;) {
      const b = v & 0x7f;
      v >>= 7;
      const done = (v === 0 && (b & 0x40) === 0) || (v === -1 && (b & 0x40) !== 0);
      this.bytes.push(done ? b : b | 0x80);
      if (done) return this;
    }
  }
  f64(v: number): this {
    const view = new DataView(new ArrayBuffer(8));
    view.setFloat64(0, v, true);
    for (let i = 0; i < 8; i++) this.bytes.push(view.getUint8(i));
    return this;
  }
  f32(v: number): this {
    const view = new DataView(new ArrayBuffer(4));
    view.setFloat32(0, v, true);
    for (let i = 0; i < 4; i++) this.bytes.push(view.getUint8(i));
    return this;
  }
  name(s: string): this {
    const utf8 = new TextEncoder().encode(s);
    this.u32(utf8.length);
    for (const b of utf8) this.bytes.push(b);
    return this;
  }
  /** Appends `inner` prefixed by its byte length (sections, function bodies). */
  sized(inner: ByteWriter): this {
    this.u32(inner.bytes.length);
    for (const b of inner.bytes) this.bytes.push(b);
    return this;
  }
}

/** A typed expression: emitting it pushes exactly one value of `type`. */
export class Expr {
  constructor(readonly type: ValType, readonly emit: (w: ByteWriter) => void) {}
}

export class Local {
  constructor(readonly index: number, readonly type: ValType) {}
}

/** What expression helpers accept: an expression, a local (read), or a JS number (i32 const). */
export type Operand = Expr | Local | number;

function toExpr(o: Operand): Expr {
  if (o instanceof Expr) return o;
  if (o instanceof Local) {
    const { index, type } = o;
    return new Expr(type, (w) => w.u8(0x20).u32(index));
  }
  if (!Number.isInteger(o)) throw new Error(`wasm emitter: ${o} is not an i32 constant`);
  return new Expr('i32', (w) => w.u8(0x41).s32(o));
}

function op(type: ValType, bytes: number[], ...args: Operand[]): Expr {
  const exprs = args.map(toExpr);
  return new Expr(type, (w) => {
    for (const e of exprs) e.emit(w);
    w.u8(...bytes);
  });
}

/** SIMD opcodes live behind the 0xfd prefix with a LEB128 sub-opcode. */
function simd(sub: number): number[] {
  const w = new ByteWriter().u8(0xfd).u32(sub);
  return w.bytes;
}

/** memarg: alignment hint (log2 bytes) and a constant byte offset. */
function memarg(align: number, offset: number): number[] {
  if (offset < 0) throw new Error('wasm emitter: negative memory offset');
  return new ByteWriter().u32(align).u32(offset).bytes;
}

export const i32 = {
  const: (v: number) => toExpr(v | 0),
  add: (a: Operand, b: Operand) => op('i32', [0x6a], a, b),
  sub: (a: Operand, b: Operand) => op('i32', [0x6b], a, b),
  mul: (a: Operand, b: Operand) => op('i32', [0x6c], a, b),
  divS: (a: Operand, b: Operand) => op('i32', [0x6d], a, b),
  remS: (a: Operand, b: Operand) => op('i32', [0x6f], a, b),
  and: (a: Operand, b: Operand) => op('i32', [0x71], a, b),
  or: (a: Operand, b: Operand) => op('i32', [0x72], a, b),
  shl: (a: Operand, b: Operand) => op('i32', [0x74], a, b),
  shrS: (a: Operand, b: Operand) => op('i32', [0x75], a, b),
  eqz: (a: Operand) => op('i32', [0x45], a),
  eq: (a: Operand, b: Operand) => op('i32', [0x46], a, b),
  ne: (a: Operand, b: Operand) => op('i32', [0x47], a, b),
  ltS: (a: Operand, b: Operand) => op('i32', [0x48], a, b),
  ltU: (a: Operand, b: Operand) => op('i32', [0x49], a, b),
  gtS: (a: Operand, b: Operand) => op('i32', [0x4a], a, b),
  leS: (a: Operand, b: Operand) => op('i32', [0x4c], a, b),
  geS: (a: Operand, b: Operand) => op('i32', [0x4e], a, b),
  geU: (a: Operand, b: Operand) => op('i32', [0x4f], a, b),
  minS: (a: Operand, b: Operand) => select(a, b, i32.ltS(a, b)),
  maxS: (a: Operand, b: Operand) => select(a, b, i32.gtS(a, b)),
  /** 4-byte aligned load at `addr + offset` (offset in bytes). */
  load: (addr: Operand, offset = 0) => op('i32', [0x28, ...memarg(2, offset)], addr),
};

export const f32 = {
  const: (v: number) => new Expr('f32', (w) => w.u8(0x43).f32(v)),
  add: (a: Operand, b: Operand) => op('f32', [0x92], a, b),
  sub: (a: Operand, b: Operand) => op('f32', [0x93], a, b),
  mul: (a: Operand, b: Operand) => op('f32', [0x94], a, b),
  div: (a: Operand, b: Operand) => op('f32', [0x95], a, b),
  max: (a: Operand, b: Operand) => op('f32', [0x97], a, b),
  sqrt: (a: Operand) => op('f32', [0x91], a),
  /** A float64 rounded to the nearest float32 (ties to even), as Math.fround. */
  demoteF64: (a: Operand) => op('f32', [0xb6], a),
  gt: (a: Operand, b: Operand) => op('i32', [0x5e], a, b),
  ne: (a: Operand, b: Operand) => op('i32', [0x5c], a, b),
  fromI32: (a: Operand) => op('f32', [0xb2], a),
  load: (addr: Operand, offset = 0) => op('f32', [0x2a, ...memarg(2, offset)], addr),
};

/** float64 scalars (sums kept in double precision). */
export const f64 = {
  const: (v: number) => new Expr('f64', (w) => w.u8(0x44).f64(v)),
  add: (a: Operand, b: Operand) => op('f64', [0xa0], a, b),
  mul: (a: Operand, b: Operand) => op('f64', [0xa2], a, b),
  /** The exact float64 value of a float32. */
  promoteF32: (a: Operand) => op('f64', [0xbb], a),
  load: (addr: Operand, offset = 0) => op('f64', [0x2b, ...memarg(3, offset)], addr),
};

/** Two float64 lanes. */
export const f64x2 = {
  splat: (a: Operand) => op('v128', simd(0x14), a),
  add: (a: Operand, b: Operand) => op('v128', simd(0xf0), a, b),
  sub: (a: Operand, b: Operand) => op('v128', simd(0xf1), a, b),
  mul: (a: Operand, b: Operand) => op('v128', simd(0xf2), a, b),
  div: (a: Operand, b: Operand) => op('v128', simd(0xf3), a, b),
  abs: (a: Operand) => op('v128', simd(0xec), a),
  /** Rounds toward zero (C's (int) cast of an in-range double). */
  trunc: (a: Operand) => op('v128', simd(0x7a), a),
  /** Lane masks (all ones where true). */
  lt: (a: Operand, b: Operand) => op('v128', simd(0x49), a, b),
  /** Lanes 0 and 1 of an f32x4, exactly, as two float64s. */
  promoteLowF32x4: (a: Operand) => op('v128', simd(0x5f), a),
  extractLane: (a: Operand, lane: number) => op('f64', [...simd(0x21), lane], a),
};

/** Two int64 lanes. */
export const i64x2 = {
  add: (a: Operand, b: Operand) => op('v128', simd(0xce), a, b),
  /** Each lane shifted left by the i32 `bits` (mod 64). */
  shl: (a: Operand, bits: Operand) => op('v128', simd(0xcb), a, bits),
  /** Lanes 0 and 1 of an i32x4, sign-extended. */
  extendLowI32x4S: (a: Operand) => op('v128', simd(0xc7), a),
};

/** Four int32 lanes. */
export const i32x4 = {
  splat: (a: Operand) => op('v128', simd(0x11), a),
  /** Lane masks (all ones where a < b, signed). */
  ltS: (a: Operand, b: Operand) => op('v128', simd(0x39), a, b),
  /** The constant vector of four int32 lanes. */
  const: (lanes: readonly [number, number, number, number]) => new Expr('v128', (w) => {
    const view = new DataView(new ArrayBuffer(16));
    lanes.forEach((v, i) => view.setInt32(4 * i, v, true));
    w.u8(...simd(0x0c), ...new Uint8Array(view.buffer));
  }),
  /** Both float64 lanes truncated to int32 (saturating; NaN gives 0) in lanes 0 and 1; lanes 2 and 3 zero. */
  truncSatF64x2SZero: (a: Operand) => op('v128', simd(0xfc), a),
  add: (a: Operand, b: Operand) => op('v128', simd(0xae), a, b),
  /** Each lane shifted left by the i32 `bits`. */
  shl: (a: Operand, bits: Operand) => op('v128', simd(0xab), a, bits),
  /** float32 lanes truncated toward zero to int32, saturating (NaN gives 0). */
  truncSatF32x4: (a: Operand) => op('v128', simd(0xf8), a),
};

export const v128 = {
  zero: () => new Expr('v128', (w) => w.u8(...simd(0x0c), ...new Array<number>(16).fill(0))),
  load: (addr: Operand, offset = 0) => op('v128', [...simd(0x00), ...memarg(4, offset)], addr),
  /** Loads one f32 and splats it to all four lanes. */
  load32Splat: (addr: Operand, offset = 0) => op('v128', [...simd(0x09), ...memarg(2, offset)], addr),
  /** Shuffles the 16 bytes of `a ++ b` by byte index; `lanes` are f32 lane indices (0-3 a, 4-7 b). */
  shuffle32: (a: Operand, b: Operand, lanes: readonly [number, number, number, number]) => {
    const bytes = lanes.flatMap((l) => [4 * l, 4 * l + 1, 4 * l + 2, 4 * l + 3]);
    return op('v128', [...simd(0x0d), ...bytes], a, b);
  },
  and: (a: Operand, b: Operand) => op('v128', simd(0x4e), a, b),
  or: (a: Operand, b: Operand) => op('v128', simd(0x50), a, b),
  /** `a & ~b` */
  andnot: (a: Operand, b: Operand) => op('v128', simd(0x4f), a, b),
  /** Bits of `a` where `mask` is set, else of `b`. */
  bitselect: (a: Operand, b: Operand, mask: Operand) => op('v128', simd(0x52), a, b, mask),
};

export const f32x4 = {
  splat: (a: Operand) => op('v128', simd(0x13), a),
  extractLane: (a: Operand, lane: number) => op('f32', [...simd(0x1f), lane], a),
  add: (a: Operand, b: Operand) => op('v128', simd(0xe4), a, b),
  sub: (a: Operand, b: Operand) => op('v128', simd(0xe5), a, b),
  mul: (a: Operand, b: Operand) => op('v128', simd(0xe6), a, b),
  div: (a: Operand, b: Operand) => op('v128', simd(0xe7), a, b),
  max: (a: Operand, b: Operand) => op('v128', simd(0xe9), a, b),
  /** Pseudo-maximum `a < b ? b : a` per lane (JS's `b > a ? b : a`: the first wins ties and NaN in b). */
  pmax: (a: Operand, b: Operand) => op('v128', simd(0xeb), a, b),
  abs: (a: Operand) => op('v128', simd(0xe0), a),
  neg: (a: Operand) => op('v128', simd(0xe1), a),
  sqrt: (a: Operand) => op('v128', simd(0xe3), a),
  floor: (a: Operand) => op('v128', simd(0x68), a),
  /** Lane masks (all ones where true); ne is true where either lane is NaN. */
  eq: (a: Operand, b: Operand) => op('v128', simd(0x41), a, b),
  ne: (a: Operand, b: Operand) => op('v128', simd(0x42), a, b),
  lt: (a: Operand, b: Operand) => op('v128', simd(0x43), a, b),
  gt: (a: Operand, b: Operand) => op('v128', simd(0x44), a, b),
  min: (a: Operand, b: Operand) => op('v128', simd(0xe8), a, b),
  /** Round to the nearest integer, ties to even. */
  nearest: (a: Operand) => op('v128', simd(0x6a), a),
  le: (a: Operand, b: Operand) => op('v128', simd(0x45), a, b),
  ge: (a: Operand, b: Operand) => op('v128', simd(0x46), a, b),
  /** Both float64 lanes of `a` rounded to float32 (round to nearest even) in lanes 0 and 1; lanes 2 and 3 zero. */
  demoteF64x2Zero: (a: Operand) => op('v128', simd(0x5e), a),
  /** Relaxed SIMD fused (or not, at the engine's choice) multiply-add: a * b + c. */
  relaxedMadd: (a: Operand, b: Operand, c: Operand) => op('v128', simd(0x105), a, b, c),
};

/** `cond ? a : b` without branching (both sides are evaluated). */
export function select(a: Operand, b: Operand, cond: Operand): Expr {
  const ea = toExpr(a);
  return op(ea.type, [0x1b], ea, b, cond);
}

/** Builds one function body; locals are declared on demand and all zero-initialized. */
export class FunctionBuilder {
  private readonly body = new ByteWriter();
  private readonly localTypes: ValType[] = [];
  /** Open blocks, innermost last, so `br` depths can be computed from labels. */
  private readonly labels: object[] = [];
  readonly params: Local[];

  constructor(paramTypes: readonly ValType[]) {
    this.params = paramTypes.map((t, i) => new Local(i, t));
  }

  local(type: ValType): Local {
    const l = new Local(this.params.length + this.localTypes.length, type);
    this.localTypes.push(type);
    return l;
  }

  set(l: Local, value: Operand): void {
    const e = toExpr(value);
    if (e.type !== l.type) throw new Error(`wasm emitter: set ${l.type} local from ${e.type}`);
    e.emit(this.body);
    this.body.u8(0x21).u32(l.index);
  }

  /** l += delta (i32). */
  inc(l: Local, delta: Operand): void {
    this.set(l, i32.add(l, delta));
  }

  drop(value: Operand): void {
    toExpr(value).emit(this.body);
    this.body.u8(0x1a);
  }

  storeI32(addr: Operand, value: Operand, offset = 0): void {
    this.store([0x36, ...memarg(2, offset)], addr, value);
  }
  storeF64(addr: Operand, value: Operand, offset = 0): void {
    this.store([0x39, ...memarg(3, offset)], addr, value);
  }
  storeF32(addr: Operand, value: Operand, offset = 0): void {
    this.store([0x38, ...memarg(2, offset)], addr, value);
  }
  storeV128(addr: Operand, value: Operand, offset = 0): void {
    this.store([...simd(0x0b), ...memarg(4, offset)], addr, value);
  }
  private store(bytes: number[], addr: Operand, value: Operand): void {
    toExpr(addr).emit(this.body);
    toExpr(value).emit(this.body);
    this.body.u8(...bytes);
  }

  /** memory.fill(addr, 0, bytes) */
  zeroBytes(addr: Operand, bytes: Operand): void {
    toExpr(addr).emit(this.body);
    toExpr(0).emit(this.body);
    toExpr(bytes).emit(this.body);
    this.body.u8(0xfc).u32(11).u8(0x00);
  }

  /** memory.copy(dst, src, bytes) (overlap-safe). */
  copyBytes(dst: Operand, src: Operand, bytes: Operand): void {
    toExpr(dst).emit(this.body);
    toExpr(src).emit(this.body);
    toExpr(bytes).emit(this.body);
    this.body.u8(0xfc).u32(10).u8(0x00, 0x00);
  }

  call(fn: FunctionRef, args: Operand[]): void {
    if (args.length !== fn.params.length) throw new Error(`wasm emitter: ${fn.name} takes ${fn.params.length} args`);
    for (const a of args) toExpr(a).emit(this.body);
    this.body.u8(0x10).u32(fn.index);
    for (let i = 0; i < fn.results.length; i++) this.body.u8(0x1a);
  }

  ret(): void {
    this.body.u8(0x0f);
  }

  if(cond: Operand, then: () => void, otherwise?: () => void): void {
    toExpr(cond).emit(this.body);
    this.body.u8(0x04, 0x40);
    this.labels.push({});
    then();
    if (otherwise) {
      this.body.u8(0x05);
      otherwise();
    }
    this.labels.pop();
    this.body.u8(0x0b);
  }

  /** A block that `breakIf(label, ...)` can leave early. */
  block(body: (label: object) => void): void {
    const label = {};
    this.body.u8(0x02, 0x40);
    this.labels.push(label);
    body(label);
    this.labels.pop();
    this.body.u8(0x0b);
  }

  breakIf(label: object, cond: Operand): void {
    toExpr(cond).emit(this.body);
    this.body.u8(0x0d).u32(this.depthOf(label));
  }

  private depthOf(label: object): number {
    const i = this.labels.lastIndexOf(label);
    if (i < 0) throw new Error('wasm emitter: branch to a label that is not open');
    return this.labels.length - 1 - i;
  }

  /** do { body } while (cond()) — the body runs at least once. */
  doWhile(body: () => void, cond: () => Operand): void {
    const label = {};
    this.body.u8(0x03, 0x40);
    this.labels.push(label);
    body();
    toExpr(cond()).emit(this.body);
    this.body.u8(0x0d).u32(0);
    this.labels.pop();
    this.body.u8(0x0b);
  }

  /** for (i = from; i < to; i += step) body — signed compare, skipped when from >= to. */
  for(i: Local, from: Operand, to: Operand, step: Operand, body: () => void): void {
    this.set(i, from);
    this.if(i32.ltS(i, to), () => {
      this.doWhile(
        () => {
          body();
          this.inc(i, step);
        },
        () => i32.ltS(i, to),
      );
    });
  }

  /** Serialized body: local declarations (run-length by type) then code. */
  encode(): ByteWriter {
    const w = new ByteWriter();
    const runs: [number, ValType][] = [];
    for (const t of this.localTypes) {
      const last = runs[runs.length - 1];
      if (last && last[1] === t) last[0]++;
      else runs.push([1, t]);
    }
    w.u32(runs.length);
    for (const [n, t] of runs) w.u32(n).u8(VAL_TYPE_CODE[t]);
    w.bytes.push(...this.body.bytes);
    w.u8(0x0b);
    return w;
  }
}

export interface FunctionRef {
  readonly name: string;
  readonly index: number;
  readonly params: readonly ValType[];
  readonly results: readonly ValType[];
}

interface FunctionEntry {
  ref: FunctionRef;
  exported: boolean;
  body?: ByteWriter;
}

export interface MemoryImport {
  /** initial size in 64 KiB pages */
  readonly initial: number;
  readonly maximum: number;
  /** shared memories let worker threads run the same module on the same heap */
  readonly shared: boolean;
}

/** Builds a module that imports `env.memory` and defines functions; `toBytes()` gives the binary. */
export class ModuleBuilder {
  private readonly functions: FunctionEntry[] = [];

  constructor(private readonly memory: MemoryImport) {}

  /** Declares a function (so others can call it before it is defined). */
  declare(name: string, params: readonly ValType[], results: readonly ValType[] = [], exported = true): FunctionRef {
    if (this.functions.some((f) => f.ref.name === name)) throw new Error(`wasm emitter: duplicate function ${name}`);
    const ref: FunctionRef = { name, index: this.functions.length, params, results };
    this.functions.push({ ref, exported });
    return ref;
  }

  define(ref: FunctionRef, build: (f: FunctionBuilder, ...params: Local[]) => void): FunctionRef {
    const entry = this.functions[ref.index];
    if (entry.body) throw new Error(`wasm emitter: ${ref.name} defined twice`);
    const f = new FunctionBuilder(ref.params);
    build(f, ...f.params);
    entry.body = f.encode();
    return ref;
  }

  /** declare + define. */
  func(name: string, params: readonly ValType[], build: (f: FunctionBuilder, ...params: Local[]) => void, exported = true): FunctionRef {
    return this.define(this.declare(name, params, [], exported), build);
  }

  toBytes(): Uint8Array {
    const out = new ByteWriter().u8(0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00);
    const section = (id: number, content: ByteWriter) => out.u8(id).sized(content);

    // One type per function keeps this simple; duplicates are harmless.
    const types = new ByteWriter().u32(this.functions.length);
    for (const { ref } of this.functions) {
      types.u8(0x60).u32(ref.params.length);
      for (const p of ref.params) types.u8(VAL_TYPE_CODE[p]);
      types.u32(ref.results.length);
      for (const r of ref.results) types.u8(VAL_TYPE_CODE[r]);
    }
    section(1, types);

    const { initial, maximum, shared } = this.memory;
    const imports = new ByteWriter().u32(1).name('env').name('memory').u8(0x02);
    imports.u8(shared ? 0x03 : 0x01).u32(initial).u32(maximum);
    section(2, imports);

    const funcs = new ByteWriter().u32(this.functions.length);
    this.functions.forEach((_, i) => funcs.u32(i));
    section(3, funcs);

    const exported = this.functions.filter((f) => f.exported);
    const exports = new ByteWriter().u32(exported.length);
    for (const { ref } of exported) exports.name(ref.name).u8(0x00).u32(ref.index);
    section(7, exports);

    const code = new ByteWriter().u32(this.functions.length);
    for (const f of this.functions) {
      if (!f.body) throw new Error(`wasm emitter: ${f.ref.name} declared but not defined`);
      code.sized(f.body);
    }
    section(10, code);
    return new Uint8Array(out.bytes);
  }
}
