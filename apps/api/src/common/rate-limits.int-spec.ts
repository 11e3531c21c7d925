import { deleteRedisKeys, signup } from '@anyfront/testing';
import { createTestApp, type TestApp } from '../testing';

/** Issue 8: login throttled per IP only, IPv6 per /128, X-Forwarded-For trusted from loopback, no per-organization bucket. */
describe('login throttle per account', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ env: { LOGIN_FREE_FAILURES: '3', RATE_LIMIT_MAX: '100000' } });
  });
  afterAll(() => t.close());

  it('locks the account after the free failures, whatever the address and even for the right password; unknown accounts alike', async () => {
    const a = await signup(t);
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) statuses.push((await t.http().post('/v1/auth/login').set('X-Forwarded-For', `198.51.100.${i + 1}`).send({ email: a.email, password: `wrong-${i}-password` })).status);
    expect(statuses).toEqual([401, 401, 401]);
    const locked = await t.http().post('/v1/auth/login').send({ email: a.email.toUpperCase(), password: a.password });
    expect(locked.status).toBe(429);
    expect(locked.body.type).toBe('urn:anyfront:problem:login-throttled');
    expect(Number(locked.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(locked.headers['set-cookie']).toBeUndefined();

    const ghost = `nobody-${Date.now()}@example.com`;
    const ghostStatuses: number[] = [];
    for (let i = 0; i < 4; i++) ghostStatuses.push((await t.http().post('/v1/auth/login').send({ email: ghost, password: 'wrong-password-xx' })).status);
    expect(ghostStatuses).toEqual([401, 401, 401, 429]);

    // When the lock has passed, the right password works and clears the count.
    await deleteRedisKeys(t.config.redisUrl, [`${t.config.redisKeyPrefix}login:lock:*`]);
    expect((await t.http().post('/v1/auth/login').send({ email: a.email, password: a.password })).status).toBe(200);
    expect((await t.http().post('/v1/auth/login').send({ email: a.email, password: 'wrong-again-pass' })).status).toBe(401);
  });
});

describe('client addresses: TRUST_PROXY, IPv6 by /64', () => {
  const anonymous = (t: TestApp, xff?: string) => {
    const r = t.http().post('/v1/auth/login');
    return (xff ? r.set('X-Forwarded-For', xff) : r).send({});
  };

  it('without TRUST_PROXY, X-Forwarded-For from loopback is ignored: rotating it does not reset the per-IP budget', async () => {
    const t = await createTestApp({ env: { RATE_LIMIT_MAX: '5' } });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 6; i++) statuses.push((await anonymous(t, `203.0.113.${i + 1}`)).status);
      expect(statuses).toEqual([400, 400, 400, 400, 400, 429]);
    } finally {
      await t.close();
    }
  });

  it('with TRUST_PROXY=loopback the forwarded address counts, IPv6 aggregated by /64', async () => {
    const t = await createTestApp({ env: { RATE_LIMIT_MAX: '5', TRUST_PROXY: 'loopback' } });
    try {
      const rotatingV4: number[] = [];
      for (let i = 0; i < 6; i++) rotatingV4.push((await anonymous(t, `203.0.113.${i + 1}`)).status);
      expect(rotatingV4).toEqual([400, 400, 400, 400, 400, 400]);
      const sameSlash64: number[] = [];
      for (let i = 0; i < 6; i++) sameSlash64.push((await anonymous(t, `2001:db8:1:2::${(i + 1).toString(16)}`)).status);
      expect(sameSlash64).toEqual([400, 400, 400, 400, 400, 429]);
      expect((await anonymous(t, '2001:db8:1:3::1')).status).toBe(400);
    } finally {
      await t.close();
    }
  });
});

describe('per-organization rate bucket on top of per-credential', () => {
  it('several keys of one organization share its bucket; another organization is unaffected', async () => {
    const t = await createTestApp({ env: { RATE_LIMIT_MAX: '5', RATE_LIMIT_ORG_MAX: '10' } });
    try {
      const a = await signup(t); // its key creation: 1 request of the organization
      const b = await signup(t);
      const second = (await a.session.post('/v1/api-keys').send({ name: 'second' })).body.secret as string; // 2
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++) statuses.push((await a.bearer.get('/v1/services')).status); // 3..6
      for (let i = 0; i < 4; i++) statuses.push((await t.http().get('/v1/services').set('Authorization', `Bearer ${second}`)).status); // 7..10
      expect(statuses).toEqual(Array(8).fill(200));
      // Each key is under its own 5, but the organization has used its 10.
      const over = await t.http().get('/v1/services').set('Authorization', `Bearer ${second}`);
      expect(over.status).toBe(429);
      expect(over.body.detail).toMatch(/organization/);
      expect((await b.bearer.get('/v1/services')).status).toBe(200);
    } finally {
      await t.close();
    }
  });
});
