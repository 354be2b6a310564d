#!/usr/bin/env node
// The wn-classify command: the built CLI when dist/ exists, else (in the repository, no build
// step) the TypeScript source run through tsx with the `source` export condition.
import { existsSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const dist = new URL('../dist/cli.js', import.meta.url);
if (existsSync(dist)) {
  const { run } = await import(dist.href);
  run();
} else {
  const src = fileURLToPath(new URL('../src/cli.ts', import.meta.url));
  const child = spawn(process.execPath, ['--conditions=@wn/source', '--import', 'tsx', src, ...process.argv.slice(2)], { stdio: 'inherit' });
  // the child handles Ctrl-C itself (it saves a checkpoint); do not die before it does
  process.on('SIGINT', () => {});
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 130 : 1)));
}
