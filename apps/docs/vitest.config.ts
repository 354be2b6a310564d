import { wnVitestConfig } from '@wn/tooling/vitest';

export default wnVitestConfig({ testTimeout: 180_000 });
