import { wnVitestConfig } from '@wn/tooling/vitest';

export default wnVitestConfig({ testTimeout: 120_000 });
