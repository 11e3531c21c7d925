// `npm start`: runs the platform on embedded defaults. Installs npm packages when missing, uses
// DATABASE_URL / REDIS_URL when set and otherwise starts an embedded Postgres (data in .data/)
// and a local redis-server, runs migrations, seeds the demo, then runs api and worker, and a local
// fleet (infra/lab/src/fleet/local-fleet.ts): as root on Linux with ip/nft/bird the network-namespace
// lab with real agents registered with this API, elsewhere dry-run agents. ANYFRONT_LOCAL_FLEET=0 skips it.
// Every process logs pino JSON; the full logs go to .data/logs/<app>.log, the terminal shows a
// readable view (scripts/log-view.mjs) and, once everything is ready, the banner comes last.
// The customer portal (apps/portal) and the operator console (apps/console) are built in parallel
// with the rest, one after the other (scripts/web-build.mjs, cached between starts), and served by
// `next start` on PORTAL_PORT (3000) and CONSOLE_PORT (3001); ANYFRONT_PORTAL=0 / ANYFRONT_CONSOLE=0 skip them.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ensureInstalled, startEmbeddedPostgres, ensureDatabase, startLocalRedis, root } from './services.mjs';

/** Where the web apps (scripts/web-build.mjs) are served. */
const WEB_PORTS = { portal: process.env.PORTAL_PORT ?? '3000', console: process.env.CONSOLE_PORT ?? '3001' };

ensureInstalled();
// The edge agents' XDP fast path (off unless an agent config enables it) is built from source.
{
  const { buildXdp } = await import('../apps/edge-agent/xdp/build.mjs');
  const xdp = buildXdp();
  if (!xdp.ok) console.log(`[anyfront] XDP program not built (agents stay on the nft path): ${xdp.skipped ?? xdp.error}`);
}
const { ensureWebAppBuilt, nextBin, appDir, WEB_APPS } = await import('./web-build.mjs');
const { createLogView } = await import('./log-view.mjs'); // pino-pretty: present once installed

const logDir = path.join(root, '.data', 'logs');
const view = createLogView({ dir: logDir, width: 8 });
const say = (m) => view.say('anyfront', m);
const started = Date.now();
const stops = [];
const children = [];
let fleet = null;
const webBuilds = {};
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
  await view.close();
  process.exit(code);
}
process.on('SIGINT', () => shutdown(0));
process.on('SIGTERM', () => shutdown(0));

/** Runs a one-off step (migrations, seed); its output goes to its log file, the lines `show` picks to the screen too. */
function step(name, file, env, show = () => true) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-r', './scripts/register.js', file], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.once('exit', (code) => {
      for (const l of out.split('\n')) if (code !== 0 || show(l)) view.line(name, l); else view.file(name).write(`${l}\n`);
      if (code === 0) resolve(out);
      else reject(new Error(`${name} failed (exit ${code}); see above and ${path.join(logDir, `${name}.log`)}`));
    });
  });
}

