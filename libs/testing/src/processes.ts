import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import path from 'node:path';
import { WaitAborted, waitFor } from './wait';

/** The repository root: app entry points are started from here with scripts/register.js (SWC). */
export const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');

/** A TCP port free on 127.0.0.1 right now (the caller binds it soon after). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

export interface AppProcess {
  child: ChildProcess;
  /** Everything the process wrote to stdout and stderr (the last 200 kB). */
  output: () => string;
}

const TEST_SESSION_SECRET = process.env.SESSION_SECRET ?? randomBytes(32).toString('base64url');

/**
 * Limits raised for test harnesses (apps started by tests sign up many organizations from one
 * address and create many resources); the specs of these limits set their own values.
 */
export const HARNESS_LIMITS: Record<string, string> = {
  SIGNUP_LIMIT_PER_HOUR: '100000',
  SIGNUP_LIMIT_PER_DAY: '100000',
  QUOTA_SERVICES: '100000',
  QUOTA_IPV4_ADDRESSES: '200000',
  QUOTA_BACKENDS_PER_SERVICE: '100000',
  QUOTA_BACKENDS_PER_ORGANIZATION: '100000',
  QUOTA_API_KEYS: '100000',
};

/** Starts `node -r scripts/register.js <entry>` from the repository root, collecting its output. */
export function startTsProcess(entry: string, env: Record<string, string>, nodeArgs: string[] = []): AppProcess {
  const child = spawn(process.execPath, [...nodeArgs, '-r', './scripts/register.js', entry], {
    cwd: REPO_ROOT,
    // Plain JSON logs: tests read them (e.g. "ready: pid"), and colours would only add escapes.
    // One session secret for every process a test starts, so API processes accept each other's sessions.
    env: { ...process.env, NO_COLOR: '1', ANYFRONT_LOG_FORMAT: 'json', SESSION_SECRET: TEST_SESSION_SECRET, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const keep = (d: Buffer) => { out = (out + d.toString()).slice(-200_000); };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  return { child, output: () => out };
}

const exited = (c: ChildProcess): Promise<void> => new Promise((r) => (c.exitCode !== null || c.signalCode !== null ? r() : c.once('exit', () => r())));

/** Stops processes by PID: SIGTERM, then SIGKILL after a grace period; resolves once all exited. */
export async function stopProcesses(procs: { child: ChildProcess }[], graceMs = 5000): Promise<void> {
  await Promise.all(procs.map(async ({ child }) => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.kill('SIGTERM');
    await exited(child);
    clearTimeout(timer);
  }));
}

/** SIGKILL by PID, no grace: a crash, not a shutdown. */
export async function killProcess(p: { child: ChildProcess }): Promise<void> {
  p.child.kill('SIGKILL');
  await exited(p.child);
}

const alive = (p: AppProcess, what: string) => {
  if (p.child.exitCode !== null || p.child.signalCode !== null) {
    throw new WaitAborted(`${what} exited with ${p.child.exitCode ?? p.child.signalCode}:\n${p.output().slice(-3000)}`);
  }
};

export interface ApiProcess extends AppProcess {
  url: string;
  port: number;
  stop: () => Promise<void>;
}

/**
 * The real API (apps/api/src/main.ts) as its own process on a free port, resolved once
 * GET /v1/health answers 200. `env` must name DATABASE_URL and REDIS_URL; NODE_ENV defaults to
 * test (benchmarks pass production), LOG_LEVEL to warn. Pass a REDIS_KEY_PREFIX and QUEUE_PREFIX
 * of your own when several suites share one Redis.
 */
export async function startApiProcess(env: Record<string, string>, opts: { timeoutMs?: number } = {}): Promise<ApiProcess> {
  const port = await freePort();
  const p = startTsProcess('apps/api/src/main.ts', { NODE_ENV: 'test', LOG_LEVEL: 'warn', ...HARNESS_LIMITS, ...env, API_PORT: String(port) });
  const url = `http://127.0.0.1:${port}`;
  const api: ApiProcess = { ...p, url, port, stop: () => stopProcesses([p]) };
  try {
    await waitFor(() => `the API on ${url} to answer /v1/health:\n${p.output().slice(-3000)}`, async () => {
      alive(p, 'the API');
      return (await fetch(`${url}/v1/health`)).status === 200;
    }, opts.timeoutMs ?? 120_000, 200);
  } catch (err) {
    await api.stop();
    throw err;
  }
  return api;
}

/**
 * Real worker processes (apps/worker/src/main.ts), resolved once each has logged "ready".
 * `env` must name DATABASE_URL, REDIS_URL and QUEUE_PREFIX.
 */
export async function startWorkerProcesses(count: number, env: Record<string, string>, opts: { timeoutMs?: number; nodeArgs?: string[] } = {}): Promise<AppProcess[]> {
  // Readiness is the worker's info-level "ready" line: never run it quieter than info.
  const quiet = ['warn', 'error', 'fatal', 'silent'].includes(env.LOG_LEVEL ?? '');
  const workerEnv = quiet ? { ...env, LOG_LEVEL: 'info' } : env;
  const workers = Array.from({ length: count }, () => startTsProcess('apps/worker/src/main.ts', workerEnv, opts.nodeArgs));
  try {
    await Promise.all(workers.map((w) => waitFor(() => `worker ${w.child.pid} to log "ready":\n${w.output().slice(-3000)}`, () => {
      alive(w, `worker ${w.child.pid}`);
      return /\bready: pid/.test(w.output());
    }, opts.timeoutMs ?? 120_000, 100)));
  } catch (err) {
    await stopProcesses(workers);
    throw err;
  }
  return workers;
}
