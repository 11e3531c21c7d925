import { type ChildProcess, spawn } from 'node:child_process';
import { Queue } from 'bullmq';
import type { DataSource } from 'typeorm';
import { QueueName, syncEdgeNodeJobId } from '@anyfront/contracts';
import { createDataSource, OutboxRepository } from '@anyfront/db';
import {
  type ApiProcess, FleetFixtures, freePort, migrateTestDatabase, signup, startApiProcess, testDatabaseUrl, uniqueSuffix, waitFor,
} from '@anyfront/testing';
import { OutboxRelay } from './outbox-relay';

jest.setTimeout(180_000);

/** A redis-server of this test's own on `port` (the machine's Redis is shared: never stop that one). */
async function startRedis(port: number): Promise<ChildProcess> {
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  await waitFor(`redis-server on ${port}`, async () => {
    const probe = new Queue('probe', { connection: { url: `redis://127.0.0.1:${port}`, maxRetriesPerRequest: 1, retryStrategy: () => null } });
    probe.on('error', () => undefined);
    try {
      await probe.waitUntilReady();
      return true;
    } finally {
      await probe.close().catch(() => undefined);
    }
  }, 20_000, 100);
  return child;
}

async function stopRedis(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}

describe('a write while Redis is down', () => {
  const prefix = `test-outbox-redis-${uniqueSuffix()}`;
  let port: number;
  let redis: ChildProcess;
  let api: ApiProcess;
  let ds: DataSource;
  let fx: FleetFixtures;
  let queue: Queue;
  let relay: OutboxRelay;

  beforeAll(async () => {
    await migrateTestDatabase();
    port = await freePort();
    redis = await startRedis(port);
    const redisUrl = `redis://127.0.0.1:${port}`;
    api = await startApiProcess({ DATABASE_URL: testDatabaseUrl(), REDIS_URL: redisUrl, QUEUE_PREFIX: prefix, REDIS_KEY_PREFIX: `${prefix}:`, ALLOW_DOCUMENTATION_ADDRESSES: 'true' });
    ds = await createDataSource(testDatabaseUrl(), { poolSize: 4 }).initialize();
    fx = new FleetFixtures(ds);
    queue = new Queue(QueueName.FleetSync, { connection: { url: redisUrl }, prefix });
    queue.on('error', () => undefined); // Redis goes away on purpose
  });
  afterAll(async () => {
    await relay?.stop();
    await api?.stop();
    await queue?.close().catch(() => undefined);
    if (redis) await stopRedis(redis);
    await fx?.cleanup();
    await ds?.destroy();
  });

  it('answers success, and the change reaches the fleet queue once Redis is back', async () => {
    const tenant = await signup({ url: api.url, dataSource: ds });
    const pop = await fx.pop();
    const pool = await fx.pool([pop.id], 6);
    const node = await fx.node(pop.id);
    const svc = await fx.service(tenant.organizationId, [pool]);

    await stopRedis(redis);
    const res = await tenant.bearer.post(`/v1/services/${svc.id}/backends`).send({ address: '2001:db8::77' });
    expect(res.status).toBe(201);
    // Committed with the backend: the sync of the node that serves the service.
    const outbox = new OutboxRepository(ds, prefix);
    expect((await outbox.pending()).map((r) => r.jobId)).toEqual([syncEdgeNodeJobId(node)]);

    // The worker's relay cannot add it while Redis is down: the row stays.
    const failures: string[] = [];
    relay = new OutboxRelay(ds, new Map([[QueueName.FleetSync, queue]]), {
      databaseUrl: testDatabaseUrl(), queuePrefix: prefix, batchSize: 100, pollIntervalMs: 200, publishTimeoutMs: 500, log: { warn: (m) => failures.push(m) },
    });
    await relay.start();
    await waitFor('a failed relay attempt', () => failures.length > 0, 20_000, 50);
    expect(await outbox.pending()).toHaveLength(1);

    redis = await startRedis(port);
    // (An add that timed out may land once Redis is back; the row is then re-sent under the same id.)
    await waitFor('the relay to empty the outbox', async () => (await outbox.pending()).length === 0, 30_000, 100);
    expect((await queue.getJob(syncEdgeNodeJobId(node)))?.data).toEqual({ edgeNodeId: node });
    expect(await queue.count()).toBe(1);
  });
});
