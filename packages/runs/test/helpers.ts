import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';

/** A temp folder for this test file, removed after all its tests (registered at module level). */
export function tempRoot(prefix: string): string {
  const root = mkdtempSync(join(tmpdir(), `wn-runs-${prefix}-`));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  return root;
}

/** Own enumerable and non-enumerable names of Object.prototype, to check nothing was added. */
export const prototypeNames = (): string[] => Object.getOwnPropertyNames(Object.prototype).sort();