async function main() {
  // The web apps build while Postgres, Redis, migrations and the seed get ready; one `next build`
  // at a time (two at once only thrash a small machine).
  let previous = Promise.resolve();
  for (const app of WEB_APPS) {
    if (process.env[`ANYFRONT_${app.toUpperCase()}`] === '0') continue;
    webBuilds[app] = previous.then(() => ensureWebAppBuilt(app, { log: (m) => say(m) })).then((r) => {
      say(r.built ? `${app} built in ${Math.round(r.seconds)} s` : `${app} build is up to date (cached)`);
      return r;
    }, (error) => ({ error }));
    previous = webBuilds[app];
  }
  let databaseUrl = process.env.DATABASE_URL;
  if (!databaseUrl) {
    say('DATABASE_URL not set: starting embedded Postgres (data in .data/postgres) ...');
    const pg = await startEmbeddedPostgres({ port: Number(process.env.EMBEDDED_PG_PORT ?? 54329) });
    stops.push(pg.stop);
    databaseUrl = await ensureDatabase(pg.url, 'anyfront');
  }
  let redisUrl = process.env.REDIS_URL;
  if (!redisUrl) {
    say('REDIS_URL not set: starting a local redis-server ...');
    try {
      const r = await startLocalRedis({ port: Number(process.env.EMBEDDED_REDIS_PORT ?? 6390) });
      stops.push(r.stop);
      redisUrl = r.url;
    } catch (err) {
      say(err.message);
      return shutdown(1);
    }
  }
  if (process.env.NODE_ENV === 'production') {
    say('npm start is the local demo mode (demo seed, demo logins, documentation addresses); it does not run with NODE_ENV=production. Run apps/api and apps/worker directly (see README).');
    return shutdown(1);
  }
  say('local demo mode (ANYFRONT_MODE=local): demo seed and logins, documentation addresses accepted. Not for production.');
  const env = {
    ...process.env,
    DATABASE_URL: databaseUrl,
    REDIS_URL: redisUrl,
    // The explicit demo mode: the seed refuses to run without it, production refuses to run with it.
    ANYFRONT_MODE: 'local',
    // Generated once and kept in .data/, so a restart keeps sessions (never a constant).
    SESSION_SECRET: process.env.SESSION_SECRET ?? localSessionSecret(),
    // The portal proxies the API on loopback: its X-Forwarded-Host/-Proto are trusted (CSRF origin check).
    TRUST_PROXY: process.env.TRUST_PROXY ?? 'loopback',
    // The demo pools and lab backends use documentation and unique-local ranges.
    ALLOW_DOCUMENTATION_ADDRESSES: process.env.ALLOW_DOCUMENTATION_ADDRESSES ?? 'true',
    // Everything (request logs are debug) goes to .data/logs; the terminal shows info and above.
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'debug',
  };
  let seedOut;
  try {
    say('running migrations ...');
    await step('migrate', 'libs/db/src/cli/migrate.ts', env);
    say('seeding the demo (logins follow at the end) ...');
    // The logins are in the banner at the end (and in .data/logs/seed.log).
    seedOut = await step('seed', 'apps/api/src/cli/seed-demo.ts', env, () => false);
  } catch (err) {
    say(err.message);
    return shutdown(1);
  }
  const port = env.API_PORT ?? '4000';
  const ready = { api: false, worker: false, portal: webBuilds.portal ? null : 'skipped (ANYFRONT_PORTAL=0)', console: webBuilds.console ? null : 'skipped (ANYFRONT_CONSOLE=0)', fleet: process.env.ANYFRONT_LOCAL_FLEET === '0' ? 'skipped (ANYFRONT_LOCAL_FLEET=0)' : null };
  let bannerShown = false;
  const maybeBanner = () => {
    if (bannerShown || stopping || !ready.api || !ready.worker || ready.fleet === null || ready.portal === null || ready.console === null) return;
    bannerShown = true;
    process.stdout.write(banner({ port, databaseUrl, redisUrl, seedOut, fleet: ready.fleet, portal: ready.portal, console: ready.console, seconds: Math.round((Date.now() - started) / 1000) }));
  };
  for (const [name, file, isReady] of [
    ['api', 'apps/api/src/main.ts', (l) => /^API listening on/.test(l.msg ?? '')],
    ['worker', 'apps/worker/src/main.ts', (l) => /^ready: pid/.test(l.msg ?? '')],
  ]) {
    const child = spawn(process.execPath, ['-r', './scripts/register.js', file], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    view.attach(name, child, (l) => { if (!ready[name] && isReady(l)) { ready[name] = true; maybeBanner(); } });
    child.once('exit', (code) => {
      if (!stopping) {
        say(`${name} exited with code ${code}; stopping (its log: ${path.join(logDir, `${name}.log`)}).`);
        shutdown(1);
      }
    });
    children.push(child);
  }
  if (ready.fleet === null) {
    fleet = spawn(process.execPath, ['-r', './scripts/register.js', 'infra/lab/src/fleet/local-fleet.ts'], {
      cwd: root,
      env: { ...env, LOG_LEVEL: 'info', ANYFRONT_API_URL: `http://127.0.0.1:${port}` },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    view.attach('fleet', fleet, (l) => {
      if (l.msg === 'local fleet ready' && ready.fleet === null) { ready.fleet = l.instructions ?? ''; maybeBanner(); }
    });
    // The platform stays useful without the fleet: report, do not stop.
    fleet.once('exit', (code) => {
      if (stopping) return;
      if (code !== 0) say(`local fleet exited with code ${code}; the API and worker keep running (its log: ${path.join(logDir, 'fleet.log')}).`);
      if (ready.fleet === null) { ready.fleet = `not running (exited with code ${code}; see ${path.join(logDir, 'fleet.log')})`; maybeBanner(); }
    });
  }
  for (const [app, build] of Object.entries(webBuilds)) {
    build.then((r) => {
      if (stopping) return;
      if (r.error) {
        say(`the ${app} did not build; the API and worker keep running:\n${r.error.message.slice(-3000)}`);
        ready[app] = 'not running (the build failed; output above)';
        return maybeBanner();
      }
      const webPort = WEB_PORTS[app];
      const child = spawn(process.execPath, [nextBin, 'start', appDir(app), '-p', webPort], {
        cwd: root,
        env: { ...process.env, NODE_ENV: 'production', NEXT_TELEMETRY_DISABLED: '1', ANYFRONT_API_URL: `http://127.0.0.1:${port}` },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      view.attach(app, child, () => {});
      children.push(child);
      child.once('exit', (code) => { if (!stopping) say(`the ${app} exited with code ${code}; the API and worker keep running (its log: ${path.join(logDir, `${app}.log`)}).`); });
      waitForHttp(`http://127.0.0.1:${webPort}/login`).then(() => { ready[app] = `http://localhost:${webPort}`; maybeBanner(); });
    });
  }
  say(`starting the API, the worker${fleet ? ', the local fleet' : ''}${Object.keys(webBuilds).length ? ` and the ${Object.keys(webBuilds).join(' and ')}` : ''}; the URLs, logins and commands to try follow once everything is up.`);
}

/** Resolves once GET url answers (any status below 500). */
async function waitForHttp(url) {
  for (;;) {
    try { if ((await fetch(url)).status < 500) return; } catch { /* not yet */ }
    await new Promise((r) => setTimeout(r, 250));
  }
}

function localSessionSecret() {
  const file = path.join(root, '.data', 'session-secret');
  if (!existsSync(file)) {
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, randomBytes(32).toString('base64url'), { mode: 0o600 });
  }
  return readFileSync(file, 'utf8').trim();
}

/** Which billing mode the API and worker run in (they read the same environment). */
function billingMode() {
  return process.env.STRIPE_SECRET_KEY
    ? `Stripe (${process.env.STRIPE_SECRET_KEY.startsWith('sk_live_') ? 'LIVE' : 'test'} mode): usage exported as meter events, invoices and dunning from Stripe webhooks`
    : 'local ledger (STRIPE_SECRET_KEY not set): usage rated and shown at /v1/billing, monthly statements kept locally, no payment collected';
}

/** The last thing on screen once everything is ready: where things are and what to try. */
function banner({ port, databaseUrl, redisUrl, seedOut, fleet, portal, console: consoleUrl, seconds }) {
  const logins = seedOut.split('\n').filter((l) => /^\s+(operator login|demo owner login|demo API key|pools|demo service):/.test(l));
  const rule = '─'.repeat(100);
  return `
${rule}
 Anyfront is running (ready in ${seconds} s). Stop with Ctrl-C.

   Portal       ${portal}${portal.startsWith('http') ? '   <- open this; sign in with the demo owner login below, or create an account' : ''}
   Console      ${consoleUrl}${consoleUrl.startsWith('http') ? '   operators: the slot map, the fleet, organizations (operator login below)' : ''}
   API          http://localhost:${port}/v1
   API docs     http://localhost:${port}/docs   (OpenAPI: http://localhost:${port}/v1/openapi.json)
   Postgres     ${databaseUrl.replace(/:[^:@/]+@/, ':***@')}
   Redis        ${redisUrl}
   Logs         ${path.relative(process.cwd(), logDir) || logDir}/<app>.log: everything, request logs included; here: info and above
   Billing      ${billingMode()}

 Demo data:
${logins.map((l) => `   ${l.trim()}`).join('\n')}

 Local fleet: ${fleet.includes('\n') ? fleet.trim() : fleet}
${rule}
`;
}

main().catch((err) => {
  console.error(err);
  shutdown(1);
});
