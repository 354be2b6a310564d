import { defineConfig } from 'vitest/config';

/**
 * The one vitest preset every package uses. The `source` export condition makes in-repo
 * imports resolve to `src/` so tests never wait for a build.
 */
export function wnVitestConfig(overrides: { testTimeout?: number; include?: string[] } = {}) {
  return defineConfig({
    resolve: { conditions: ['source'] },
    ssr: { resolve: { conditions: ['source'] } },
    test: {
      include: overrides.include ?? ['test/**/*.test.ts'],
      testTimeout: overrides.testTimeout ?? 60_000,
      pool: 'forks',
      reporters: ['default'],
    },
  });
}
