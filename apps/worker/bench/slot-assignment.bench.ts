// Slot-assignment throughput: services per second with 1 worker process and with 4 worker processes
// (each WORKER_CONCURRENCY jobs at once), on real Postgres and Redis, in the same run.
// Own scratch database (dropped at the end) and own queue prefixes.
// Run: node -r ./scripts/register.js apps/worker/bench/slot-assignment.bench.ts
//   env: DATABASE_URL (server to use; default postgres://postgres@127.0.0.1:5432/postgres), REDIS_URL,
//        BENCH_SERVICES (per run, default 500, at most 760), BENCH_ROUNDS (default 2), WORKER_CONCURRENCY (default 4)
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { Queue } from 'bullmq';
import { Pool as PgPool } from 'pg';
import { QueueName, assignSlotsJob, bulkJob } from '@anyfront/contracts';
import { createScratchDatabase, deleteQueuePrefix, FleetFixtures, startWorkerProcesses, stopProcesses, WaitAborted, waitFor } from '@anyfront/testing';

const BASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const SERVICES = Math.min(760, Number(process.env.BENCH_SERVICES ?? 500));
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const CONCURRENCY = process.env.WORKER_CONCURRENCY ?? '4';

const POOLS = [
  { prefix: '198.18.1.0/24', pops: ['ams', 'fra'] },
  { prefix: '198.18.2.0/24', pops: ['lon', 'par'] },
  { prefix: '198.18.3.0/24', pops: ['ams', 'lon'] },
  { prefix: '198.18.4.0/24', pops: ['fra', 'par'] },
  { prefix: '198.18.5.0/24', pops: ['nyc'] },
  { prefix: '198.18.6.0/24', pops: ['sjc'] },
  { prefix: '2001:db8:5107::/48', pops: ['ams', 'fra', 'lon', 'par', 'nyc', 'sjc'] },
];

async function main(): Promise<void> {
  const scratch = await createScratchDatabase('slots_bench', BASE_URL);
  const db = new PgPool({ connectionString: scratch.url, max: 8 });
  db.on('error', () => undefined);
  try {
    const fx = new FleetFixtures(db);
    await fx.seedPools(POOLS);
    const org = await fx.organization('bench');
    const results: Record<number, number[]> = { 1: [], 4: [] };
    for (let round = 0; round < ROUNDS; round++) {
      for (const workers of [1, 4]) {
        results[workers].push(await run(fx, db, scratch.url, org, workers, `${round}`));
      }
    }
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const one = mean(results[1]);
    const four = mean(results[4]);
    console.log(`\nslot assignment, ${SERVICES} services per run, ${ROUNDS} round(s), WORKER_CONCURRENCY=${CONCURRENCY}, 2 IPv4 + 1 IPv6 per service`);
    console.log(`  1 worker process : ${one.toFixed(1)} services/s  (runs: ${results[1].map((x) => x.toFixed(1)).join(', ')})`);
    console.log(`  4 worker processes: ${four.toFixed(1)} services/s  (runs: ${results[4].map((x) => x.toFixed(1)).join(', ')})`);
    console.log(`  ratio 4 / 1: ${(four / one).toFixed(2)}x`);
    // Context for the figures: each assignment is ~13 Postgres round trips plus a commit.
    console.log(`  context: Postgres round trip (SELECT 1) median ${(await roundTripMs(db)).toFixed(2)} ms; load average ${loadavg().map((x) => x.toFixed(1)).join(' ')}`);
  } finally {
    await db.end();
    await scratch.drop();
  }
}

/** User + system CPU time of a process so far (Linux /proc), in ms. */
function cpuMs(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // utime + stime, in clock ticks (USER_HZ = 100)
  } catch {
    return 0;
  }
}

async function roundTripMs(db: PgPool): Promise<number> {
  const client = await db.connect();
  try {
    const samples: number[] = [];
    for (let i = 0; i < 200; i++) {
      const t = process.hrtime.bigint();
      await client.query('SELECT 1');
      samples.push(Number(process.hrtime.bigint() - t) / 1e6);
    }
    return samples.sort((a, b) => a - b)[100];
  } finally {
    client.release();
  }
}

/** One measured run: N pending services enqueued at once, clock stops when the last one is active. */
async function run(fx: FleetFixtures, db: PgPool, url: string, org: string, workers: number, tag: string): Promise<number> {
  // The holding history too: its open rows (no foreign key to the slots) would make every reused slot
  // a unique violation of address_holdings_open_key, which the assigner retries for ever.
  await db.query(`TRUNCATE anycast_addresses, backends, services, address_holdings CASCADE`);
  await db.query(`ALTER SEQUENCE anycast_ipv6_slot_seq RESTART`);
  const prefix = `slots-bench-${process.pid}-${workers}-${tag}`;
  const procs = await startWorkerProcesses(workers, { DATABASE_URL: url, REDIS_URL, QUEUE_PREFIX: prefix, WORKER_CONCURRENCY: CONCURRENCY, DATABASE_POOL_SIZE: '6' });
  const queue = new Queue(QueueName.SlotAssignment, { connection: { url: REDIS_URL }, prefix });
  try {
    // Warm-up (connections, JIT), not measured.
    await assignAll(fx, db, queue, org, 20, `warm-${tag}`);
    const ids: string[] = [];
    for (let i = 0; i < SERVICES; i++) ids.push(await fx.pendingService(org, `bench-${tag}-${workers}-${i}`));
    const cpuBefore = procs.map((p) => cpuMs(p.child.pid!));
    const start = process.hrtime.bigint();
    await enqueueAndWait(db, queue, ids);
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    const cpu = procs.reduce((sum, p, i) => sum + cpuMs(p.child.pid!) - cpuBefore[i], 0);
    const rate = SERVICES / seconds;
    console.log(
      `  ${workers} worker(s), round ${tag}: ${SERVICES} services in ${seconds.toFixed(2)} s = ${rate.toFixed(1)} services/s; worker CPU ${(cpu / SERVICES).toFixed(1)} ms/service`,
    );
    return rate;
  } finally {
    await stopProcesses(procs);
    await queue.close();
    await deleteQueuePrefix(REDIS_URL, prefix);
  }
}

async function assignAll(fx: FleetFixtures, db: PgPool, queue: Queue, org: string, count: number, tag: string): Promise<void> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) ids.push(await fx.pendingService(org, `${tag}-${i}`));
  await enqueueAndWait(db, queue, ids);
}

async function enqueueAndWait(db: PgPool, queue: Queue, ids: string[]): Promise<void> {
  await queue.addBulk(ids.map((serviceId) => bulkJob(assignSlotsJob(serviceId))));
  await waitFor('every service active', async () => {
    const { rows } = await db.query(`SELECT count(*)::int AS n FROM services WHERE id = ANY($1::uuid[]) AND status = 'active'`, [ids]);
    if (rows[0].n === ids.length) return true;
    const { rows: stuck } = await db.query(`SELECT count(*)::int AS n FROM services WHERE id = ANY($1::uuid[]) AND status NOT IN ('active', 'pending')`, [ids]);
    if (stuck[0].n) throw new WaitAborted(`${stuck[0].n} service(s) did not become active`);
    return false;
  }, 600_000, 20);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
