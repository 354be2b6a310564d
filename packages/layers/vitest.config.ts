// Imported by relative path: through the package name the preset resolves into node_modules, which
// vite leaves to Node's own loader, and Node 20 cannot load a .ts file.
import { wnVitestConfig } from '../../tooling/vitest.preset.ts';

export default wnVitestConfig();
