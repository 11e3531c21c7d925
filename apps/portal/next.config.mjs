import path from 'node:path';

const repoRoot = path.join(import.meta.dirname, '..', '..');

/** @type {import('next').NextConfig} */
const config = {
  reactStrictMode: true,
  poweredByHeader: false,
  // libs/ui, libs/api-client and libs/contracts are TypeScript sources in this repository.
  turbopack: { root: repoRoot },
  outputFileTracingRoot: repoRoot,
  // The gates type-check the portal (tsc -p apps/portal/tsconfig.json, with noUncheckedIndexedAccess)
  // before any build; skipping Next's own pass saves ~20 s per build on a 2-core machine.
  typescript: { ignoreBuildErrors: true },
  experimental: { optimizePackageImports: ['@mantine/core', '@mantine/hooks', '@mantine/charts'] },
};

export default config;
