// Three suites: fast unit tests (pure logic), integration tests on real Postgres and Redis,
// and lab tests on a real kernel data plane in network namespaces (root, nft, ip, bird).
const { pathsToModuleNameMapper } = require('./scripts/jest-paths');

const common = {
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': ['@swc/jest', { swcrc: true }] },
  moduleNameMapper: pathsToModuleNameMapper(),
  setupFiles: ['reflect-metadata'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/', '/.data/'],
};

module.exports = {
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/{apps,libs,infra}/**/*.spec.ts'] },
    // Real services on a small shared machine: hooks boot apps and labs, so give them time.
    { ...common, displayName: 'integration', testTimeout: 60_000, setupFiles: [...common.setupFiles, '<rootDir>/scripts/jest-worker-env.js'], testMatch: ['<rootDir>/{apps,libs,infra}/**/*.int-spec.ts'] },
    { ...common, displayName: 'lab', testTimeout: 120_000, testMatch: ['<rootDir>/{apps,libs,infra}/**/*.lab-spec.ts'] },
  ],
};
