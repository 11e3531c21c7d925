// Builds a web app (`next build` of apps/portal or apps/console) unless its last build came from the
// same inputs: every file git sees of the app's sources and config, libs/ui, libs/api-client and
// libs/contracts, plus the lock file. `npm start` and the browser tests call it; a second start costs
// a hash, not a build. One build of an app at a time: a second caller (npm test builds both apps in
// the background while the gates run; a browser test file asks for its app) waits for the running
// build and then finds it up to date. Usage: node scripts/web-build.mjs [portal|console ...]
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const WEB_APPS = ['portal', 'console'];
export const nextBin = path.join(root, 'node_modules', 'next', 'dist', 'bin', 'next');
export const appDir = (app) => path.join(root, 'apps', app);

function inputsHash(app) {
  const inputs = [`apps/${app}/src`, `apps/${app}/public`, `apps/${app}/next.config.mjs`, `apps/${app}/tsconfig.json`, `apps/${app}/package.json`, 'libs/ui', 'libs/api-client/src', 'libs/contracts/src', 'package-lock.json'];
  const list = spawnSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard', '--', ...inputs], { cwd: root, encoding: 'utf8' });
  if (list.status !== 0) return null; // not a git checkout: always build
  const h = createHash('sha256');
  for (const f of list.stdout.split('\0').filter(Boolean).sort()) {
    const file = path.join(root, f);
    if (existsSync(file)) h.update(f).update('\0').update(readFileSync(file)).update('\0');
  }
  return h.digest('hex');
}

const alive = (pid) => {
  try { process.kill(pid, 0); return true; } catch (err) { return err.code === 'EPERM'; }
};

/** Holds the app's build lock (a file naming its holder's pid) while `fn` runs; waits for a live holder, takes over a dead one's. */
async function withBuildLock(app, fn) {
  const dir = path.join(root, 'node_modules', '.cache', 'anyfront-web-build');
  mkdirSync(dir, { recursive: true });
  const lock = path.join(dir, `${app}.lock`);
  for (;;) {
    try {
      closeSync(openSync(lock, 'wx'));
      writeFileSync(lock, String(process.pid));
      break;
    } catch (err) {
      if (err.code !== 'EEXIST') throw err;
      const holder = Number(readFileSync(lock, 'utf8').trim() || 'NaN');
      // An empty file is a holder between create and write: give it a moment.
      if (Number.isInteger(holder) && !alive(holder)) rmSync(lock, { force: true });
      else await sleep(500);
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(lock, { force: true });
  }
}

/** Runs `next build` of the app when needed; resolves { built, seconds }, rejects with the build's output when it fails. */
export async function ensureWebAppBuilt(app, { log = console.log } = {}) {
  if (!WEB_APPS.includes(app)) throw new Error(`unknown web app "${app}" (${WEB_APPS.join(', ')})`);
  return withBuildLock(app, () => buildIfStale(app, log));
}

async function buildIfStale(app, log) {
  const distDir = path.join(appDir(app), '.next');
  const marker = path.join(distDir, 'anyfront-inputs');
  const hash = inputsHash(app);
  if (hash && existsSync(path.join(distDir, 'BUILD_ID')) && existsSync(marker) && readFileSync(marker, 'utf8') === hash) return { built: false, seconds: 0 };
  const started = Date.now();
  log(`building the ${app} (next build, about 1-3 min; cached until its sources change) ...`);
  const out = await new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [nextBin, 'build', appDir(app)], {
      cwd: root,
      env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1', NODE_ENV: 'production' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    // Stopped (npm test's gates failed): the build goes with it.
    const stop = () => { child.kill('SIGTERM'); process.exit(1); };
    process.once('SIGTERM', stop);
    let text = '';
    child.stdout.on('data', (d) => (text += d));
    child.stderr.on('data', (d) => (text += d));
    child.once('exit', (code) => (process.off('SIGTERM', stop), code === 0 ? resolve(text) : reject(new Error(`next build of the ${app} failed (exit ${code}):\n${text}`))));
  });
  // The route table (JS per route) is read by BENCHMARKS.md's figures.
  writeFileSync(path.join(distDir, 'build-output.txt'), out);
  if (hash) writeFileSync(marker, hash);
  return { built: true, seconds: (Date.now() - started) / 1000 };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const apps = process.argv.length > 2 ? process.argv.slice(2) : ['portal'];
  try {
    for (const app of apps) {
      const r = await ensureWebAppBuilt(app);
      console.log(r.built ? `${app} built in ${r.seconds.toFixed(1)} s` : `${app} build is up to date`);
      console.log(`BUILD_SECONDS ${r.seconds}`);
    }
  } catch (err) {
    console.error(err.message);
    process.exit(1);
  }
}
