/**
 * Synchronous fork-join over worker threads that share the kernels' WebAssembly.Memory.
 *
 * The kernel table is synchronous, so there is no message passing on the hot path: the main
 * thread writes a call (export index + i32 arguments) into each worker's control block, bumps
 * its sequence number and notifies it, runs its own share, then blocks in Atomics.wait until
 * every worker has echoed the sequence number back. Workers are unref'd so they never keep the
 * process alive. Node only (worker_threads); elsewhere the pool is simply not created.
 */
import { nodeBuiltin } from './kernel-module.js';

/** Control block layout (Int32 slots). */
const SEQ = 0; // bumped by the main thread per call; -1 asks the worker to exit
const DONE = 1; // the last sequence number the worker finished
const FAILED = 2; // 1 if that call threw
const FN = 3; // index into the export names
const ARGC = 4;
const READY = 5; // 0 while starting, 1 once instantiated, -1 if instantiation failed
const ARGS = 6;
const MAX_ARGS = 24;
/** How long a call waits for a worker that has not started yet before giving up. */
const STARTUP_TIMEOUT_MS = 60_000;

/** The worker body (CommonJS, evaluated from a string so it needs no separate build step). */
const WORKER_SOURCE = `
const { workerData, receiveMessageOnPort } = require('node:worker_threads');
const { module, memory, control, exportNames, port } = workerData;
const ctl = new Int32Array(control);
let fns;
// the whole memory as float32s, for JS functions (a fresh view after growth)
let f32 = new Float32Array(memory.buffer);
function floats() {
  if (f32.byteLength !== memory.buffer.byteLength) f32 = new Float32Array(memory.buffer);
  return f32;
}
// functions added later (fused programs' modules, JS loops) arrive on the port before their first call
function fnAt(index) {
  while (index >= fns.length) {
    const received = receiveMessageOnPort(port);
    if (!received) throw new Error('wasm worker: function ' + index + ' was never sent');
    const { module: extra, name, js } = received.message;
    if (js !== undefined) {
      const task = new Function(js)();
      fns.push((...args) => task(floats(), ...args));
    } else {
      fns.push(new WebAssembly.Instance(extra, { env: { memory } }).exports[name]);
    }
  }
  return fns[index];
}
try {
  const instance = new WebAssembly.Instance(module, { env: { memory } });
  fns = exportNames.map((name) => instance.exports[name]);
  Atomics.store(ctl, ${READY}, 1);
} catch (e) {
  Atomics.store(ctl, ${READY}, -1);
  Atomics.notify(ctl, ${DONE});
  throw e;
}
let seen = 0;
for (;;) {
  Atomics.wait(ctl, ${SEQ}, seen);
  seen = Atomics.load(ctl, ${SEQ});
  if (seen < 0) break;
  const args = [];
  for (let i = 0; i < ctl[${ARGC}]; i++) args.push(ctl[${ARGS} + i]);
  let failed = 0;
  try { fnAt(ctl[${FN}])(...args); } catch (e) { failed = 1; }
  Atomics.store(ctl, ${FAILED}, failed);
  Atomics.store(ctl, ${DONE}, seen);
  Atomics.notify(ctl, ${DONE});
}
`;

interface WorkerLike {
  unref(): void;
  terminate(): Promise<number>;
}
interface PortLike {
  postMessage(message: unknown): void;
  unref?(): void;
  close(): void;
}
interface WorkerThreadsModule {
  Worker: new (source: string, options: { eval: true; workerData: unknown; transferList: unknown[] }) => WorkerLike;
  MessageChannel: new () => { port1: PortLike; port2: PortLike };
}

export class ThreadPool {
  private readonly workers: WorkerLike[] = [];
  private readonly controls: Int32Array[] = [];
  private readonly ports: PortLike[] = [];
  /** Callable functions: the kernel module's exports, then functions added by `addFunction`. */
  private readonly names: string[];
  private seq = 0;
  private broken = false;

  /** True when worker threads can be used here (Node with worker_threads and shared memory). */
  static supported(): boolean {
    return typeof SharedArrayBuffer !== 'undefined' && nodeBuiltin<WorkerThreadsModule>('node:worker_threads') !== undefined;
  }

