/**
 * PyTorch (CPU) as a peer of the `steps` group: writes the workloads' initial values as float32
 * files plus a JSON manifest, and keeps one `torch_steps.py` child per thread count running,
 * answering "load workload" and "run k steps" requests, so that @wn and PyTorch can be timed in
 * alternation within one run. Skipped (with a notice) where `import torch` fails.
 *
 * The child runs PyTorch at its best on a Debian machine: the OpenMP OpenBLAS pinned through
 * LD_LIBRARY_PATH (the pthreads build oversubscribes the cores together with torch's OpenMP
 * threads), glibc malloc tunables that keep freed tensors' memory mapped (no mmap/munmap and
 * page faults per step), and OMP_NUM_THREADS = torch.set_num_threads(n).
 */
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { ADAM, LEAKY_SLOPE, W2_LAYERS, W4, type HostArray, type Workload } from '../workloads/spec.js';
import { PeerError, parseHello, parseLoadReply, parseRunReply, usesOpenmpOpenblas, type TorchHello } from './torch-protocol.js';

export const PYTHON = process.env.WN_BENCH_PYTHON ?? '/usr/bin/python3';
const SCRIPT = fileURLToPath(new URL('./torch_steps.py', import.meta.url));

/** Debian's libopenblas0-openmp: its libblas.so.3 replaces whatever the alternatives system picked. */
export const OPENMP_OPENBLAS_DIR = process.env.WN_BENCH_OPENBLAS_DIR ?? '/usr/lib/x86_64-linux-gnu/openblas-openmp';
/** Freed memory stays with the process: no munmap of large tensors and fresh page faults every step. */
export const MALLOC_TUNABLES = 'glibc.malloc.mmap_threshold=4294967295:glibc.malloc.trim_threshold=4294967295';

export type TorchLayout = 'contiguous' | 'channels_last';

/** `undefined` when PyTorch can be used; otherwise why not. */
export function torchUnavailable(): string | undefined {
  const r = spawnSync(PYTHON, ['-c', 'import torch, numpy'], { encoding: 'utf8' });
  if (r.error) return `${PYTHON} not runnable (${r.error.message})`;
  if (r.status !== 0) return `${PYTHON} -c "import torch, numpy" failed: ${r.stderr.trim().split('\n').pop()}`;
  return undefined;
}

/**
 * The environment of a PyTorch child at `threads` threads, and notes on what could not be set
 * (an OpenBLAS folder that does not exist is not put on the path, and the note says so).
 */
export function torchEnv(threads: number, base: NodeJS.ProcessEnv = process.env, blasDir = OPENMP_OPENBLAS_DIR, exists = existsSync): { env: NodeJS.ProcessEnv; notes: string[] } {
  const env: NodeJS.ProcessEnv = { ...base, OMP_NUM_THREADS: String(threads), GLIBC_TUNABLES: MALLOC_TUNABLES };
  const notes: string[] = [];
  if (exists(blasDir)) env.LD_LIBRARY_PATH = base.LD_LIBRARY_PATH ? `${blasDir}:${base.LD_LIBRARY_PATH}` : blasDir;
  else notes.push(`${blasDir} does not exist (install libopenblas0-openmp): PyTorch runs on whatever BLAS the system resolves`);
  return { env, notes };
}

