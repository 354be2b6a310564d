#!/usr/bin/env node
// The turbo cache must not replay a green test run after something its tests read has changed.
// A package's `test` task depends on its `transit` task, which depends on `^transit` in every
// workspace dependency (dev dependencies included, so @wn/tooling's conformance suite and
// fixtures count): turbo folds those hashes into the test hash. This check proves it for
// @wn/layers by asking turbo (`--dry=json`, nothing runs) for the task hash before and after a
// temporary edit of each probe file; every probe is restored byte for byte, even on failure or
// Ctrl-C, and the script verifies that the hash is back to the baseline at the end.
import { execFileSync } from 'node:child_process';
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('../..', import.meta.url).pathname;
const TARGET = '@wn/layers';
const TASK = `${TARGET}#test`;
/** [file relative to the root, what it stands for, text appended (keeps the file valid)] */
const PROBES = [
  ['tooling/fixtures/optim.json', "a PyTorch fixture in @wn/tooling", '\n'],
  ['tooling/src/conformance/cases.ts', "@wn/tooling's test sources", '\n// probe\n'],
  ['packages/tensor/src/shape.ts', 'a transitive dependency (@wn/tensor) source', '\n// probe\n'],
  ['packages/autograd/src/index.ts', 'a direct dependency (@wn/autograd) source', '\n// probe\n'],
  ['packages/layers/test/helpers.ts', "the package's own tests", '\n// probe\n'],
];

function testHash() {
  const out = execFileSync(join(root, 'node_modules/.bin/turbo'), ['run', 'test', '--dry=json', `--filter=${TARGET}`], {
    cwd: root,
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  const task = JSON.parse(out).tasks.find((t) => t.taskId === TASK);
  if (!task) throw new Error(`turbo --dry=json has no task ${TASK}`);
  return task.hash;
}

const originals = new Map();
function restoreAll() {
  for (const [path, bytes] of originals) writeFileSync(path, bytes);
  originals.clear();
}
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => {
    restoreAll();
    process.exit(130);
  });
}

const problems = [];
const baseline = testHash();
try {
  for (const [file, what, extra] of PROBES) {
    const path = join(root, file);
    originals.set(path, readFileSync(path));
    try {
      appendFileSync(path, extra);
      const changed = testHash();
      if (changed === baseline) problems.push(`editing ${file} (${what}) left ${TASK}'s hash at ${baseline}: the cache would replay a stale pass`);
    } finally {
      restoreAll();
    }
  }
} finally {
  restoreAll();
}
const after = testHash();
if (after !== baseline) problems.push(`after restoring the probes ${TASK}'s hash is ${after}, not the baseline ${baseline}`);

if (problems.length) {
  console.error(`check-test-inputs: ${problems.length} problem(s):\n  ${problems.join('\n  ')}`);
  process.exit(1);
}
console.log(`check-test-inputs: ${TASK} changes hash for each of ${PROBES.length} probes (${PROBES.map(([f]) => f).join(', ')}); restored`);
