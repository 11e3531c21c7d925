import { randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import type { DataSource } from 'typeorm';
import { QueueName, syncEdgeNodeJob } from '@anyfront/contracts';
import { createDataSource, OutboxRepository } from '@anyfront/db';
import { killProcess, migrateTestDatabase, startTsProcess, testDatabaseUrl, testRedisUrl, uniqueSuffix, waitFor } from '@anyfront/testing';
import { OutboxRelay, type RelayQueue } from './outbox-relay';

jest.setTimeout(120_000);

describe('outbox relay', () => {
  let ds: DataSource;
  const queues: Queue[] = [];
  const relays: OutboxRelay[] = [];

  beforeAll(async () => {
    await migrateTestDatabase();
    ds = await createDataSource(testDatabaseUrl(), { poolSize: 6 }).initialize();
  });
  afterEach(async () => {
    await Promise.all(relays.splice(0).map((r) => r.stop()));
    await Promise.all(queues.splice(0).map(async (q) => {
      await q.obliterate({ force: true });
      await q.close();
    }));
  });
  afterAll(async () => {
    await ds.destroy();
  });

  /** A fresh deployment: its own queue prefix, N outbox rows (distinct sync jobs), its fleet-sync queue. */
  async function setup(rows: number) {
    const prefix = `test-outbox-${uniqueSuffix()}`;
    const jobs = Array.from({ length: rows }, () => syncEdgeNodeJob(randomUUID()));
    await new OutboxRepository(ds, prefix).add(jobs);
    const queue = new Queue(QueueName.FleetSync, { connection: { url: testRedisUrl() }, prefix });
    queues.push(queue);
    return { prefix, jobs, queue, outbox: new OutboxRepository(ds, prefix) };
  }

  /** The queue seen through a counter of every job the relay added (re-sends included). */
  function counting(queue: Queue, delayMs = 0): { queue: RelayQueue; sent: string[] } {
    const sent: string[] = [];
    return {
      sent,
      queue: {
        addBulk: async (jobs) => {
          // A slow add keeps the batch's rows locked while another relay claims its own.
          if (delayMs) await new Promise((r) => setTimeout(r, delayMs));
          sent.push(...jobs.map((j) => j.opts?.jobId ?? '?'));
          return queue.addBulk(jobs);
        },
      },
    };
  }

  const relay = (prefix: string, queue: RelayQueue, batchSize = 10) => {
    const r = new OutboxRelay(ds, new Map([[QueueName.FleetSync, queue]]), { databaseUrl: testDatabaseUrl(), queuePrefix: prefix, batchSize, pollIntervalMs: 60_000, publishTimeoutMs: 30_000 });
    relays.push(r);
    return r;
  };

  const queuedIds = async (queue: Queue) => (await queue.getJobs(['waiting', 'delayed', 'prioritized', 'active'])).map((j) => j.id).sort();

  it('a relay SIGKILLed between its BullMQ add and its commit loses and doubles nothing', async () => {
    const { prefix, jobs, queue, outbox } = await setup(50);
    const child = startTsProcess('apps/worker/src/outbox/outbox-relay.kill-child.ts', {
      DATABASE_URL: testDatabaseUrl(), REDIS_URL: testRedisUrl(), QUEUE_PREFIX: prefix, STALL_AT_BATCH: '3',
    });
    // Two batches committed; the third is in Redis but its transaction is still open.
    await waitFor(() => `the child relay's third batch:\n${child.output()}`, () => /added 3\n/.test(child.output()), 60_000, 20);
    await killProcess(child);
    // Its connection is gone: the third batch's rows are back (unlocked, not deleted).
    await waitFor('the killed relay\'s transaction to roll back', async () => (await outbox.pending()).length === 30, 10_000, 20);
    expect(await queuedIds(queue)).toHaveLength(30);

    const survivor = counting(queue);
    await relay(prefix, survivor.queue).wake();
    expect(await outbox.pending()).toEqual([]);
    // The survivor re-sent the third batch (30 adds) and BullMQ kept one job per id: 50, each once.
    expect(survivor.sent).toHaveLength(30);
    expect(await queuedIds(queue)).toEqual(jobs.map((j) => j.jobId).sort());
  });

  it('two relays draining one outbox at once send every row exactly once (FOR UPDATE SKIP LOCKED)', async () => {
    const { prefix, jobs, queue, outbox } = await setup(60);
    const a = counting(queue, 30);
    const b = counting(queue, 30);
    await Promise.all([relay(prefix, a.queue).wake(), relay(prefix, b.queue).wake()]);
    expect(await outbox.pending()).toEqual([]);
    // Both took part, and no row was sent by both.
    expect(a.sent.length).toBeGreaterThan(0);
    expect(b.sent.length).toBeGreaterThan(0);
    expect([...a.sent, ...b.sent].sort()).toEqual(jobs.map((j) => j.jobId).sort());
  });

  it('a LISTEN notification at commit wakes the relay without waiting for its poll', async () => {
    const { prefix, queue, outbox } = await setup(0);
    await relay(prefix, queue).start(); // polls every 60 s
    const job = syncEdgeNodeJob(randomUUID());
    await ds.transaction((tx) => new OutboxRepository(tx, prefix).add([job]));
    // (The job is in Redis a moment before the relay's delete commits: wait for the commit.)
    await waitFor('the relay to commit the batch', async () => (await outbox.pending()).length === 0, 10_000, 20);
    expect(await queuedIds(queue)).toEqual([job.jobId]);
  });

  it('rows of a rolled-back write never reach the queue', async () => {
    const { prefix, queue, outbox } = await setup(0);
    await expect(ds.transaction(async (tx) => {
      await new OutboxRepository(tx, prefix).add([syncEdgeNodeJob(randomUUID())]);
      throw new Error('write refused');
    })).rejects.toThrow('write refused');
    expect(await outbox.pending()).toEqual([]);
    await relay(prefix, queue).wake();
    expect(await queuedIds(queue)).toEqual([]);
  });
});
