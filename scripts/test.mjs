// `npm test`: installs what is missing, runs the static gates (typecheck, lint with module boundaries),
// finds or starts Postgres and Redis, then runs every suite: unit, integration (real Postgres + Redis)
// and lab (real kernel data plane; needs root, ip, nft, bird).
import { spawn, spawnSync, execFileSync } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ensureInstalled, portOpen, startEmbeddedPostgres, ensureDatabase, startLocalRedis, root } from './services.mjs';
import { runGates } from './gates.mjs';
import { buildXdp } from '../apps/edge-agent/xdp/build.mjs';

// `node scripts/test.mjs unit|int|lab [jest args]` (npm run test:unit / test:int / test:lab): one suite,
// with the same Postgres/Redis set-up (the lab's fleet e2e runs the API and worker), no gates.
// Integration files run in INT_WORKERS Jest workers (default 2), each on its own fresh database and
// Redis database (scripts/jest-worker-env.js): most of their time is spent waiting on Postgres, Redis,
// child processes and timers, so two workers roughly halve the suite on this 2-core machine.
// With a DATABASE_URL of your own there is one database, so the files run one at a time.
const INT_WORKERS = process.env.DATABASE_URL ? 1 : Math.max(1, Number(process.env.INT_WORKERS ?? '2'));
const SUITES = { unit: ['--selectProjects', 'unit'], int: ['--selectProjects', 'integration', `--maxWorkers=${INT_WORKERS}`], lab: ['--selectProjects', 'lab', '--runInBand'] };
const [only, ...extraArgs] = process.argv.slice(2);
if (only !== undefined && !(only in SUITES)) {
  console.error(`[anyfront] unknown suite "${only}" (unit, int, lab)`);
  process.exit(2);
}

ensureInstalled();

// The edge's XDP program is built from source (clang) before any suite; its tests load the object.
const xdp = buildXdp();
if (xdp.error) {
  console.error(`[anyfront] the XDP program does not build:\n${xdp.error}`);
  process.exit(1);
}
if (xdp.skipped) console.log(`[anyfront] XDP program not built: ${xdp.skipped}`);

// The browser test files (portal, console) serve the built web apps; `next build` of both starts
// now, in the background, so the gates and the unit suite overlap it instead of a browser file
// building at its start while a Jest worker waits (scripts/web-build.mjs: one build per app at a
// time, a browser file that comes early waits for the running build and then finds it up to date).
const webBuild = !only || (only === 'int' && extraArgs.length === 0) ? buildWebApps() : null;

// Gates first (scripts/gates.mjs): a type error, a lint error or a module-boundary violation fails
// `npm test` before any suite runs.
if (!only && !(await runGates())) {
  webBuild?.child.kill('SIGTERM');
  console.error('[anyfront] typecheck or lint failed (output above); no suite was run.');
  process.exit(1);
}

const stops = [];
async function databaseUrl() {
  if (process.env.DATABASE_URL) return process.env.DATABASE_URL;
  let base = 'postgres://postgres@127.0.0.1:5432';
  if (!(await portOpen(5432))) {
    const pg = await startEmbeddedPostgres({ port: 54339, name: 'postgres-test' });
    stops.push(pg.stop);
    base = pg.url;
  }
  // ANYFRONT_TEST_DB lets several checkouts on one machine test side by side.
  const name = process.env.ANYFRONT_TEST_DB ?? 'anyfront_test';
  if (only === undefined || only === 'int') {
    for (let w = 1; w <= INT_WORKERS; w++) await ensureDatabase(base, `${name}_w${w}`, { fresh: true });
  }
  return ensureDatabase(base, name, { fresh: true });
}
async function redisUrl() {
  if (process.env.REDIS_URL) return process.env.REDIS_URL;
  if (await portOpen(6379)) return 'redis://127.0.0.1:6379';
  const r = await startLocalRedis({ port: 6391 });
  stops.push(r.stop);
  return r.url;
}

function labReady() {
  if (process.getuid?.() !== 0) return 'not root';
  for (const bin of ['ip', 'nft', 'bird', 'birdc', 'python3']) {
    try { execFileSync('sh', ['-c', `command -v ${bin}`], { stdio: 'ignore' }); } catch { return `${bin} is not installed (apt-get install iproute2 nftables bird2 python3)`; }
  }
  return null;
}

const env = only === 'unit'
  ? { ...process.env, NODE_ENV: 'test' }
  : { ...process.env, DATABASE_URL: await databaseUrl(), REDIS_URL: await redisUrl(), NODE_ENV: 'test' };
