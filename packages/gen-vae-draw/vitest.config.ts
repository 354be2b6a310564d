import { wnVitestConfig } from '@wn/tooling/vitest';

export default wnVitestConfig();
