import { deleteRedisKeys, FleetFixtures, operator, signup, type Agent, type TestAccount } from '@anyfront/testing';
import { createTestApp, type TestApp } from '../testing';

const PROBLEM = /^application\/problem\+json/;
const svc = (name: string) => ({ name, listeners: [{ protocol: 'tcp', ports: '443' }] });

describe('per-organization quotas', () => {
  let t: TestApp;
  let op: Agent;
  let fx: FleetFixtures;

  beforeAll(async () => {
    t = await createTestApp({
      env: { QUOTA_SERVICES: '2', QUOTA_IPV4_ADDRESSES: '6', QUOTA_BACKENDS_PER_SERVICE: '2', QUOTA_BACKENDS_PER_ORGANIZATION: '3', QUOTA_API_KEYS: '3', RATE_LIMIT_MAX: '100000' },
    });
    op = (await operator(t)).session;
    fx = new FleetFixtures(t.dataSource);
  });
  afterAll(async () => {
    await fx.cleanup();
    await t.close();
  });

  const expectQuota = (res: { status: number; headers: Record<string, string>; body: { type: string; errors: Array<{ field: string }> } }, quota: string) => {
    expect(res.status).toBe(403);
    expect(res.headers['content-type']).toMatch(PROBLEM);
    expect(res.body.type).toBe('urn:anyfront:problem:quota-exceeded');
    expect(res.body.errors[0]?.field).toBe(`quota.${quota}`);
  };
  const count = async (sql: string, orgId: string) => (await t.dataSource.query(sql, [orgId]))[0].n as number;

  it('services: the limit holds, names the quota, changes nothing; a delete frees a unit', async () => {
    const a = await signup(t);
    const first = await a.bearer.post('/v1/services').send(svc('one'));
    expect(first.status).toBe(201);
    expect((await a.bearer.post('/v1/services').send(svc('two'))).status).toBe(201);
    const third = await a.bearer.post('/v1/services').send(svc('three'));
    expectQuota(third, 'services');
    expect(third.body).toMatchObject({ detail: expect.stringMatching(/quota "services".*2 used of 2/) });
    expect(await count('SELECT count(*)::int AS n FROM services WHERE organization_id = $1 AND deleted_at IS NULL', a.organizationId)).toBe(2);
    expect((await a.bearer.delete(`/v1/services/${first.body.id}`)).status).toBe(204);
    expect((await a.bearer.post('/v1/services').send(svc('three'))).status).toBe(201);
  });

  it('IPv4 addresses: live services count twice, quarantined addresses of deleted services count until released', async () => {
    const a = await signup(t);
    expect((await op.patch(`/v1/admin/organizations/${a.organizationId}/quotas`).send({ services: 10 })).status).toBe(200);
    const ids: string[] = [];
    for (const name of ['a', 'b', 'c']) ids.push((await a.bearer.post('/v1/services').send(svc(name))).body.id);
    expectQuota(await a.bearer.post('/v1/services').send(svc('d')), 'ipv4_addresses');
    // Delete one whose two addresses sit in quarantine: still the organization's.
    const pop = await fx.pop();
    for (const pool of [await fx.pool([pop.id]), await fx.pool([pop.id])]) {
      await t.dataSource.query(
        `INSERT INTO anycast_addresses (pool_id, slot_index, address, family, service_id, state) VALUES ($1, 10, $2, 4, $3, 'assigned')`,
        [pool.id, pool.prefix.replace(/\.0\/24$/, '.10'), ids[0]],
      );
    }
    expect((await a.bearer.delete(`/v1/services/${ids[0]}`)).status).toBe(204);
    expectQuota(await a.bearer.post('/v1/services').send(svc('d')), 'ipv4_addresses');
    // Once the quarantine is over, the addresses no longer count.
    await t.dataSource.query(`UPDATE anycast_addresses SET quarantined_until = now() - interval '1 second' WHERE service_id = $1`, [ids[0]]);
    expect((await a.bearer.post('/v1/services').send(svc('d'))).status).toBe(201);
  });

  it('backends per service and per organization', async () => {
    const a = await signup(t);
    const s1 = (await a.bearer.post('/v1/services').send(svc('one'))).body.id;
    const s2 = (await a.bearer.post('/v1/services').send(svc('two'))).body.id;
    for (const address of ['2001:db8:aa::1', '2001:db8:aa::2']) expect((await a.bearer.post(`/v1/services/${s1}/backends`).send({ address })).status).toBe(201);
    expectQuota(await a.bearer.post(`/v1/services/${s1}/backends`).send({ address: '2001:db8:aa::3' }), 'backends_per_service');
    expect((await a.bearer.post(`/v1/services/${s2}/backends`).send({ address: '2001:db8:aa::4' })).status).toBe(201);
    expectQuota(await a.bearer.post(`/v1/services/${s2}/backends`).send({ address: '2001:db8:aa::5' }), 'backends_per_organization');
    expect(await count('SELECT count(*)::int AS n FROM backends b JOIN services s ON s.id = b.service_id WHERE s.organization_id = $1', a.organizationId)).toBe(3);
  });

  it('API keys: active keys count, a revoked one frees its unit', async () => {
    const a = await signup(t); // one key
    const k2 = await a.session.post('/v1/api-keys').send({ name: 'k2' });
    expect(k2.status).toBe(201);
    expect((await a.session.post('/v1/api-keys').send({ name: 'k3' })).status).toBe(201);
    expectQuota(await a.session.post('/v1/api-keys').send({ name: 'k4' }), 'api_keys');
    expect((await a.session.delete(`/v1/api-keys/${k2.body.id}`)).status).toBe(204);
    expect((await a.session.post('/v1/api-keys').send({ name: 'k4' })).status).toBe(201);
  });

  it('concurrent creates cannot both take the last unit', async () => {
    const a = await signup(t);
    const results = await Promise.all(Array.from({ length: 6 }, (_, i) => a.bearer.post('/v1/services').send(svc(`race-${i}`))));
    expect(results.filter((r) => r.status === 201)).toHaveLength(2);
    expect(results.filter((r) => r.status === 403)).toHaveLength(4);
    expect(await count('SELECT count(*)::int AS n FROM services WHERE organization_id = $1', a.organizationId)).toBe(2);
  });

  it('operators read and override quotas per organization (audited); tenants read their own and cannot change them', async () => {
    const a: TestAccount = await signup(t);
    const before = await op.get(`/v1/admin/organizations/${a.organizationId}/quotas`);
    expect(before.status).toBe(200);
    expect(before.body.quotas.services).toEqual({ limit: 2, used: 0, source: 'default' });
    const patched = await op.patch(`/v1/admin/organizations/${a.organizationId}/quotas`).send({ services: 5, api_keys: 0 });
    expect(patched.body.quotas.services).toEqual({ limit: 5, used: 0, source: 'override' });
    expect(patched.body.quotas.api_keys).toEqual({ limit: 0, used: 1, source: 'override' });
    expectQuota(await a.session.post('/v1/api-keys').send({ name: 'blocked' }), 'api_keys');
    const mine = await a.bearer.get('/v1/quotas');
    expect(mine.body).toMatchObject({ organization_id: a.organizationId, quotas: { services: { limit: 5, source: 'override' }, api_keys: { limit: 0, used: 1 } } });
    const reset = await op.patch(`/v1/admin/organizations/${a.organizationId}/quotas`).send({ services: null });
    expect(reset.body.quotas.services).toEqual({ limit: 2, used: 0, source: 'default' });
    expect((await a.bearer.patch(`/v1/admin/organizations/${a.organizationId}/quotas`).send({ services: 100 })).status).toBe(403);
    expect((await op.patch(`/v1/admin/organizations/${a.organizationId}/quotas`).send({ services: -1 })).status).toBe(400);
    expect((await op.get('/v1/admin/organizations/00000000-0000-4000-8000-000000000000/quotas')).status).toBe(404);
    const audit = await t.dataSource.query(`SELECT details FROM audit_log WHERE action = 'organization.quotas.update' AND target_id = $1 ORDER BY created_at`, [a.organizationId]);
    expect(audit.map((r: { details: unknown }) => r.details)).toEqual([{ services: 5, api_keys: 0 }, { services: null }]);
  });
});