const jestEnv = (args) => (args.includes('integration') && !process.env.DATABASE_URL ? { ...env, ANYFRONT_DB_PER_WORKER: '1' } : env);
const jest = (args) => spawnSync('npx', ['jest', '--passWithNoTests', ...args], { cwd: root, env: jestEnv(args), stdio: 'inherit' }).status ?? 1;

/** Both web apps built by a child process (web-build.mjs): the child and a promise of { ok, seconds, out }. */
function buildWebApps() {
  const started = Date.now();
  const child = spawn(process.execPath, [path.join(root, 'scripts', 'web-build.mjs'), 'portal', 'console'], { cwd: root, env: process.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  return { child, done: new Promise((resolve) => child.once('close', (code) => resolve({ ok: code === 0, seconds: (Date.now() - started) / 1000, out }))) };
}

/**
 * A suite as a child writing to .data/test-logs/<name>.log, printed as one block when it ends (two
 * suites at once would interleave their lines); resolves its exit status. The child writes to the
 * file itself: this process blocks in spawnSync meanwhile and could not drain a pipe.
 */
function jestLogged(name, args) {
  const dir = path.join(root, '.data', 'test-logs');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${name}.log`);
  const fd = openSync(file, 'w');
  const child = spawn('npx', ['jest', '--passWithNoTests', ...args], { cwd: root, env: jestEnv(args), stdio: ['ignore', fd, fd] });
  closeSync(fd);
  console.log(`[anyfront] ${name} suite runs alongside; its output follows when it ends (live: tail -f ${path.relative(root, file)})`);
  return new Promise((resolve) => child.once('close', (code) => {
    process.stdout.write(`\n[anyfront] ===== ${name} suite output =====\n${readFileSync(file, 'utf8')}`);
    resolve(code ?? 1);
  }));
}

if (only) {
  const notReady = only === 'lab' ? labReady() : null;
  if (notReady && !process.env.CI) console.log(`[anyfront] lab suite skipped: ${notReady}. CI runs it as root with nftables and bird2.`);
  // Paths and options first: `--selectProjects unit <path>` would read the path as another project name.
  const status = notReady && !process.env.CI ? 0 : jest([...extraArgs, ...SUITES[only]]);
  await webBuild?.done;
  for (const stop of stops) await stop();
  process.exit(status ? 1 : 0);
}

let failed = 0;
// API contract: the committed OpenAPI document and generated client match the code (`npm run openapi`
// rewrites them), and the document passes Redocly's recommended rules (redocly.yaml). No services needed.
const step = (cmd, args, extraEnv = {}) => spawnSync(cmd, args, { cwd: root, env: { ...env, ...extraEnv }, stdio: 'inherit' }).status ?? 1;
failed += step('node', ['-r', './scripts/register.js', 'apps/api/src/cli/openapi.ts', '--check']) ? 1 : 0;
failed += step('npx', ['redocly', 'lint', '--format=summary'], { REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' }) ? 1 : 0;
failed += jest(['--selectProjects', 'unit']) ? 1 : 0;
// Not awaited: the other integration files need no build, and a browser file waits for its app's.
const webBuilt = webBuild.done.then((r) => console.log(r.ok ? `[anyfront] web apps built in ${r.seconds.toFixed(0)} s (from the start of the gates)` : `[anyfront] web app build failed (the browser tests will say why):\n${r.out}`));
// ANYFRONT_TEST_PARALLEL=1: the integration and lab suites at the same time. Both spend much of their
// time waiting (on Postgres, child processes, BGP convergence, rate-limited downloads) and share no
// database (integration: <db>_w<n>, lab: scratch databases of their own), no Redis key (each harness
// has its own prefixes) and no namespace (integration tests create none). Not the default: in its one
// trial, on a machine already at load 18, the edge agent's lab file missed a health deadline
// (a backend "healthy again" within 30 s; met in the last clean-clone run, lab alone on a quiet
// machine). Try it on a quiet machine before making it the default.
const notReady = labReady();
const runLab = !(notReady && !process.env.CI);
if (!runLab) console.log(`[anyfront] lab suite skipped: ${notReady}. CI runs it as root with nftables and bird2.`);
if (runLab && process.env.ANYFRONT_TEST_PARALLEL === '1') {
  const lab = jestLogged('lab', SUITES.lab);
  failed += jest(SUITES.int) ? 1 : 0;
  failed += (await lab) ? 1 : 0;
} else {
  failed += jest(SUITES.int) ? 1 : 0;
  if (runLab) failed += jest(SUITES.lab) ? 1 : 0;
}
await webBuilt;
for (const stop of stops) await stop();
process.exit(failed ? 1 : 0);