/** Writes the workloads' arrays and manifest into a fresh temp dir; returns the manifest path. */
export function writeManifest(workloads: Workload[]): { manifest: string; cleanup: () => void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'wn-bench-steps-'));
  let n = 0;
  const file = (a: HostArray) => {
    const name = `a${n++}.f32`;
    writeFileSync(path.join(dir, name), new Uint8Array(a.data.buffer, a.data.byteOffset, a.data.byteLength));
    return { file: name, shape: a.shape };
  };
  const manifest = {
    adam: ADAM,
    workloads: workloads.map((w) => ({
      id: w.id, adam: w.adam, layers: W2_LAYERS, leakySlope: LEAKY_SLOPE, hidden: W4.hidden,
      paramNames: w.params.map(([name]) => name),
      params: w.params.map(([, a]) => file(a)),
      x: file(w.x),
      labels: w.labels && file(w.labels),
      dqn: w.dqn && {
        net: w.dqn.net, wn: w.dqn.wn, timed: w.dqn.timed, actionCount: w.dqn.actionCount, gamma: w.dqn.gamma,
        loss: w.dqn.loss, optimizer: w.dqn.optimizer,
        next: file(w.dqn.next), actions: file(w.dqn.actions), rewards: file(w.dqn.rewards), done: file(w.dqn.done),
        observation: file(w.dqn.observation),
      },
      gen: w.gen && {
        model: w.gen.model, settings: w.gen.settings, variant: w.gen.variant, optimizer: w.gen.optimizer, clipNorm: w.gen.clipNorm,
        wnDims: w.gen.wnDims, eps: w.gen.eps.map(file),
      },
    })),
  };
  const manifestPath = path.join(dir, 'manifest.json');
  writeFileSync(manifestPath, JSON.stringify(manifest));
  return { manifest: manifestPath, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface PeerStartOptions {
  /** the command to run instead of `PYTHON torch_steps.py MANIFEST THREADS` (tests use a fake peer) */
  command?: readonly string[];
  env?: NodeJS.ProcessEnv;
  /** how long one request may take before the peer is declared hung (default 300 s) */
  timeoutMs?: number;
  /** how long the startup line (Python and torch importing) may take (default 120 s) */
  startupTimeoutMs?: number;
}

/**
 * One persistent PyTorch child. Requests are answered in order, one JSON line each; every reply
 * is checked (peers/torch-protocol.ts), and a peer that exits, hangs or answers garbage fails the
 * pending request with a PeerError carrying the tail of its stderr.
 */
export class TorchPeer {
  /** CPU seconds the child used between requests, i.e. while @wn ran (spin-waiting threads) */
  idleCpuS = 0;
  /** CPU seconds the child used answering requests */
  busyCpuS = 0;
  private lastCpu1: number | undefined;
  private readonly lines: string[] = [];
  private waiter: { resolve: (line: string) => void; reject: (e: Error) => void } | undefined;
  private exited: PeerError | undefined;
  private stderr = '';

  private constructor(
    readonly name: string,
    private readonly child: ChildProcessWithoutNullStreams,
    private readonly timeoutMs: number,
    public hello: TorchHello | undefined = undefined,
  ) {
    // a write to a peer that died fails with EPIPE; the 'close' handler reports it
    child.stdin.on('error', () => undefined);
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (s: string) => { this.stderr = (this.stderr + s).slice(-4000); });
    createInterface({ input: child.stdout }).on('line', (line) => {
      if (this.waiter) { const w = this.waiter; this.waiter = undefined; w.resolve(line); } else this.lines.push(line);
    });
    const fail = (why: string) => {
      this.exited ??= new PeerError(this.name, `${why}${this.stderrTail()}`);
      if (this.waiter) { const w = this.waiter; this.waiter = undefined; w.reject(this.exited); }
    };
    child.on('error', (e) => fail(`could not run: ${e.message}`));
    // 'close' (not 'exit') fires after stdout and stderr are drained, so no reply line is lost
    child.on('close', (code, signal) => fail(`exited (${signal ? `signal ${signal}` : `code ${code}`}) before replying`));
  }

  /** Starts the peer at `threads` threads on `manifest` and reads its startup line. */
  static async start(manifest: string, threads: number, options: PeerStartOptions = {}): Promise<TorchPeer> {
    const [cmd, ...args] = options.command ?? [PYTHON, SCRIPT, manifest, String(threads)];
    const child = spawn(cmd, args, { env: options.env ?? torchEnv(threads).env, stdio: ['pipe', 'pipe', 'pipe'] });
    const peer = new TorchPeer(`PyTorch peer (${threads} thread${threads > 1 ? 's' : ''})`, child, options.timeoutMs ?? 300_000);
    try {
      peer.hello = parseHello(peer.name, await peer.nextLine('startup', options.startupTimeoutMs ?? 120_000));
    } catch (e) {
      peer.kill();
      throw e;
    }
    return peer;
  }

  private stderrTail(): string {
    const tail = this.stderr.trim().split('\n').slice(-5).join('\n');
    return tail ? `; stderr: ${tail}` : '';
  }

  private nextLine(what: string, timeoutMs = this.timeoutMs): Promise<string> {
    const queued = this.lines.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    if (this.exited) return Promise.reject(this.exited);
    return new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiter = undefined;
        reject(new PeerError(this.name, `no reply to ${what} within ${timeoutMs / 1000} s${this.stderrTail()}`));
        this.kill();
      }, timeoutMs);
      this.waiter = {
        resolve: (line) => { clearTimeout(timer); resolve(line); },
        reject: (e) => { clearTimeout(timer); reject(e); },
      };
    });
  }

  private async request(req: Record<string, unknown>, what: string): Promise<string> {
    if (this.exited) throw this.exited;
    this.child.stdin.write(`${JSON.stringify(req)}\n`);
    return this.nextLine(what);
  }

  private account(cpu0: number, cpu1: number): void {
    if (this.lastCpu1 !== undefined) this.idleCpuS += Math.max(0, cpu0 - this.lastCpu1);
    this.busyCpuS += cpu1 - cpu0;
    this.lastCpu1 = cpu1;
  }

  /** Builds the workload's trainer from its initial values; returns the losses of the first `checkSteps` steps. */
  async load(id: string, layout: TorchLayout, checkSteps: number): Promise<number[]> {
    const what = `load ${id} ${layout}`;
    const r = parseLoadReply(this.name, what, await this.request({ cmd: 'load', id, layout, checkSteps }, what), checkSteps);
    this.account(r.cpu0, r.cpu1);
    return r.losses;
  }

  /** Runs k steps of a loaded workload; returns each step's time in ms (timed inside the peer). */
  async run(id: string, layout: TorchLayout, k: number): Promise<number[]> {
    const what = `run ${k} steps of ${id} ${layout}`;
    const r = parseRunReply(this.name, what, await this.request({ cmd: 'run', id, layout, k }, what), k);
    this.account(r.cpu0, r.cpu1);
    return r.ms;
  }

  private kill(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
  }

  /** Asks the peer to quit and waits for it (killing it after 5 s). */
  async close(): Promise<void> {
    if (this.exited) return;
    const gone = new Promise<void>((resolve) => this.child.once('close', () => resolve()));
    this.child.stdin.end(`${JSON.stringify({ cmd: 'quit' })}\n`);
    const timer = setTimeout(() => this.kill(), 5000);
    await gone;
    clearTimeout(timer);
  }
}

