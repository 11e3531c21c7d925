import { spawn, type ChildProcess } from 'node:child_process';
import * as argon2 from 'argon2';
import { Pool } from 'pg';
import { createScratchDatabase, deleteQueuePrefix, testRedisUrl } from '@anyfront/testing';
// eslint-disable-next-line @nx/enforce-module-boundaries -- the worker's own test helper starts real worker processes
import { startWorkerProcesses, stopWorkerProcesses, type WorkerProcess } from '../../../../apps/worker/src/testing/worker-processes';
import { REGISTER, REPO_ROOT } from '../paths';
import { operatorClient, signupTenant, type AdminClient, type TenantClient } from './api-client';
import { freePort } from './platform-ports';

export { freePort };

/**
 * The real control plane for lab tests: a scratch database next to DATABASE_URL's, the API as a
 * child process (listening on every address, so agents in edge namespaces reach it over their
 * management links) and real worker processes, all on their own Redis key and queue prefix.
 */
export interface Platform {
  apiUrl: string;
  apiPort: number;
  db: Pool;
  /** An operator's session: the operator part of the typed API client. */
  operator: AdminClient;
  /** Signs up an organization through the API and returns a tenant client with an owner API key. */
  tenant(): Promise<{ api: TenantClient; apiKey: string; organizationId: string }>;
  startWorker(): Promise<WorkerProcess>;
  /** SIGKILL by PID, no grace: a crash, not a shutdown. */
  killWorker(): Promise<void>;
  workerPid(): number | undefined;
  stop(): Promise<void>;
}

async function waitHealthy(url: string, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`API exited with ${child.exitCode}:\n${output().slice(-3000)}`);
    try {
      if ((await fetch(new URL('/v1/health', url))).status === 200) return;
    } catch { /* not listening yet */ }
    if (Date.now() > deadline) throw new Error(`API not healthy after 120 s:\n${output().slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const exited = (c: ChildProcess): Promise<void> => new Promise((r) => (c.exitCode !== null || c.signalCode !== null ? r() : c.once('exit', () => r())));

export async function startPlatform(opts: { tag?: string; workerEnv?: Record<string, string> } = {}): Promise<Platform> {
  const tag = opts.tag ?? 'lab';
  const scratch = await createScratchDatabase(tag);
  const redisUrl = testRedisUrl();
  const prefix = `${tag}-${process.pid}-${Date.now().toString(36)}`;
  const apiPort = await freePort();
  const apiUrl = `http://127.0.0.1:${apiPort}`;
  const common = { DATABASE_URL: scratch.url, REDIS_URL: redisUrl, QUEUE_PREFIX: prefix, LOG_LEVEL: 'warn', ALLOW_DOCUMENTATION_ADDRESSES: 'true' };
  let apiOut = '';
  const api = spawn(process.execPath, ['-r', REGISTER, 'apps/api/src/main.ts'], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...common, NODE_ENV: 'test', API_PORT: String(apiPort), REDIS_KEY_PREFIX: `${prefix}:`, RATE_LIMIT_MAX: '1000000' },
  });
  const keep = (d: Buffer) => { apiOut = (apiOut + d.toString()).slice(-50_000); };
  api.stdout!.on('data', keep);
  api.stderr!.on('data', keep);
  const db = new Pool({ connectionString: scratch.url, max: 3 });
  let worker: WorkerProcess | undefined;
  const workerEnv = { ...common, FLEET_SWEEP_INTERVAL_SECONDS: '1', TRAFFIC_ROLLUP_INTERVAL_SECONDS: '1', ...opts.workerEnv };

  const stop = async (): Promise<void> => {
    if (worker) await stopWorkerProcesses([worker]);
    api.kill('SIGTERM');
    await exited(api);
    await db.end().catch(() => undefined);
    await deleteQueuePrefix(redisUrl, prefix);
    await scratch.drop();
  };

  try {
    await waitHealthy(apiUrl, api, () => apiOut);
    const email = `operator-${prefix}@example.com`;
    const password = `operator-${prefix}-password`;
    await db.query('INSERT INTO users (email, password_hash, is_operator) VALUES ($1, $2, true)', [email, await argon2.hash(password)]);
    const operator = await operatorClient(apiUrl, email, password);
    const startWorker = async (): Promise<WorkerProcess> => {
      [worker] = await startWorkerProcesses(1, workerEnv);
      return worker;
    };
    await startWorker();
    return {
      apiUrl, apiPort, db, operator,
      startWorker,
      workerPid: () => worker?.child.pid,
      killWorker: async () => {
        if (!worker) return;
        const w = worker;
        worker = undefined;
        w.child.kill('SIGKILL');
        await exited(w.child);
      },
      tenant: () => signupTenant(apiUrl, 'tenant'),
      stop,
    };
  } catch (err) {
    await stop().catch(() => undefined);
    throw err;
  }
}
