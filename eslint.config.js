// One lint config for the workspace: ESLint's and typescript-eslint's recommended rules (no
// type-aware rules, so `pnpm lint` stays fast), plus a few that keep the code honest.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', '**/results/**', '**/.turbo/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', performance: 'readonly', URL: 'readonly', Buffer: 'readonly', globalThis: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-constant-condition': ['error', { checkLoops: false }],
      'no-self-compare': 'off', // x !== x is the NaN test in kernels
    },
  },
  {
    // fixtures are untyped JSON read by tests
    files: ['**/test/**', 'tooling/src/fixtures.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
);
