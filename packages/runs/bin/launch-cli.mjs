// Starts a model package's command from its bin file: the built CLI when the package's dist/
// exists, else (in the repository, no build step) its TypeScript source through tsx with the
// `@wn/source` export condition, in a child process. Signals sent to the wrapper are forwarded to
// the child (which saves a checkpoint on SIGINT/SIGTERM), and the wrapper exits with the child's
// code, so `kill <wrapper>` never leaves a training process behind. Plain JavaScript: it runs
// before any TypeScript loader.
import { existsSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { constants } from 'node:os';

/**
 * @param {string} binUrl the bin file's `import.meta.url` (its package holds dist/cli.js or src/cli.ts)
 * @param {string} name the command's name, for messages
 */
export async function launchCli(binUrl, name) {
  const dist = new URL('../dist/cli.js', binUrl);
  if (existsSync(dist)) {
    const { run } = await import(dist.href);
    run();
    return;
  }
  const src = fileURLToPath(new URL('../src/cli.ts', binUrl));
  const child = spawn(process.execPath, ['--conditions=@wn/source', '--import', 'tsx', src, ...process.argv.slice(2)], { stdio: 'inherit' });
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    // a terminal's Ctrl-C reaches the child directly too; it treats a second copy within a
    // second as the same press, so forwarding never turns one press into "quit without saving"
    process.on(signal, () => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    });
  }
  child.on('error', (e) => {
    process.stderr.write(`${name}: cannot start node for ${src}: ${e.message}\n`);
    process.exit(1);
  });
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 128 + (constants.signals[signal] ?? 0) : 1)));
}
