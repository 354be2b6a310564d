#!/usr/bin/env node
// The wn-gen command: the built CLI when dist/ exists, else (in the repository, no build
// step) the TypeScript source run through tsx with the `source` export condition, in a child
// process. Signals sent to this wrapper are forwarded to the child (which saves a checkpoint on
// SIGINT/SIGTERM), and the wrapper exits with the child's code, so `kill <wrapper>` never leaves
// a training process behind.
import { existsSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { constants } from 'node:os';

const dist = new URL('../dist/cli.js', import.meta.url);
if (existsSync(dist)) {
  const { run } = await import(dist.href);
  run();
} else {
  const src = fileURLToPath(new URL('../src/cli.ts', import.meta.url));
  const child = spawn(process.execPath, ['--conditions=@wn/source', '--import', 'tsx', src, ...process.argv.slice(2)], { stdio: 'inherit' });
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    // a terminal's Ctrl-C reaches the child directly too; it treats a second copy within a
    // second as the same press, so forwarding never turns one press into "quit without saving"
    process.on(signal, () => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    });
  }
  child.on('error', (e) => {
    process.stderr.write(`wn-gen: cannot start node for ${src}: ${e.message}\n`);
    process.exit(1);
  });
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 128 + (constants.signals[signal] ?? 0) : 1)));
}
