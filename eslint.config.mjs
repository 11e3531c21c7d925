import tseslint from 'typescript-eslint';
import nx from '@nx/eslint-plugin';

export default tseslint.config(
  { ignores: ['**/node_modules/**', '**/dist/**', '.data/**', '.nx/**', '**/*.js', '**/*.mjs'] },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    plugins: { '@nx': nx },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // apps depend on libs, never the reverse; libs never import apps.
      '@nx/enforce-module-boundaries': ['error', {
        allow: [],
        depConstraints: [
          { sourceTag: 'type:lib', onlyDependOnLibsWithTags: ['type:lib'] },
          { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:lib'] },
        ],
      }],
    },
  },
  {
    // Integration/lab tests and benchmarks compose several apps (e.g. the worker's tests boot the
    // API); production code still obeys the boundaries above.
    files: ['**/*.int-spec.ts', '**/*.lab-spec.ts', '**/bench/**/*.ts'],
    rules: { '@nx/enforce-module-boundaries': 'off' },
  },
);