/**
 * How the PyTorch peer was configured, in one sentence for the report: the values the child itself
 * saw (its environment and mapped BLAS, from its startup line), not the ones we meant to set.
 */
export function describeTorchPeer(hello: TorchHello, threadCounts: readonly number[], notes: readonly string[] = []): string {
  const env = (k: string) => hello.env[k] || '(unset)';
  const blas = usesOpenmpOpenblas(hello) ? 'the OpenMP OpenBLAS' : 'NOT the OpenMP OpenBLAS: ratios against it are invalid';
  return [
    `PyTorch peer: ${PYTHON} torch_steps.py, PyTorch ${hello.torch}, one persistent child per thread count (${threadCounts.join(', ')}) answering "load" and "run k steps" requests (steps timed inside the child);`,
    `torch.set_num_threads(n) with OMP_NUM_THREADS=n, ${hello.interopThreads} interop thread(s), oneDNN ${hello.mkldnn ? 'on' : 'off'};`,
    `LD_LIBRARY_PATH=${env('LD_LIBRARY_PATH')} — BLAS mapped (/proc/self/maps): ${hello.blas} (${blas});`,
    `GLIBC_TUNABLES=${env('GLIBC_TUNABLES')} (${hello.largeMallocOnHeap === null ? 'effect not checked' : hello.largeMallocOnHeap ? 'in effect: a 64 MiB malloc came from the heap' : 'NOT in effect: a 64 MiB malloc got its own mmap'});`,
    'convnets (W2, W2-WN, W7, W7-WN) timed in both memory layouts (contiguous NCHW and channels_last, input and weights converted), @wn compared with the faster.',
    ...notes.map((n) => `Note: ${n}.`),
  ].join(' ');
}
