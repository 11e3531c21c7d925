import { operator, signup, uniqueSuffix } from '@anyfront/testing';
import { createTestApp, type TestApp } from '../testing';

/** Issue 8: cookie-authenticated state changes accepted text/plain from a foreign Origin. */
describe('CSRF: Origin/Referer check on cookie-authenticated and anonymous state changes', () => {
  let t: TestApp;
  const PORTAL = 'https://portal.example.test';
  beforeAll(async () => {
    t = await createTestApp({ env: { ALLOWED_ORIGINS: PORTAL, RATE_LIMIT_MAX: '100000' } });
  });
  afterAll(() => t.close());

  const keyCount = async (orgId: string) => (await t.dataSource.query('SELECT count(*)::int AS n FROM api_keys WHERE organization_id = $1', [orgId]))[0].n;

  it('refuses a foreign Origin or Referer (also "null"), changing nothing', async () => {
    const a = await signup(t);
    const before = await keyCount(a.organizationId);
    for (const [header, value] of [['Origin', 'https://evil.example'], ['Origin', 'null'], ['Referer', 'https://evil.example/page'], ['Origin', 'not a url']] as const) {
      const res = await a.session.post('/v1/api-keys').set(header, value).send({ name: 'csrf' });
      expect({ header, value, status: res.status, type: res.body.type }).toEqual({ header, value, status: 403, type: 'urn:anyfront:problem:csrf-origin' });
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    }
    expect(await keyCount(a.organizationId)).toBe(before);
  });

  it('the reported attack: a body-less text/plain admin POST from a foreign origin', async () => {
    const op = (await operator(t)).session;
    const pop = await op.post('/v1/admin/pops').send({ code: `c${uniqueSuffix().slice(0, 6)}`, name: 'Csrf', region: 'eu' });
    const res = await op.post(`/v1/admin/fleet/pops/${pop.body.id}/drain`).set('Origin', 'https://evil.example').set('Content-Type', 'text/plain').send('');
    expect(res.status).toBe(403);
    const audit = await t.dataSource.query(`SELECT count(*)::int AS n FROM audit_log WHERE target_id = $1 AND action LIKE '%drain%'`, [pop.body.id]);
    expect(audit[0].n).toBe(0);
  });

  it('accepts its own origin, ALLOWED_ORIGINS, API keys from anywhere, and clients that send no Origin', async () => {
    const a = await signup(t);
    expect((await a.session.post('/v1/api-keys').set('Origin', t.url).send({ name: 'same-origin' })).status).toBe(201);
    expect((await a.session.post('/v1/api-keys').set('Origin', PORTAL).send({ name: 'portal' })).status).toBe(201);
    expect((await a.session.post('/v1/api-keys').set('Referer', `${t.url}/docs`).send({ name: 'referer' })).status).toBe(201);
    expect((await a.bearer.post('/v1/api-keys').set('Origin', 'https://evil.example').send({ name: 'bearer' })).status).toBe(201);
    expect((await a.session.post('/v1/api-keys').send({ name: 'cli' })).status).toBe(201);
    expect((await a.session.get('/v1/api-keys').set('Origin', 'https://evil.example')).status).toBe(200);
  });

  it('login from a foreign origin is refused (login CSRF)', async () => {
    const a = await signup(t);
    const res = await t.http().post('/v1/auth/login').set('Origin', 'https://evil.example').send({ email: a.email, password: a.password });
    expect(res.status).toBe(403);
    expect(res.headers['set-cookie']).toBeUndefined();
  });
});
