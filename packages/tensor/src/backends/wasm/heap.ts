/**
 * The kernels' linear memory, used as a per-call arena: each kernel call lays out its operands
 * and scratch from the bottom (`reset` then `alloc`), grows the memory if needed, copies inputs
 * in and results out. Memory only ever grows, so steady-state calls allocate nothing.
 */

/** Bytes below this are reserved for call descriptors; address 0 doubles as "no buffer". */
export const DESCRIPTOR_BYTES = 1024;
const ALIGN = 64;
const PAGE = 65536;

export class WasmHeap {
  private top = DESCRIPTOR_BYTES;
  private f32View: Float32Array;
  private i32View: Int32Array;

  constructor(
    readonly memory: WebAssembly.Memory,
    private readonly maxBytes: number,
    private readonly allocate: (length: number) => Float32Array = (n) => new Float32Array(n),
  ) {
    this.f32View = new Float32Array(memory.buffer);
    this.i32View = new Int32Array(memory.buffer);
  }

  reset(): void {
    this.top = DESCRIPTOR_BYTES;
  }

  /** Reserves `bytes` (64-byte aligned) and returns the byte address. */
  alloc(bytes: number): number {
    const at = this.top;
    this.top = at + Math.ceil(bytes / ALIGN) * ALIGN;
    this.ensure(this.top);
    return at;
  }

  /** Copies `values` to a fresh block and returns its byte address. */
  allocCopy(values: ArrayLike<number>): number {
    const at = this.alloc(values.length * 4);
    this.f32.set(values, at / 4);
    return at;
  }

  /** Copies `count` floats at byte address `at` out to a new (unshared) Float32Array. */
  read(at: number, count: number): Float32Array {
    const out = this.allocate(count);
    out.set(this.f32.subarray(at / 4, at / 4 + count));
    return out;
  }

  get f32(): Float32Array {
    this.refresh();
    return this.f32View;
  }

  /** `count` float64s at byte address `at` (8-byte aligned), as a fresh view. */
  f64(at: number, count: number): Float64Array {
    return new Float64Array(this.memory.buffer, at, count);
  }

  get i32(): Int32Array {
    this.refresh();
    return this.i32View;
  }

  private ensure(bytes: number): void {
    const have = this.memory.buffer.byteLength;
    if (bytes <= have) return;
    if (bytes > this.maxBytes) {
      throw new RangeError(`wasm backend: a call needs ${Math.ceil(bytes / 2 ** 20)} MiB of memory, over the ${this.maxBytes / 2 ** 20} MiB limit`);
    }
    // Grow geometrically so a sequence of slightly larger calls does not grow every time.
    const want = Math.min(this.maxBytes, Math.max(bytes, Math.floor(have * 1.25)));
    this.memory.grow(Math.ceil((want - have) / PAGE));
  }

  /** Typed views go stale (zero length) when the memory grows. */
  private refresh(): void {
    if (this.f32View.byteLength !== this.memory.buffer.byteLength) {
      this.f32View = new Float32Array(this.memory.buffer);
      this.i32View = new Int32Array(this.memory.buffer);
    }
  }
}
