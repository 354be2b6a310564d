/**
 * Running a package's command-line program in a child process, for the bin tests: start it, send
 * a signal once its stderr shows some text (training has begun), and collect how it ended.
 */
import { execFileSync, spawn } from 'node:child_process';

export interface CliRun {
  /** the exit code (null when a signal ended it) */
  code: number | null;
  stdout: string;
  stderr: string;
  /** the process the program had started when the signal was sent (0: none, or no signal sent) */
  child: number;
}

/** Whether a process with this id is running. */
export function isAlive(pid: number): boolean {
  if (pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The first child process of `pid`, or 0 when it has none. */
export function childOf(pid: number): number {
  try {
    return Number(execFileSync('pgrep', ['-P', String(pid)], { encoding: 'utf8' }).trim().split('\n')[0]);
  } catch {
    return 0; // pgrep exits 1 when there is none
  }
}

/**
 * Runs `node <bin> <args…>`. When `when` is given, the first time stderr matches it the program is
 * sent `signal` (default SIGINT). Rejects, killing the program, after `timeoutMs` (default 60 s).
 */
export function runCli(bin: string, args: readonly string[], options: { when?: RegExp; signal?: NodeJS.Signals; timeoutMs?: number } = {}): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [bin, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '', stderr = '', child = 0, sent = false;
    p.stdout.on('data', (d: Buffer) => {
      stdout += d;
    });
    p.stderr.on('data', (d: Buffer) => {
      stderr += d;
      if (options.when && !sent && options.when.test(stderr)) {
        sent = true;
        child = childOf(p.pid!);
        p.kill(options.signal ?? 'SIGINT');
      }
    });
    const timer = setTimeout(() => {
      p.kill('SIGKILL');
      reject(new Error(`${bin} timed out after ${options.timeoutMs ?? 60_000} ms; stderr: ${stderr}`));
    }, options.timeoutMs ?? 60_000);
    p.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, child });
    });
  });
}
