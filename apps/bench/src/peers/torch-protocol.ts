/**
 * The replies of the PyTorch peer (`torch_steps.py`, one JSON object per stdout line), checked
 * before use: a malformed or failed reply becomes a PeerError naming the peer, the request, what
 * was expected and what came, never a NaN in the report.
 */
import { WnError } from '@wn/tensor';

export class PeerError extends WnError {}

/** What the peer says about itself on startup. */
export interface TorchHello {
  torch: string;
  threads: number;
  interopThreads: number;
  /** the BLAS libraries mapped into the process (from /proc/self/maps) */
  blas: string;
  mkldnn: boolean;
  /** whether a 64 MiB malloc came from the heap (the malloc tunables took effect); null: cannot tell */
  largeMallocOnHeap: boolean | null;
  /** LD_LIBRARY_PATH, GLIBC_TUNABLES, OMP_NUM_THREADS as the peer saw them */
  env: Record<string, string>;
}

export interface LoadReply {
  losses: number[];
  cpu0: number;
  cpu1: number;
}

export interface RunReply {
  /** each step's time in ms */
  ms: number[];
  /** the peer's CPU seconds (all its threads) when the request arrived and when it replied */
  cpu0: number;
  cpu1: number;
}

const clip = (s: string, n = 160) => (s.length > n ? `${s.slice(0, n)}…` : s);

function parseObject(peer: string, what: string, line: string): Record<string, unknown> {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch {
    throw new PeerError(peer, `malformed reply to ${what}: expected one JSON object per line, got ${JSON.stringify(clip(line))}`);
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    throw new PeerError(peer, `malformed reply to ${what}: expected a JSON object, got ${JSON.stringify(clip(line))}`);
  }
  return v as Record<string, unknown>;
}

function field<T>(peer: string, what: string, obj: Record<string, unknown>, key: string, ok: (v: unknown) => v is T, expected: string): T {
  const v = obj[key];
  if (!ok(v)) throw new PeerError(peer, `malformed reply to ${what}: expected "${key}" to be ${expected}, got ${clip(JSON.stringify(v) ?? 'undefined')}`);
  return v;
}

const isString = (v: unknown): v is string => typeof v === 'string';
const isBool = (v: unknown): v is boolean => typeof v === 'boolean';
const isCount = (v: unknown): v is number => Number.isInteger(v) && (v as number) >= 1;
const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isFiniteArray = (v: unknown): v is number[] => Array.isArray(v) && v.every(isNumber);
const isTimeArray = (v: unknown): v is number[] => Array.isArray(v) && v.every((x) => isNumber(x) && x > 0);
const isStringMap = (v: unknown): v is Record<string, string> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && Object.values(v).every(isString);

/** An `{"ok": false, "error": ...}` reply becomes a PeerError carrying the peer's message. */
function checkOk(peer: string, what: string, obj: Record<string, unknown>): void {
  if (obj.ok === true) return;
  if (obj.ok === false) throw new PeerError(peer, `${what} failed in the peer: ${clip(String(obj.error ?? '(no message)'), 400)}`);
  throw new PeerError(peer, `malformed reply to ${what}: expected "ok" to be true or false, got ${clip(JSON.stringify(obj.ok) ?? 'undefined')}`);
}

export function parseHello(peer: string, line: string): TorchHello {
  const what = 'startup';
  const o = parseObject(peer, what, line);
  if (o.hello !== 'torch_steps') throw new PeerError(peer, `malformed reply to ${what}: expected "hello": "torch_steps", got ${clip(JSON.stringify(o.hello) ?? 'undefined')}`);
  return {
    torch: field(peer, what, o, 'torch', isString, 'a version string'),
    threads: field(peer, what, o, 'threads', isCount, 'a positive integer'),
    interopThreads: field(peer, what, o, 'interopThreads', isCount, 'a positive integer'),
    blas: field(peer, what, o, 'blas', isString, 'a string'),
    mkldnn: field(peer, what, o, 'mkldnn', isBool, 'a boolean'),
    largeMallocOnHeap: field(peer, what, o, 'largeMallocOnHeap', (v): v is boolean | null => v === null || isBool(v), 'a boolean or null'),
    env: field(peer, what, o, 'env', isStringMap, 'an object of strings'),
  };
}

export function parseLoadReply(peer: string, what: string, line: string, checkSteps: number): LoadReply {
  const o = parseObject(peer, what, line);
  checkOk(peer, what, o);
  const losses = field(peer, what, o, 'losses', isFiniteArray, 'an array of finite numbers');
  if (losses.length !== checkSteps) throw new PeerError(peer, `malformed reply to ${what}: expected ${checkSteps} losses, got ${losses.length}`);
  return { losses, cpu0: field(peer, what, o, 'cpu0', isNumber, 'a number'), cpu1: field(peer, what, o, 'cpu1', isNumber, 'a number') };
}

export function parseRunReply(peer: string, what: string, line: string, k: number): RunReply {
  const o = parseObject(peer, what, line);
  checkOk(peer, what, o);
  const ms = field(peer, what, o, 'ms', isTimeArray, 'an array of positive step times');
  if (ms.length !== k) throw new PeerError(peer, `malformed reply to ${what}: expected ${k} step times, got ${ms.length}`);
  return { ms, cpu0: field(peer, what, o, 'cpu0', isNumber, 'a number'), cpu1: field(peer, what, o, 'cpu1', isNumber, 'a number') };
}

/** Whether the peer runs on the OpenMP OpenBLAS (the mapped BLAS names the openblas-openmp folder). */
export const usesOpenmpOpenblas = (hello: TorchHello): boolean => /openblas-openmp\//.test(hello.blas);
