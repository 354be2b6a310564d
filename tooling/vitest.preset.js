// Plain JavaScript on purpose: vitest loads each package's config with Node, which cannot import
// a .ts file from another package in Node 20.
import { defineConfig } from 'vitest/config';

/**
 * The one vitest preset every package uses. The `@wn/source` export condition makes in-repo imports
 * resolve to `src/` so tests never wait for a build (the project's own name, so that a user's
 * bundler honouring a plain `source` condition never picks up TypeScript).
 * @param {{ testTimeout?: number, include?: string[] }} [overrides]
 */
export function wnVitestConfig(overrides = {}) {
  return defineConfig({
    resolve: { conditions: ['@wn/source'] },
    ssr: { resolve: { conditions: ['@wn/source'] } },
    test: {
      include: overrides.include ?? ['test/**/*.test.ts'],
      testTimeout: overrides.testTimeout ?? 60_000,
      pool: 'forks',
      reporters: ['default'],
    },
  });
}
