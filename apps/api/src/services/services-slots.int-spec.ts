import { type AppProcess, createScratchDatabase, operator, signup, startWorkerProcesses, stopProcesses, type TestAccount, waitFor } from '@anyfront/testing';
import { createTestApp, type TestApp } from '../testing';

/**
 * The whole path on real Postgres and Redis: the API creates services, a real worker process
 * (apps/worker/src/main.ts) assigns their addresses. Own database, because the worker hands out
 * addresses from every pool it finds.
 */
const tcp443 = [{ protocol: 'tcp', ports: '443' }];

jest.setTimeout(120_000);

describe('slot assignment through the API and a worker process', () => {
  let scratch: { url: string; drop: () => Promise<void> };
  let t: TestApp;
  let worker: AppProcess | undefined;
  let tenant: TestAccount;

  beforeAll(async () => {
    scratch = await createScratchDatabase('slots');
    t = await createTestApp({ env: { DATABASE_URL: scratch.url } });
    [worker] = await startWorkerProcesses(1, { DATABASE_URL: scratch.url, REDIS_URL: t.config.redisUrl, QUEUE_PREFIX: t.config.queuePrefix, SLOT_RETRY_INTERVAL_SECONDS: '1' });
    tenant = await signup(t);
  });

  afterAll(async () => {
    if (worker) await stopProcesses([worker]);
    // close() deletes the app's queue prefix, which the worker shared (slot assignment, fleet sync, roll-up).
    await t?.close();
    await scratch?.drop();
  });

  const statusOf = async (id: string) => (await tenant.bearer.get(`/v1/services/${id}`)).body;
  const waitForStatus = (id: string, status: string) => {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the service DTO as the API sends it
    let body: any = {};
    return waitFor(() => `service ${id} to be ${status}; it is ${body.status} (${body.status_reason})\nworker log:\n${worker?.output().slice(-4000)}`, async () => {
      body = await statusOf(id);
      return body.status === status && body;
    }, 60_000, 200);
  };

  it('waits for capacity, recovers when pools appear, quarantines on delete and reuses only after quarantine', async () => {
    // No pools yet: the service waits, and says why.
    const s1 = (await tenant.bearer.post('/v1/services').send({ name: 'first', listeners: tcp443 })).body;
    expect(s1.status).toBe('pending');
    const waiting = await waitForStatus(s1.id, 'waiting_for_capacity');
    expect(waiting.status_reason).toMatch(/needs IPv4 addresses from 2 different global pools, but only 0 global IPv4 pool\(s\) exist/);

    // An operator adds capacity; the worker's periodic retry picks the service up.
    const op = await operator(t);
    const pop = async (code: string) => (await op.session.post('/v1/admin/pops').send({ code, name: code, region: 'eu-west' })).body.id;
    const [ams, fra] = [await pop('ams'), await pop('fra')];
    const pool = async (prefix: string, pop_ids: string[]) => {
      const res = await op.session.post('/v1/admin/pools').send({ prefix, scope: 'global', pop_ids });
      expect(res.status).toBe(201);
      return res.body.id as string;
    };
    const p1 = await pool('192.0.2.0/24', [ams]);
    const p2 = await pool('198.51.100.0/24', [fra]);
    await pool('2001:db8:100::/48', [ams, fra]);

    const active = await waitForStatus(s1.id, 'active');
    expect(active.status_reason).toBeNull();
    expect(active.addresses).toEqual([
      { address: '192.0.2.1', family: 4, pool: '192.0.2.0/24', pool_id: p1 },
      { address: '198.51.100.1', family: 4, pool: '198.51.100.0/24', pool_id: p2 },
      { address: '2001:db8:100::1', family: 6, pool: '2001:db8:100::/48', pool_id: expect.any(String) },
    ]);
    const pools = (await op.session.get('/v1/admin/pools')).body.data;
    expect(pools.find((x: { id: string }) => x.id === p1).utilization).toMatchObject({ capacity: 254, assigned: 1, quarantined: 0, free: 253 });

    // Delete: the addresses go into quarantine.
    expect((await tenant.bearer.delete(`/v1/services/${s1.id}`)).status).toBe(204);
    const held = await t.dataSource.query(`SELECT host(address) AS address, state FROM anycast_addresses WHERE service_id = $1 ORDER BY address`, [s1.id]);
    expect(held.map((r: { state: string }) => r.state)).toEqual(['quarantined', 'quarantined', 'quarantined']);

    // Fill every other slot of both IPv4 pools (as if other tenants held them).
    for (const id of [p1, p2]) {
      await t.dataSource.query(
        `INSERT INTO anycast_addresses (pool_id, slot_index, address, family, state, quarantined_until)
         SELECT p.id, i, set_masklen(network(p.prefix), 32) + (i + 1), 4, 'quarantined', now() + interval '30 days'
           FROM pools p, generate_series(1, 253) AS i WHERE p.id = $1`,
        [id],
      );
    }

    // The quarantined addresses are not handed out: the next service waits.
    const s2 = (await tenant.bearer.post('/v1/services').send({ name: 'second', listeners: tcp443 })).body;
    const full = await waitForStatus(s2.id, 'waiting_for_capacity');
    expect(full.status_reason).toMatch(/IPv4 pools are full/);
    expect(full.addresses).toEqual([]);

    // Once the quarantine has run out, the same addresses go to the new service.
    await t.dataSource.query(`UPDATE anycast_addresses SET quarantined_until = now() - interval '1 second' WHERE service_id = $1`, [s1.id]);
    const reused = await waitForStatus(s2.id, 'active');
    expect(reused.addresses.filter((a: { family: number }) => a.family === 4).map((a: { address: string }) => a.address)).toEqual(['192.0.2.1', '198.51.100.1']);
    // IPv6 slots are never reused (2^64 per pool): a fresh one.
    expect(reused.addresses.find((a: { family: number }) => a.family === 6).address).not.toBe('2001:db8:100::1');
  });
});
