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
    // Billing money is bigint minor units (libs/billing/README.md): no floating point may enter the
    // lib's source. Counts and epoch seconds are integers; libs/billing/src/no-float.spec.ts keeps
    // this rule honest.
    files: ['libs/billing/src/**/*.ts'],
    ignores: ['libs/billing/src/**/*.spec.ts'],
    rules: {
      'no-restricted-syntax': ['error',
        { selector: 'Literal[value=type(number)][raw=/[.eE]/]', message: 'billing: no fractional or exponent number literals (money is bigint minor units)' },
        { selector: "Identifier[name='parseFloat']", message: 'billing: no parseFloat; parse decimals with parseDecimal' },
        { selector: "MemberExpression[object.name='Math']", message: 'billing: no Math.* (floating point); use bigint arithmetic' },
        { selector: "CallExpression[callee.name='Number']", message: 'billing: no Number() conversion; keep amounts and quantities in bigint' },
        { selector: 'CallExpression[callee.property.name=/^(toFixed|toPrecision|toExponential)$/]', message: 'billing: no float formatting; use formatScaled/formatMoney' },
      ],
    },
  },
  {
    // Integration/lab tests and benchmarks compose several apps (e.g. the worker's tests boot the
    // API); production code still obeys the boundaries above.
    files: ['**/*.int-spec.ts', '**/*.lab-spec.ts', '**/bench/**/*.ts'],
    rules: { '@nx/enforce-module-boundaries': 'off' },
  },
);
