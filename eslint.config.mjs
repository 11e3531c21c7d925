// ESLint for the whole tree, type-aware (one TypeScript program from tsconfig.json), with the Nx
// module-boundary rule. That rule reads the cached Nx project graph: `npm run lint` (scripts/gates.mjs)
// computes it first; a bare `npx eslint .` on a fresh clone would silently skip the rule.
import tseslint from 'typescript-eslint';
import nx from '@nx/eslint-plugin';

// Who may import whom (tags live in each project.json):
//   type:app   apps/*: import libs only, never another app and never test code
//   type:lib   libs/*: import libs only
//   type:test  libs/testing, infra/lab: test harnesses; only tests, benches and other harnesses import them
//   scope:shared            contracts, domain, maglev, dataplane: usable everywhere
//   scope:api / scope:worker the control plane; libs/db carries both tags (only the API and the worker speak SQL)
//   scope:edge              edge agent and backend kit: never the API, never libs/db
//   scope:web               portal and console (and libs/api-client, libs/ui): only web and shared libs
const scopes = [
  { sourceTag: 'scope:shared', onlyDependOnLibsWithTags: ['scope:shared'] },
  { sourceTag: 'scope:api', onlyDependOnLibsWithTags: ['scope:api', 'scope:shared'] },
  { sourceTag: 'scope:worker', onlyDependOnLibsWithTags: ['scope:worker', 'scope:shared'] },
  { sourceTag: 'scope:edge', onlyDependOnLibsWithTags: ['scope:edge', 'scope:shared'] },
  { sourceTag: 'scope:web', onlyDependOnLibsWithTags: ['scope:web', 'scope:shared'] },
];
const production = [
  { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:lib'] },
  { sourceTag: 'type:lib', onlyDependOnLibsWithTags: ['type:lib'] },
  { sourceTag: 'type:test', onlyDependOnLibsWithTags: ['type:lib', 'type:test'] },
  ...scopes,
];
// Tests and benchmarks may use the harnesses and look at any layer (an edge-agent integration test
// reads the database its registration wrote); apps still never import apps.
const tests = [
  { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:lib', 'type:test'] },
  { sourceTag: 'type:lib', onlyDependOnLibsWithTags: ['type:lib', 'type:test'] },
  { sourceTag: 'type:test', onlyDependOnLibsWithTags: ['type:lib', 'type:test'] },
];
// The one cycle in the project graph runs through test code: dataplane's lab spec uses the lab's
// namespaces, the lab harness uses libs/testing, whose scratch databases run libs/db's migrations, and
// libs/db's fleet repository computes states with libs/domain, which renders with dataplane. Both
// harness edges are ignored (each import on the cycle reports the path without its own edge);
// production code has no cycle.
const boundaries = (depConstraints) => ({ allow: [], depConstraints, ignoredCircularDependencies: [['dataplane', 'lab'], ['testing', 'db']] });
// Entity classes of libs/db (value imports mean TypeORM access outside the repositories).
const ENTITY_NAMES = ['Organization', 'User', 'Membership', 'Session', 'ApiKey', 'Pop', 'Pool', 'EdgeNode', 'AuditLog', 'Service', 'Backend'];
const testFiles = ['**/*.spec.ts', '**/*.int-spec.ts', '**/*.lab-spec.ts', '**/*.spec-helpers.ts', '**/bench/**/*.ts', '**/src/testing/**/*.ts'];

export default tseslint.config(
  { ignores: ['**/node_modules/**', '**/dist/**', '.data/**', '.nx/**', '**/.next/**', '**/next-env.d.ts', '**/*.js', '**/*.mjs'] },
  ...tseslint.configs.recommendedTypeChecked,
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { project: ['./tsconfig.json'], tsconfigRootDir: import.meta.dirname } },
    plugins: { '@nx': nx },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_', ignoreRestSiblings: true }],
      // Off for now: raw `ds.query()` results are `any`, so these flag ~800 reads of query rows and
      // test response bodies. The repositories in libs/db give those rows types; turn the family on
      // (at least outside tests) once raw SQL lives only there.
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@nx/enforce-module-boundaries': ['error', boundaries(production)],
    },
  },
  {
    // The web apps and libs/ui: TSX and DOM code, typed by their tsconfig.json (tsconfig.web.json).
    files: ['apps/portal/src/**/*.ts', 'apps/portal/src/**/*.tsx', 'apps/console/src/**/*.ts', 'apps/console/src/**/*.tsx', 'libs/ui/src/**/*.ts', 'libs/ui/src/**/*.tsx'],
    languageOptions: { parserOptions: { project: ['./apps/portal/tsconfig.json', './apps/console/tsconfig.json'], tsconfigRootDir: import.meta.dirname } },
    plugins: { '@nx': nx },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_', ignoreRestSiblings: true }],
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      // React event handlers take promise-returning functions (form submit, mutations).
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { attributes: false } }],
      '@nx/enforce-module-boundaries': ['error', boundaries(production)],
    },
  },
  {
    files: testFiles,
    rules: {
      '@nx/enforce-module-boundaries': ['error', boundaries(tests)],
      // Fakes implement async interfaces without awaiting anything.
      '@typescript-eslint/require-await': 'off',
    },
  },
  {
    // Data access in one place (issue 7 §1): SQL and TypeORM entity access live in libs/db's
    // repositories. Production code elsewhere may not run a query, build one, or import an entity as
    // a value (types are fine). No production file is exempt.
    files: ['apps/**/*.ts', 'libs/**/*.ts'],
    ignores: ['libs/db/**', 'libs/testing/**', 'libs/billing/**', 'apps/portal/**', 'libs/ui/**', ...testFiles],
    rules: {
      'no-restricted-syntax': ['error', {
        selector: 'CallExpression[callee.property.name=/^(query|createQueryBuilder|getRepository)$/]',
        message: 'SQL lives in libs/db: add a repository method and call it',
      }],
      '@typescript-eslint/no-restricted-imports': ['error', {
        paths: [
          { name: 'pg', message: 'SQL lives in libs/db' },
          { name: '@anyfront/db', importNames: ENTITY_NAMES, allowTypeImports: true, message: 'entities are read and written by libs/db repositories; import the type only' },
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
);
