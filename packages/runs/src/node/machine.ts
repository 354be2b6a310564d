/** Where a run ran: code version (git commit), machine and runtime, for config.json. */
import { execFileSync } from 'node:child_process';
import { cpus, totalmem } from 'node:os';

/** The code a run was computed with: the git commit and whether the checkout had changes. */
export interface CodeVersion {
  /** the git commit, or null outside a git checkout */
  commit: string | null;
  /** uncommitted changes to tracked files: the commit alone does not reproduce the run */
  dirty: boolean | null;
}

/** The machine a run was computed on, as recorded in its config. */
export interface MachineInfo {
  /** CPU model name. */
  cpu: string;
  /** Logical CPU cores. */
  cores: number;
  /** Total memory, in GiB. */
  memory_gib: number;
  /** Operating system (`process.platform`). */
  platform: string;
  /** CPU architecture (`process.arch`). */
  arch: string;
  /** Node.js version. */
  node: string;
}

/** The git commit of the checkout containing `dir` (default: the working directory). */
export function codeVersion(dir = process.cwd()): CodeVersion {
  const git = (args: string[]) => execFileSync('git', args, { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 5000 }).trim();
  try {
    const commit = git(['rev-parse', 'HEAD']);
    let dirty: boolean | null = null;
    try {
      dirty = git(['status', '--porcelain', '--untracked-files=no']).length > 0;
    } catch {
      dirty = null;
    }
    return { commit, dirty };
  } catch {
    return { commit: null, dirty: null };
  }
}

/** Describes this machine (CPU, cores, memory, platform, Node version). */
export function machineInfo(): MachineInfo {
  const list = cpus();
  return {
    cpu: list[0]?.model.trim() ?? 'unknown',
    cores: list.length,
    memory_gib: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    platform: process.platform,
    arch: process.arch,
    node: process.version,
  };
}