  /** Starts `size - 1` workers; the calling thread is the pool's first member. */
  constructor(
    readonly size: number,
    module: WebAssembly.Module,
    memory: WebAssembly.Memory,
    private readonly exportNames: readonly string[],
  ) {
    const threads = nodeBuiltin<WorkerThreadsModule>('node:worker_threads');
    if (!threads) throw new Error('wasm backend: worker threads need Node');
    this.names = [...exportNames];
    for (let i = 1; i < size; i++) {
      const control = new SharedArrayBuffer(4 * (ARGS + MAX_ARGS));
      const { port1, port2 } = new threads.MessageChannel();
      const worker = new threads.Worker(WORKER_SOURCE, { eval: true, workerData: { module, memory, control, exportNames, port: port2 }, transferList: [port2] });
      worker.unref();
      port1.unref?.();
      this.workers.push(worker);
      this.ports.push(port1);
      this.controls.push(new Int32Array(control));
    }
  }

  /**
   * Makes export `name` of `module` (a module importing the same memory, such as a fused
   * program's) callable on the workers; returns its id for `runFunction`. Each worker
   * instantiates it before its first call.
   */
  addFunction(module: WebAssembly.Module, name: string): number {
    for (const port of this.ports) port.postMessage({ module, name });
    this.names.push(name);
    return this.names.length - 1;
  }

  /**
   * Makes a JS function callable on the workers: `body` is a function body (compiled with
   * `new Function` there) that returns `(f32, ...args) => void`, f32 being the whole memory as
   * float32s. The same engine runs the same source, so Math.exp and friends give the same bits
   * as on this thread. Returns its id for `runFunction`.
   */
  addJsFunction(body: string, name: string): number {
    for (const port of this.ports) port.postMessage({ js: body });
    this.names.push(name);
    return this.names.length - 1;
  }

  /**
   * Calls export `name` once per entry of `argsPerThread` (at most `size` entries): the first on
   * `self`, the rest on workers, and returns when all have finished.
   */
  run(self: WebAssembly.Instance, name: string, argsPerThread: readonly (readonly number[])[]): void {
    const fn = this.exportNames.indexOf(name);
    if (fn < 0) throw new Error(`wasm backend: ${name} is not callable from workers`);
    this.runFunction(fn, self.exports[name] as (...args: number[]) => void, argsPerThread);
  }

  /** Calls function `fn` (an id from `addFunction`, or an export's index) as `run` does; `local` is it on this thread. */
  runFunction(fn: number, local: (...args: number[]) => void, argsPerThread: readonly (readonly number[])[]): void {
    if (argsPerThread.length > this.size) throw new Error('wasm backend: more tasks than threads');
    const name = this.names[fn];
    const seq = ++this.seq;
    const started: Int32Array[] = [];
    for (let t = 1; t < argsPerThread.length; t++) {
      const ctl = this.controls[t - 1];
      const args = argsPerThread[t];
      if (args.length > MAX_ARGS) throw new Error('wasm backend: too many arguments for a worker call');
      ctl[FN] = fn;
      ctl[ARGC] = args.length;
      ctl.set(args, ARGS);
      Atomics.store(ctl, SEQ, seq);
      Atomics.notify(ctl, SEQ);
      started.push(ctl);
    }
    let error: unknown;
    try {
      local(...argsPerThread[0]);
    } catch (e) {
      error = e;
    }
    let workerFailed = false;
    for (const ctl of started) {
      const waitStart = Date.now();
      for (let done = Atomics.load(ctl, DONE); done !== seq; done = Atomics.load(ctl, DONE)) {
        // Timed waits so a worker that never came up is noticed instead of blocking forever.
        Atomics.wait(ctl, DONE, done, 200);
        const ready = Atomics.load(ctl, READY);
        if (ready < 0 || (ready === 0 && Date.now() - waitStart > STARTUP_TIMEOUT_MS)) {
          this.broken = true;
          throw new Error('wasm backend: a worker thread failed to start');
        }
      }
      if (ctl[FAILED]) workerFailed = true;
    }
    if (error !== undefined) throw error;
    if (workerFailed) throw new Error(`wasm backend: ${name} failed on a worker thread`);
  }

  /** False once a worker failed to start or the pool was closed: callers then run tasks inline. */
  get usable(): boolean {
    return !this.broken && this.workers.length === this.size - 1;
  }

  /** Stops the workers (they are unref'd, so this is only needed to free them early). */
  close(): void {
    for (let i = 0; i < this.workers.length; i++) {
      Atomics.store(this.controls[i], SEQ, -1);
      Atomics.notify(this.controls[i], SEQ);
      void this.workers[i].terminate();
      this.ports[i].close();
    }
    this.workers.length = 0;
    this.ports.length = 0;
  }
}
