import * as argon2 from 'argon2';
import { Pool } from 'pg';
import { type AppProcess, createScratchDatabase, deleteQueuePrefix, killProcess, startApiProcess, startWorkerProcesses, stopProcesses, testRedisUrl } from '@anyfront/testing';
import { operatorClient, signupTenant, type AdminClient, type TenantClient } from './api-client';

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
  /** That operator's sign-in (the console's browser tests log in with it). */
  operatorLogin: { email: string; password: string };
  /** Signs up an organization through the API and returns a tenant client with an owner API key. */
  tenant(): Promise<{ api: TenantClient; apiKey: string; organizationId: string; email: string; password: string }>;
  startWorker(): Promise<AppProcess>;
  /** SIGKILL by PID, no grace: a crash, not a shutdown. */
  killWorker(): Promise<void>;
  workerPid(): number | undefined;
  stop(): Promise<void>;
}

export async function startPlatform(opts: { tag?: string; workerEnv?: Record<string, string>; apiEnv?: Record<string, string> } = {}): Promise<Platform> {
  const tag = opts.tag ?? 'lab';
  const scratch = await createScratchDatabase(tag);
  const redisUrl = testRedisUrl();
  const prefix = `${tag}-${process.pid}-${Date.now().toString(36)}`;
  const common = { DATABASE_URL: scratch.url, REDIS_URL: redisUrl, QUEUE_PREFIX: prefix, LOG_LEVEL: 'warn', ALLOW_DOCUMENTATION_ADDRESSES: 'true' };
  const db = new Pool({ connectionString: scratch.url, max: 3 });
  let api: Awaited<ReturnType<typeof startApiProcess>> | undefined;
  let worker: AppProcess | undefined;
  const workerEnv = { ...common, FLEET_SWEEP_INTERVAL_SECONDS: '1', TRAFFIC_ROLLUP_INTERVAL_SECONDS: '1', ...opts.workerEnv };

  const stop = async (): Promise<void> => {
    if (worker) await stopProcesses([worker]);
    await api?.stop();
    await db.end().catch(() => undefined);
    await deleteQueuePrefix(redisUrl, prefix);
    await scratch.drop();
  };

  try {
    // The portal's proxy runs on loopback: trust its X-Forwarded-Host/-Proto (the CSRF origin check).
    api = await startApiProcess({ ...common, REDIS_KEY_PREFIX: `${prefix}:`, RATE_LIMIT_MAX: '1000000', TRUST_PROXY: 'loopback', ...opts.apiEnv });
    const { url: apiUrl, port: apiPort } = api;
    const email = `operator-${prefix}@example.com`;
    const password = `operator-${prefix}-password`;
    await db.query('INSERT INTO users (email, password_hash, is_operator) VALUES ($1, $2, true)', [email, await argon2.hash(password)]);
    const operator = await operatorClient(apiUrl, email, password);
    const startWorker = async (): Promise<AppProcess> => {
      const [started] = await startWorkerProcesses(1, workerEnv);
      if (!started) throw new Error('no worker process started');
      worker = started;
      return started;
    };
    await startWorker();
    return {
      apiUrl, apiPort, db, operator, operatorLogin: { email, password },
      startWorker,
      workerPid: () => worker?.child.pid,
      killWorker: async () => {
        if (!worker) return;
        const w = worker;
        worker = undefined;
        await killProcess(w);
      },
      tenant: () => signupTenant(apiUrl, 'tenant'),
      stop,
    };
  } catch (err) {
    await stop().catch(() => undefined);
    throw err;
  }
}
