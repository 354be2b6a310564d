import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { removeStaleTemps, writeFileAtomic } from '../src/node/index.js';
import { tempRoot } from './helpers.js';

const root = tempRoot('atomic');
const atomicModule = new URL('../src/node/atomic.ts', import.meta.url).pathname;

describe('writeFileAtomic', () => {
  it('replaces the file and leaves no temp file', () => {
    const path = join(root, 'a.json');
    writeFileAtomic(path, 'old');
    writeFileAtomic(path, new TextEncoder().encode('new'));
    expect(readFileSync(path, 'utf8')).toBe('new');
    expect(readdirSync(root).filter((f) => f.startsWith('.'))).toEqual([]);
  });

  it('a process killed between the temp write and the rename leaves the old file intact', () => {
    const dir = join(root, 'crash');
    const path = join(dir, 'checkpoint.safetensors');
    const script = `import { mkdirSync } from 'node:fs';
import { writeFileAtomic } from ${JSON.stringify(atomicModule)};
mkdirSync(${JSON.stringify(dir)}, { recursive: true });
writeFileAtomic(${JSON.stringify(path)}, 'old contents');
writeFileAtomic(${JSON.stringify(path)}, 'new contents that never land', { beforeRename: () => process.kill(process.pid, 'SIGKILL') });`;
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8' });
    expect(r.signal).toBe('SIGKILL'); // it really died mid-write
    expect(readFileSync(path, 'utf8')).toBe('old contents');
    const temps = readdirSync(dir).filter((f) => f.endsWith('.tmp'));
    expect(temps).toHaveLength(1); // the crash left its temp file (with the new bytes) …
    expect(readFileSync(join(dir, temps[0]), 'utf8')).toBe('new contents that never land');
    expect(removeStaleTemps(dir)).toEqual(temps); // … which the next open of the folder clears
    expect(readdirSync(dir)).toEqual(['checkpoint.safetensors']);
  });

  it('an error before the rename removes the temp file and keeps the old one', () => {
    const path = join(root, 'b.txt');
    writeFileSync(path, 'kept');
    expect(() => writeFileAtomic(path, 'lost', { beforeRename: () => { throw new Error('disk full'); } })).toThrow('disk full');
    expect(readFileSync(path, 'utf8')).toBe('kept');
    expect(existsSync(join(root, `.b.txt.${process.pid}.tmp`))).toBe(false);
  });
});
