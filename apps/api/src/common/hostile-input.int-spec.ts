import { request as httpRequest } from 'node:http';
import { brotliCompressSync, gzipSync } from 'node:zlib';
import { operator, signup, uniqueSuffix, type Agent, type TestAccount } from '@anyfront/testing';
import { createTestApp, type TestApp } from '../testing';

/** The five classes of input that answered 500 in issue 8: each must be a 4xx problem+json that changes nothing. */
const PROBLEM = /^application\/problem\+json/;
const cursorWith = (t: string) => Buffer.from(JSON.stringify({ t, i: '6f1c1f8e-3c1e-4c8e-9a43-0d6a1b2c3d4e' })).toString('base64url');
const nestedJson = (levels: number) => `{"name":"k","junk":${'['.repeat(levels)}1${']'.repeat(levels)}}`;

describe('hostile input answers 4xx problem+json', () => {
  let t: TestApp;
  let op: Agent;
  let owner: TestAccount;
  let serviceId: string;

  beforeAll(async () => {
    t = await createTestApp({ env: { RATE_LIMIT_MAX: '100000' } });
    op = (await operator(t)).session;
    owner = await signup(t);
    const svc = await owner.bearer.post('/v1/services').send({ name: 'hostile', listeners: [{ protocol: 'tcp', ports: '443' }] });
    expect(svc.status).toBe(201);
    serviceId = svc.body.id;
  });
  afterAll(() => t.close());

  const expect4xx = (res: { status: number; headers: Record<string, string> }, status = 400) => {
    expect(res.status).toBe(status);
    expect(res.headers['content-type']).toMatch(PROBLEM);
  };
  const count = async (table: string) => (await t.dataSource.query(`SELECT count(*)::int AS n FROM ${table}`))[0].n as number;

  it('cursors with odd time parts on every list endpoint', async () => {
    const doc = (await t.http().get('/v1/openapi.json')).body as { paths: Record<string, Record<string, { parameters?: Array<{ name: string }> }>> };
    const lists = Object.entries(doc.paths)
      .filter(([, item]) => item.get?.parameters?.some((p) => p.name === 'cursor'))
      .map(([path]) => path.replace('{id}', serviceId));
    expect(lists.length).toBeGreaterThanOrEqual(9);
    for (const path of lists) {
      const agent = path.startsWith('/v1/admin') ? op : owner.bearer;
      for (const time of ['0', '1', 'March 7', '+275760-09-13T00:00:00.000Z']) {
        const res = await agent.get(path).query({ cursor: cursorWith(time) });
        expect({ path, time, status: res.status }).toEqual({ path, time, status: 400 });
        expect(res.body.errors[0].field).toBe('cursor');
      }
    }
  });

  it('JSON nested 2,000+ levels deep, even in an unknown field and on /v1/auth/login', async () => {
    const before = await count('api_keys');
    for (const levels of [2000, 20_000]) {
      const res = await owner.bearer.post('/v1/api-keys').set('Content-Type', 'application/json').send(nestedJson(levels));
      expect4xx(res);
      const login = await t.http().post('/v1/auth/login').set('Content-Type', 'application/json').send(`{"email":"a@example.com","password":"x","x":${'['.repeat(levels)}${']'.repeat(levels)}}`);
      expect4xx(login);
    }
    expect(await count('api_keys')).toBe(before);
  });

  it('a NUL character in any string: key name, organization name, email, health path, query', async () => {
    const before = [await count('api_keys'), await count('organizations'), await count('services')];
    expect4xx(await owner.bearer.post('/v1/api-keys').send({ name: 'a\u0000b' }));
    expect4xx(await t.http().post('/v1/auth/signup').send({ email: `n${uniqueSuffix()}@example.com`, password: 'a-long-enough-password', organization_name: 'Org\u0000' }));
    expect4xx(await t.http().post('/v1/auth/signup').send({ email: `n\u0000${uniqueSuffix()}@example.com`, password: 'a-long-enough-password', organization_name: 'Org' }));
    expect4xx(await t.http().post('/v1/auth/login').send({ email: 'a\u0000@example.com', password: 'x' }));
    expect4xx(
      await owner.bearer.post('/v1/services').send({ name: 'nul', listeners: [{ protocol: 'tcp', ports: '80' }], health_check: { protocol: 'http', path: '/\u0000' } }),
    );
    expect4xx(await op.get('/v1/admin/audit-log').query({ action: 'x\u0000' }));
    expect([await count('api_keys'), await count('organizations'), await count('services')]).toEqual(before);
  });

  it('an email with a lone surrogate (isEmail threw URIError)', async () => {
    for (const email of ['a\ud800@example.com', '\udfff@example.com']) {
      expect4xx(await t.http().post('/v1/auth/signup').send({ email, password: 'a-long-enough-password', organization_name: 'Org' }));
      expect4xx(await t.http().post('/v1/auth/login').send({ email, password: 'whatever' }));
      expect4xx(await owner.session.post('/v1/members').send({ email, password: 'a-long-enough-password' }));
    }
  });

  /** POSTs raw bytes (supertest would JSON-encode a Buffer) with an owner API key. */
  const rawPost = (path: string, encoding: string, body: Buffer) =>
    new Promise<{ status: number; headers: Record<string, string>; body: { errors?: unknown } }>((resolve, reject) => {
      const req = httpRequest(`${t.url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-encoding': encoding, authorization: `Bearer ${owner.apiKey}` },
      }, (res) => {
        let text = '';
        res.on('data', (d) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers as Record<string, string>, body: JSON.parse(text || '{}') }));
      });
      req.on('error', reject);
      req.end(body);
    });

  it('malformed gzip, deflate and br bodies; well-formed ones still work', async () => {
    for (const encoding of ['gzip', 'br', 'deflate']) {
      const res = await rawPost('/v1/api-keys', encoding, Buffer.from('not compressed at all'));
      expect4xx(res);
      expect(res.body.errors).toEqual([{ field: 'body', message: 'must be valid for its Content-Encoding' }]);
    }
    expect4xx(await rawPost('/v1/api-keys', 'gzip', gzipSync(Buffer.from(JSON.stringify({ name: 'x' }))).subarray(0, 12)));
    expect((await rawPost('/v1/api-keys', 'br', brotliCompressSync(Buffer.from(JSON.stringify({ name: 'brotli' }))))).status).toBe(201);
    expect((await rawPost('/v1/api-keys', 'gzip', gzipSync(Buffer.from(JSON.stringify({ name: 'gzip' }))))).status).toBe(201);
  });

  it('health-check paths with CR/LF (header injection toward the backend)', async () => {
    const res = await owner.bearer
      .post('/v1/services')
      .send({ name: 'crlf', listeners: [{ protocol: 'tcp', ports: '80' }], health_check: { protocol: 'http', path: '/h\r\nX-Injected: 1' } });
    expect4xx(res);
    expect(res.body.errors[0].field).toBe('health_check.path');
    const patch = await owner.bearer.patch(`/v1/services/${serviceId}`).send({ health_check: { protocol: 'http', path: '/ok\n' } });
    expect4xx(patch);
    expect((await owner.bearer.patch(`/v1/services/${serviceId}`).send({ health_check: { protocol: 'http', path: '/healthz?deep=1' } })).status).toBe(200);
  });
});
