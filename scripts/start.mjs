// `npm start`: runs the platform on embedded defaults. Installs npm packages when missing, uses
// DATABASE_URL / REDIS_URL when set and otherwise starts an embedded Postgres (data in .data/)
// and a local redis-server, runs migrations, seeds the demo, then runs api and worker, and a local
// fleet (infra/lab/src/fleet/local-fleet.ts): as root on Linux with ip/nft/bird the network-namespace
// lab with real agents registered with this API, elsewhere dry-run agents. ANYFRONT_LOCAL_FLEET=0 skips it.
import { spawn, spawnSync } from 'node:child_process';
import { ensureInstalled, startEmbeddedPostgres, ensureDatabase, startLocalRedis, root } from './services.mjs';

ensureInstalled();

const stops = [];
const children = [];
let fleet = null;
let stopping = false;

const exited = (c) => new Promise((r) => (c.exitCode !== null || c.signalCode !== null ? r() : c.once('exit', r)));

async function shutdown(code = 0) {
  if (stopping) return;
  stopping = true;
  // The fleet first: its agents withdraw and report to the API while it still runs.
  if (fleet) {
    fleet.kill('SIGTERM');
    await exited(fleet);
  }
  for (const c of children) c.kill('SIGTERM');
  await Promise.all(children.map((c) => new Promise((r) => (c.exitCode !== null ? r() : c.once('exit', r)))));
  for (const stop of stops.reverse()) await stop().catch(() => {});
  process.exit(code);
}
process.on('SIGINT', () => shutdown(0));
process.on('SIGTERM', () => shutdown(0));

async function main() {
  let databaseUrl = process.env.DATABASE_URL;
  if (!databaseUrl) {
    console.log('[anyfront] DATABASE_URL not set: starting embedded Postgres (data in .data/postgres) ...');
    const pg = await startEmbeddedPostgres({ port: Number(process.env.EMBEDDED_PG_PORT ?? 54329) });
    stops.push(pg.stop);
    databaseUrl = await ensureDatabase(pg.url, 'anyfront');
  }
  let redisUrl = process.env.REDIS_URL;
  if (!redisUrl) {
    console.log('[anyfront] REDIS_URL not set: starting a local redis-server ...');
    try {
      const r = await startLocalRedis({ port: Number(process.env.EMBEDDED_REDIS_PORT ?? 6390) });
      stops.push(r.stop);
      redisUrl = r.url;
    } catch (err) {
      console.error(`[anyfront] ${err.message}`);
      return shutdown(1);
    }
  }
  const env = {
    ...process.env,
    DATABASE_URL: databaseUrl,
    REDIS_URL: redisUrl,
    // The demo pools and lab backends use documentation and unique-local ranges.
    ALLOW_DOCUMENTATION_ADDRESSES: process.env.ALLOW_DOCUMENTATION_ADDRESSES ?? 'true',
  };
  const ts = (file) => ['-r', './scripts/register.js', file];
  for (const [what, file] of [['migrations', 'libs/db/src/cli/migrate.ts'], ['demo seed', 'apps/api/src/cli/seed-demo.ts']]) {
    console.log(`[anyfront] running ${what} ...`);
    const r = spawnSync(process.execPath, ts(file), { cwd: root, env, stdio: 'inherit' });
    if (r.status !== 0) {
      console.error(`[anyfront] ${what} failed (exit ${r.status}).`);
      return shutdown(1);
    }
  }
  for (const [name, file] of [['api', 'apps/api/src/main.ts'], ['worker', 'apps/worker/src/main.ts']]) {
    const child = spawn(process.execPath, ts(file), { cwd: root, env, stdio: 'inherit' });
    child.once('exit', (code) => {
      if (!stopping) {
        console.error(`[anyfront] ${name} exited with code ${code}; stopping.`);
        shutdown(1);
      }
    });
    children.push(child);
  }
  const port = env.API_PORT ?? '4000';
  if (process.env.ANYFRONT_LOCAL_FLEET !== '0') {
    fleet = spawn(process.execPath, ts('infra/lab/src/fleet/local-fleet.ts'), {
      cwd: root,
      env: { ...env, ANYFRONT_API_URL: `http://127.0.0.1:${port}` },
      stdio: 'inherit',
    });
    // The platform stays useful without the fleet: report, do not stop.
    fleet.once('exit', (code) => {
      if (!stopping && code !== 0) console.error(`[anyfront] local fleet exited with code ${code}; the API and worker keep running.`);
    });
  }
  console.log(`
[anyfront] platform starting:
  API        http://localhost:${port}/v1
  API docs   http://localhost:${port}/docs   (OpenAPI: http://localhost:${port}/v1/openapi.json)
  Postgres   ${databaseUrl.replace(/:[^:@/]+@/, ':***@')}
  Redis      ${redisUrl}
  Local fleet ${fleet ? 'starting (see the [fleet] lines: commands to try)' : 'skipped (ANYFRONT_LOCAL_FLEET=0)'}
  Demo logins are printed by the seed above. Stop with Ctrl-C.
`);
}
main().catch((err) => {
  console.error(err);
  shutdown(1);
});