describe('signup limits per client address', () => {
  it('per hour and per day, with Retry-After, creating nothing when refused', async () => {
    const t = await createTestApp({ env: { SIGNUP_LIMIT_PER_HOUR: '2', SIGNUP_LIMIT_PER_DAY: '3' } });
    try {
      const before = (await t.dataSource.query('SELECT count(*)::int AS n FROM organizations'))[0].n;
      const body = (i: number) => ({ email: `limit-${i}-${Date.now()}@example.com`, password: 'a-long-enough-password', organization_name: `Limit ${i}` });
      const first = body(1);
      expect((await t.http().post('/v1/auth/signup').send(first)).status).toBe(201);
      // A signup that fails after taking its unit (duplicate email) gives it back.
      expect((await t.http().post('/v1/auth/signup').send({ ...body(2), email: first.email })).status).toBe(409);
      expect((await t.http().post('/v1/auth/signup').send(body(2))).status).toBe(201);
      const third = await t.http().post('/v1/auth/signup').send(body(3));
      expect(third.status).toBe(429);
      expect(third.headers['content-type']).toMatch(PROBLEM);
      expect(third.body).toMatchObject({ type: 'urn:anyfront:problem:signup-rate-limited', detail: expect.stringMatching(/per hour/) });
      expect(Number(third.headers['retry-after'])).toBeGreaterThan(0);
      // An hour later (the hour window dropped) the day's bound still holds: 3 a day.
      await deleteRedisKeys(t.config.redisUrl, [`${t.config.redisKeyPrefix}signup:hour:*`]);
      expect((await t.http().post('/v1/auth/signup').send(body(3))).status).toBe(201);
      await deleteRedisKeys(t.config.redisUrl, [`${t.config.redisKeyPrefix}signup:hour:*`]);
      const fourth = await t.http().post('/v1/auth/signup').send(body(4));
      expect(fourth.status).toBe(429);
      expect(fourth.body.detail).toMatch(/per day/);
      expect((await t.dataSource.query('SELECT count(*)::int AS n FROM organizations'))[0].n).toBe(before + 3);
    } finally {
      await t.close();
    }
  });
});
