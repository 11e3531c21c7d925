import { Pool as PgPool } from 'pg';
import type { QueueName } from '@anyfront/contracts';
import type { Queue } from '../queues';
import type { DataSource } from 'typeorm';
import { createDataSource } from '@anyfront/db';
import { assignSlotsJobId } from '@anyfront/contracts';
import { createScratchDatabase, FleetFixtures } from '@anyfront/testing';
import { SlotAssigner } from './slot-assigner';
import { enqueueWaitingServices } from './waiting-services';

// Creating and migrating a scratch database can take a while on a loaded machine.
jest.setTimeout(60_000);

describe('enqueueWaitingServices', () => {
  let scratch: Awaited<ReturnType<typeof createScratchDatabase>>;
  let db: PgPool;
  let ds: DataSource;
  let fx: FleetFixtures;
  const added: string[][] = [];
  // Records what would be enqueued (job ids); BullMQ itself is exercised by the worker-process tests.
  const queue = { addBulk: async (jobs: { opts: { jobId: string } }[]) => void added.push(jobs.map((j) => j.opts.jobId)) } as unknown as Queue<QueueName.SlotAssignment>;

  beforeAll(async () => {
    scratch = await createScratchDatabase('waiting');
    db = new PgPool({ connectionString: scratch.url, max: 4 });
    db.on('error', () => undefined);
    fx = new FleetFixtures(db);
    ds = createDataSource(scratch.url, { poolSize: 4 });
    await ds.initialize();
  });
  afterAll(async () => {
    await ds?.destroy();
    await db?.end();
    await scratch?.drop();
  });

  const sweep = async () => {
    added.length = 0;
    await enqueueWaitingServices(ds, queue, 0);
    return added.flat();
  };

  it('re-enqueues waiting and stale pending services, and active ones once an IPv6 pool appears', async () => {
    const assigner = new SlotAssigner(ds, 'test-slot-assigner');
    const org = await fx.organization();
    await fx.seedPools([{ prefix: '192.0.2.0/24', pops: ['a'] }]);
    const waiting = await fx.pendingService(org, 'waiting');
    expect((await assigner.assign(waiting)).outcome).toBe('waiting_for_capacity');
    const pending = await fx.pendingService(org, 'pending');
    expect(await sweep()).toEqual([assignSlotsJobId(waiting), assignSlotsJobId(pending)]);

    await fx.seedPools([{ prefix: '198.51.100.0/24', pops: ['b'] }]);
    for (const id of [waiting, pending]) expect((await assigner.assign(id)).outcome).toBe('assigned');
    expect(await sweep()).toEqual([]); // active with both IPv4 addresses; no IPv6 pool exists

    await fx.seedPools([{ prefix: '2001:db8:6::/48', pops: ['a', 'b'] }]);
    expect(await sweep()).toEqual([assignSlotsJobId(waiting), assignSlotsJobId(pending)]);
    expect(await assigner.assign(waiting)).toEqual({ outcome: 'assigned', addresses: ['2001:db8:6::1'] });

    expect(await sweep()).toEqual([assignSlotsJobId(pending)]);
  });
});
