// Shared set-up of the fleet and traffic benchmarks: a scratch database, a real API process and a
// real worker process on their own queue prefix, a tenant with an API key, and clean-up.
import { type ApiProcess, type AppProcess, createScratchDatabase, deleteQueuePrefix, REPO_ROOT, startApiProcess, startWorkerProcesses, stopProcesses } from '@anyfront/testing';
import { createAnyfrontClient, createTenantClient, ok, signup, type AnyfrontClient, type TenantClient } from '@anyfront/api-client';
import { randomBytes } from 'node:crypto';
import { DEFAULT_STATE_SIGNING_KEY_FILE } from '@anyfront/state-signing';
import { Pool } from 'pg';

export const ROOT = REPO_ROOT;
process.env.DATABASE_URL ??= 'postgres://postgres@127.0.0.1:5432/anyfront_bench';
export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

export interface BenchStack {
  api: string;
  db: Pool;
  /** The typed client without credentials (public and agent routes take their own). */
  client: AnyfrontClient;
  /** The bench organization's owner API key, and a tenant client using it. */
  apiKey: string;
  tenant: TenantClient;
  organizationId: string;
  queuePrefix: string;
  stop: () => Promise<void>;
}

/**
 * The API as a production process (NODE_ENV=production: the figures are for a production build of the
 * settings). The production guard refuses documentation addresses and a constant session secret, so
 * the benches use public backend addresses and a random secret; it also wants a state-signing key.
 */
export function startProductionApi(env: Record<string, string>): Promise<ApiProcess> {
  // The worker processes run in development mode and sign with the default key file: the API publishes the same key.
  return startApiProcess({ NODE_ENV: 'production', SESSION_SECRET: randomBytes(48).toString('base64'), STATE_SIGNING_KEY_FILE: DEFAULT_STATE_SIGNING_KEY_FILE, RATE_LIMIT_MAX: '100000000', ...env });
}

export async function startStack(workerEnv: Record<string, string> = {}): Promise<BenchStack> {
  const scratch = await createScratchDatabase('bench');
  const queuePrefix = `bench-fleet-${process.pid}`;
  const common = { DATABASE_URL: scratch.url, REDIS_URL, QUEUE_PREFIX: queuePrefix, LOG_LEVEL: 'warn' };
  let child: ApiProcess | undefined;
  let workers: AppProcess[] = [];
  const db = new Pool({ connectionString: scratch.url, max: 4 });
  const stop = async () => {
    await stopProcesses(workers);
    await child?.stop();
    await db.end();
    await deleteQueuePrefix(REDIS_URL, queuePrefix);
    await scratch.drop();
  };
  try {
    child = await startProductionApi({ ...common, REDIS_KEY_PREFIX: `${queuePrefix}:` });
    const api = child.url;
    workers = await startWorkerProcesses(1, { ...common, FLEET_SWEEP_INTERVAL_SECONDS: '1', ...workerEnv });
    const { cookie, me } = await signup({ baseUrl: api }, { email: `bench-${process.pid}@example.com`, password: 'bench-password-123', organization_name: 'Bench' });
    const key = await ok(createTenantClient({ baseUrl: api, cookie }).POST('/v1/api-keys', { body: { name: 'bench', role: 'owner' } }));
    if (!key.secret || !me.organization) throw new Error('signup answered without an organization or API key secret');
    return {
      api, db, queuePrefix, stop,
      client: createAnyfrontClient({ baseUrl: api }),
      apiKey: key.secret,
      tenant: createTenantClient({ baseUrl: api, bearer: key.secret }),
      organizationId: me.organization.id,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** PoPs, one pool announced by all of them, `nodes` edge nodes spread over the PoPs, and an active service with one backend. */
export async function seedFleet(db: Pool, organizationId: string, opts: { pops: number; nodes: number }): Promise<{ nodeIds: string[]; serviceId: string; address: string }> {
  const popIds: string[] = [];
  for (let i = 0; i < opts.pops; i++) {
    popIds.push((await db.query(`INSERT INTO pops (code, name, region) VALUES ($1, $1, 'eu') RETURNING id`, [`bp${i}`])).rows[0].id);
  }
  const pool = (await db.query(`INSERT INTO pools (prefix, family, scope) VALUES ('198.51.100.0/24', 4, 'global') RETURNING id`)).rows[0].id;
  await db.query(`INSERT INTO pool_pops (pool_id, pop_id) SELECT $1, unnest($2::uuid[])`, [pool, popIds]);
  const nodeIds: string[] = [];
  for (let i = 0; i < opts.nodes; i++) {
    const r = await db.query(`INSERT INTO edge_nodes (pop_id, name, tunnel_source_ipv6) VALUES ($1, $2, $3) RETURNING id`, [popIds[i % opts.pops], `bench-edge-${i}`, `fd00:be::${(i + 1).toString(16)}`]);
    nodeIds.push(r.rows[0].id);
  }
  const svc = (
    await db.query(
      `INSERT INTO services (organization_id, name, listeners, health_check, status)
       VALUES ($1, 'bench', '[{"protocol":"tcp","ports":"80"}]',
               '{"protocol":"tcp","port":80,"path":null,"interval_seconds":10,"timeout_seconds":5,"healthy_threshold":3,"unhealthy_threshold":3}', 'active')
       RETURNING id`,
      [organizationId],
    )
  ).rows[0].id;
  const address = '198.51.100.10';
  await db.query(`INSERT INTO anycast_addresses (pool_id, slot_index, address, family, service_id, state) VALUES ($1, 10, $2, 4, $3, 'assigned')`, [pool, address, svc]);
  await db.query(`INSERT INTO backends (service_id, address, family) VALUES ($1, '2001:db8::1', 6)`, [svc]);
  return { nodeIds, serviceId: svc, address };
}

export function quantile(sorted: number[], f: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(f * sorted.length))];
}
