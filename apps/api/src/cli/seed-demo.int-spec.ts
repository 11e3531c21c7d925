import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JobName, assignSlotsJobId } from '@anyfront/contracts';
import { createDataSource, OutboxRepository, usableDemoCredentials } from '@anyfront/db';
import { createScratchDatabase, startTsProcess, testRedisUrl } from '@anyfront/testing';
import request from 'supertest';
import type { DataSource } from 'typeorm';
import { createTestApp, type TestApp } from '../testing';
import { DEMO, seedDemoData } from './demo-data';
import { DEMO_SERVICE, seedDemoService } from './demo-service';

// Runs in its own database: the demo pools are fixed prefixes other tests may also use.
describe('demo seed', () => {
  let scratch: { url: string; drop: () => Promise<void> };
  let ds: DataSource;
  let t: TestApp;
  beforeAll(async () => {
    scratch = await createScratchDatabase('seed');
    ds = createDataSource(scratch.url);
    await ds.initialize();
    t = await createTestApp({ env: { DATABASE_URL: scratch.url } });
  });
  afterAll(async () => {
    await t.close();
    await ds.destroy();
    await scratch.drop();
  });

  const counts = async () =>
    (await ds.query(
      `SELECT (SELECT count(*) FROM users)::int AS users, (SELECT count(*) FROM organizations)::int AS orgs, (SELECT count(*) FROM pops)::int AS pops,
              (SELECT count(*) FROM pools)::int AS pools, (SELECT count(*) FROM pool_pops)::int AS pool_pops, (SELECT count(*) FROM api_keys)::int AS keys`,
    ))[0];

  it('creates the demo fleet and accounts, and a second run changes nothing', async () => {
    await seedDemoData(ds);
    const first = await counts();
    expect(first).toEqual({ users: 2, orgs: 1, pops: 4, pools: 3, pool_pops: 8, keys: 1 });
    await seedDemoData(ds);
    expect(await counts()).toEqual(first);
  });

  it('the printed logins and API key work, and the pools have different PoP sets', async () => {
    const op = request.agent(t.url);
    expect((await op.post('/v1/auth/login').send(DEMO.operator)).status).toBe(200);
    const pools = (await op.get('/v1/admin/pools')).body.data as Array<{ prefix: string; family: number; pops: Array<{ code: string }> }>;
    expect(pools.map((p) => p.prefix).sort()).toEqual(['192.0.2.0/24', '198.51.100.0/24', 'fd00:a0::/48']);
    const v4 = pools.filter((p) => p.family === 4).map((p) => p.pops.map((x) => x.code).sort().join(','));
    expect(v4[0]).not.toEqual(v4[1]);

    const owner = request.agent(t.url);
    const login = await owner.post('/v1/auth/login').send({ email: DEMO.owner.email, password: DEMO.owner.password });
    expect(login.body).toMatchObject({ role: 'owner', organization: { name: DEMO.owner.organization } });
    const me = await t.http().get('/v1/me').set('Authorization', `Bearer ${DEMO.apiKey}`);
    expect(me.body).toMatchObject({ credential: 'api_key', organization: { name: DEMO.owner.organization } });
  });

  it('creates the demo service with its backends through the service layer, once', async () => {
    const seed = await seedDemoData(ds);
    const first = await seedDemoService(t.app, seed);
    expect(first.created).toBe(true);
    expect(await seedDemoService(t.app, seed)).toEqual({ serviceId: first.serviceId, created: false });
    const key = { Authorization: `Bearer ${DEMO.apiKey}` };
    const list = await t.http().get('/v1/services').set(key);
    expect(list.body.data.map((s: { name: string }) => s.name)).toEqual([DEMO_SERVICE.name]);
    const backends = await t.http().get(`/v1/services/${first.serviceId}/backends`).set(key);
    expect(backends.body.data.map((b: { address: string }) => b.address).sort()).toEqual([...DEMO_SERVICE.backends].sort());
    // Slot assignment was queued (outbox) like for an API-created service.
    const outbox = await new OutboxRepository(ds, t.config.queuePrefix).pending();
    expect(outbox.filter((r) => r.name === JobName.AssignSlots).map((r) => r.jobId)).toEqual([assignSlotsJobId(first.serviceId)]);
  });

  /** Runs an app entry to its exit (these all refuse to start); its exit code and output. */
  const runToExit = (entry: string, env: Record<string, string>) =>
    new Promise<{ code: number | null; out: string }>((resolve) => {
      const p = startTsProcess(entry, { DATABASE_URL: scratch.url, REDIS_URL: testRedisUrl(), LOG_LEVEL: 'warn', ...env });
      const timer = setTimeout(() => p.child.kill('SIGKILL'), 60_000);
      p.child.once('exit', (code) => {
        clearTimeout(timer);
        resolve({ code, out: p.output() });
      });
    });

  it('production API and worker refuse to start while demo credentials are usable; the seed runs only in the demo mode', async () => {
    await seedDemoData(ds);
    expect(await usableDemoCredentials(ds)).toHaveLength(3);
    // A signing key file (created on first read) so the start-up gets as far as the demo-credential guard.
    const prod = { NODE_ENV: 'production', SESSION_SECRET: 'q7R2v9Lx0pZt4mWc8kHs1yBn6dFg3jEa5uVi', API_PORT: '0', STATE_SIGNING_KEY_FILE: join(tmpdir(), `anyfront-seed-demo-${process.pid}.key`) };
    const [api, worker, seed] = await Promise.all([
      runToExit('apps/api/src/main.ts', prod),
      runToExit('apps/worker/src/main.ts', prod),
      runToExit('apps/api/src/cli/seed-demo.ts', { NODE_ENV: 'test', ANYFRONT_MODE: '' }),
    ]);
    expect(api).toEqual({ code: 1, out: expect.stringMatching(/refusing to start the API with NODE_ENV=production: .*demo API key.*operator@example\.com.*demo@example\.com/) });
    expect(worker).toEqual({ code: 1, out: expect.stringMatching(/refusing to start the worker with NODE_ENV=production/) });
    expect(seed).toEqual({ code: 1, out: expect.stringMatching(/only in the local demo mode/) });

    // Once the demo credentials are unusable, nothing is reported (the apps would start).
    await ds.query(`UPDATE api_keys SET revoked_at = now()`);
    await ds.query(`UPDATE users SET password_hash = 'not-an-argon2-hash'`);
    expect(await usableDemoCredentials(ds)).toEqual([]);
  }, 90_000);
});
