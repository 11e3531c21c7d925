import { randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import { Pool as PgPool } from 'pg';
import { QueueName, assignSlotsJob, bulkJob } from '@anyfront/contracts';
import { slotIndexOf } from '@anyfront/domain';
import { type AppProcess, createScratchDatabase, deleteQueuePrefix, FleetFixtures, startWorkerProcesses, stopProcesses, waitFor } from '@anyfront/testing';

const SERVICES = 500;
const WORKERS = 4;
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
// 6 IPv4 /24 pools (1524 slots for the 1000 needed) with overlapping and disjoint PoP sets, one IPv6 /48.
const POOLS = [
  { prefix: '198.18.1.0/24', pops: ['ams', 'fra'] },
  { prefix: '198.18.2.0/24', pops: ['lon', 'par'] },
  { prefix: '198.18.3.0/24', pops: ['ams', 'lon'] },
  { prefix: '198.18.4.0/24', pops: ['fra', 'par'] },
  { prefix: '198.18.5.0/24', pops: ['ams', 'fra', 'lon', 'par'] },
  { prefix: '198.18.6.0/24', pops: ['nyc'] },
  { prefix: '2001:db8:5107::/48', pops: ['ams', 'fra', 'lon', 'par', 'nyc'] },
];

jest.setTimeout(300_000);

describe(`slot assignment: ${SERVICES} services, ${WORKERS} worker processes, duplicate jobs, a worker killed mid-run`, () => {
  const prefix = `slots-it-${process.pid}-${Date.now().toString(36)}`;
  let scratch: Awaited<ReturnType<typeof createScratchDatabase>>;
  let db: PgPool;
  let workers: AppProcess[] = [];
  let fx: FleetFixtures;
  const producers: Queue[] = [];

  beforeAll(async () => {
    scratch = await createScratchDatabase('slots_it');
    db = new PgPool({ connectionString: scratch.url, max: 16 });
    db.on('error', () => undefined); // idle clients are cut when the scratch database is dropped
    fx = new FleetFixtures(db);
    await fx.seedPools(POOLS);
    workers = await startWorkerProcesses(WORKERS, {
      DATABASE_URL: scratch.url,
      REDIS_URL,
      QUEUE_PREFIX: prefix,
      WORKER_CONCURRENCY: '4',
      DATABASE_POOL_SIZE: '5',
      SLOT_RETRY_INTERVAL_SECONDS: '5',
    });
    // Several producers with their own Redis connections, like several API processes.
    for (let i = 0; i < 4; i++) producers.push(new Queue(QueueName.SlotAssignment, { connection: { url: REDIS_URL }, prefix }));
  });

  afterAll(async () => {
    await stopProcesses(workers);
    await Promise.all(producers.map((q) => q.close()));
    await deleteQueuePrefix(REDIS_URL, prefix);
    await db?.end();
    await scratch?.drop();
  });

  it('gives every service 2 IPv4 addresses from 2 pools and 1 IPv6 address, never one address twice', async () => {
    const org = await fx.organization();
    // Create all services concurrently; each is enqueued three times: twice with its deterministic id
    // (coalesced by BullMQ) and once with a random id, a true duplicate the processor must absorb.
    const ids = await Promise.all(
      Array.from({ length: SERVICES }, async (_, i) => {
        const id = await fx.pendingService(org, `svc-${i}`);
        const q = producers[i % producers.length];
        const job = bulkJob(assignSlotsJob(id));
        await Promise.all([
          q.add(job.name, job.data, job.opts),
          producers[(i + 1) % producers.length].add(job.name, job.data, job.opts),
          producers[(i + 2) % producers.length].add(job.name, job.data, { ...job.opts, jobId: `dup.${randomUUID()}` }),
        ]);
        return id;
      }),
    );
    expect(new Set(ids).size).toBe(SERVICES);

    // A crash mid-run: one worker is killed (SIGKILL, no clean-up). Its open transactions roll back and
    // BullMQ hands its stalled jobs to the other workers, which must still give every service its addresses once.
    await waitFor('a quarter of the services active', async () => (await db.query(`SELECT count(*)::int AS n FROM services WHERE status = 'active'`)).rows[0].n >= SERVICES / 4, 120_000, 250);
    const victim = workers[WORKERS - 1];
    expect(victim.output()).toMatch(/\\?"outcome\\?":\\?"assigned/);
    victim.child.kill('SIGKILL');

    // Settled: no job left to run and no service still pending (then the assertions below say what went wrong, if anything).
    await waitFor('no job left and no service pending', async () => {
      const { rows } = await db.query(`SELECT count(*)::int AS n FROM services WHERE status = 'pending'`);
      // 'delayed' is left out: it holds the repeatable retry-waiting-services job.
      const counts = await producers[0].getJobCounts('waiting', 'active', 'prioritized');
      return rows[0].n === 0 && Object.values(counts).every((c) => c === 0);
    }, 180_000, 250);
    const { rows: statuses } = await db.query(`SELECT status, count(*)::int AS n FROM services GROUP BY status`);
    expect(statuses).toEqual([{ status: 'active', n: SERVICES }]);

    const { rows: addresses } = await db.query<{ address: string; family: number; pool_id: string; prefix: string; service_id: string; in_pool: boolean; slot_index: string }>(`
      SELECT host(a.address) AS address, a.family, a.pool_id, p.prefix::text AS prefix, a.service_id, a.slot_index::text,
             a.address <<= p.prefix AS in_pool
        FROM anycast_addresses a JOIN pools p ON p.id = a.pool_id`);
    expect(addresses.every((a) => a.service_id !== null)).toBe(true);
    expect(addresses).toHaveLength(SERVICES * 3);
    expect(new Set(addresses.map((a) => a.address)).size).toBe(addresses.length);

    const byService = new Map<string, typeof addresses>();
    for (const a of addresses) byService.set(a.service_id, [...(byService.get(a.service_id) ?? []), a]);
    expect(byService.size).toBe(SERVICES);
    for (const id of ids) {
      const mine = byService.get(id) ?? [];
      const v4 = mine.filter((a) => a.family === 4);
      const v6 = mine.filter((a) => a.family === 6);
      expect({ id, v4: v4.length, v6: v6.length, v4Pools: new Set(v4.map((a) => a.pool_id)).size }).toEqual({ id, v4: 2, v6: 1, v4Pools: 2 });
    }
    for (const a of addresses) {
      expect(a.in_pool).toBe(true);
      if (a.family === 4) expect(a.address).not.toMatch(/\.(0|255)$/);
      expect(slotIndexOf(a.prefix, a.address)).toBe(BigInt(a.slot_index));
    }

    // Every worker process took part (each logs the services it assigned), the killed one before it died.
    for (const w of workers) expect(w.output()).toMatch(/\\?"outcome\\?":\\?"assigned/); // inside a JSON log line's msg
  });
});
