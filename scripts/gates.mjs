// The static gates `npm test` runs before any suite (also `npm run typecheck` / `npm run lint`):
// - typecheck: tsc over the whole tree (tsconfig.json) and over the production sources with
//   noUncheckedIndexedAccess (tsconfig.src.json), incremental (tsc's own build info, sound);
// - lint: ESLint, type-aware, with the Nx module-boundary rule. That rule reads the cached Nx project
//   graph and silently skips itself when there is none, so the graph is computed first. A lint run
//   is skipped only when every input (all files git sees, configs, lock file) is byte for byte the
//   one of the last clean run: type-aware rules read other files' types, so ESLint's per-file cache
//   would not be sound.
// Both run at once (two processes) and print their output when done.
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const cacheDir = path.join(root, 'node_modules', '.cache', 'anyfront-gates');
const bin = (name) => path.join(root, 'node_modules', '.bin', name);

function run(cmd, args) {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: root, env: { ...process.env, NX_DAEMON: 'false', FORCE_COLOR: process.stdout.isTTY ? '1' : '0' } });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('close', (code) => resolve({ ok: code === 0, out, seconds: (Date.now() - started) / 1000 }));
  });
}

/** Hash of every input of the lint: the files git sees (tracked and untracked, not ignored) and the lock file. */
function lintInputsHash() {
  const list = spawnSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: root, encoding: 'utf8' });
  if (list.status !== 0) return null; // not a git checkout: always lint
  const h = createHash('sha256');
  for (const f of list.stdout.split('\0').filter(Boolean).sort()) {
    const file = path.join(root, f);
    if (!existsSync(file)) continue; // deleted, not yet staged
    h.update(f).update('\0').update(readFileSync(file)).update('\0');
  }
  return h.digest('hex');
}

/**
 * tsconfig.json: the whole tree; tsconfig.src.json: production sources with noUncheckedIndexedAccess;
 * apps/portal/tsconfig.json, apps/console/tsconfig.json: the web apps and libs/ui (JSX, DOM, bundler resolution; `next build` skips
 * its own type check because this one runs).
 */
async function typecheck() {
  mkdirSync(cacheDir, { recursive: true });
  const results = [];
  for (const project of ['tsconfig.json', 'tsconfig.src.json', 'apps/portal/tsconfig.json', 'apps/console/tsconfig.json']) {
    results.push(await run(bin('tsc'), ['-p', project, '--noEmit', '--incremental', '--tsBuildInfoFile', path.join(cacheDir, `${project.replace(/\//g, '_')}.tsbuildinfo`)]));
  }
  return { ok: results.every((r) => r.ok), out: results.map((r) => r.out).join(''), seconds: results.reduce((t, r) => t + r.seconds, 0) };
}

async function lint() {
  const hash = lintInputsHash();
  const marker = path.join(cacheDir, 'lint-clean');
  if (hash && existsSync(marker) && readFileSync(marker, 'utf8') === hash) return { ok: true, out: '', seconds: 0, cached: true };
  const graph = await run(bin('nx'), ['show', 'projects']);
  if (!graph.ok) return { ...graph, out: `computing the Nx project graph failed:\n${graph.out}` };
  const r = await run(bin('eslint'), ['--max-warnings', '0', '.']);
  if (r.ok && hash) {
    mkdirSync(cacheDir, { recursive: true });
    writeFileSync(marker, hash);
  }
  return { ...r, seconds: r.seconds + graph.seconds };
}

/** Runs the named gates (default both); prints their output and returns true when all passed. */
export async function runGates(which = ['typecheck', 'lint']) {
  const gates = { typecheck, lint };
  const started = Date.now();
  console.log(`[gates] ${which.join(' + ')} ...`);
  const results = await Promise.all(which.map(async (name) => ({ name, ...(await gates[name]()) })));
  for (const r of results) {
    if (r.out.trim()) process.stdout.write(`${r.out.trimEnd()}\n`);
    console.log(`[gates] ${r.name}: ${r.ok ? 'ok' : 'FAILED'} (${r.cached ? 'inputs unchanged since the last clean run' : `${r.seconds.toFixed(1)} s`})`);
  }
  console.log(`[gates] done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return results.every((r) => r.ok);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const which = process.argv.slice(2);
  process.exit((await runGates(which.length ? which : undefined)) ? 0 : 1);
}
