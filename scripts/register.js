// Runs TypeScript sources directly (decorator metadata included, tsconfig paths resolved) for
// `npm start`, the lab CLI and benchmarks; tests use @swc/jest with the same settings.
process.env.SWC_NODE_PROJECT = process.env.SWC_NODE_PROJECT || require('path').join(__dirname, '..', 'tsconfig.base.json');
require('@swc-node/register');
require('reflect-metadata');
