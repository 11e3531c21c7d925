import { bearerAgent, operator, signup, uniqueSuffix, type Agent } from '@anyfront/testing';
import { createTestApp, type TestApp } from '../testing';

const PROBLEM = /^application\/problem\+json/;

describe('problem+json for every error', () => {
  let t: TestApp;
  let owner: Agent;
  beforeAll(async () => {
    t = await createTestApp({ env: { BODY_LIMIT: '2kb' } });
    owner = (await signup(t)).session;
  });
  afterAll(() => t.close());

  const expectProblem = (res: { status: number; headers: Record<string, string>; body: Record<string, unknown> }, status: number) => {
    expect(res.status).toBe(status);
    expect(res.headers['content-type']).toMatch(PROBLEM);
    expect(res.body).toEqual({ type: expect.stringMatching(/^urn:anyfront:problem:/), title: expect.any(String), status, detail: expect.any(String), errors: expect.any(Array) });
  };

  it('unknown fields', async () => {
    const res = await owner.post('/v1/api-keys').send({ name: 'x', colour: 'blue' });
    expectProblem(res, 400);
    expect(res.body.errors).toEqual([{ field: 'colour', message: 'is not a known field; remove it' }]);
  });

  it('wrong types, one message per field', async () => {
    const res = await owner.post('/v1/api-keys').send({ name: 12 });
    expectProblem(res, 400);
    expect(res.body.errors).toEqual([{ field: 'name', message: 'must be a string' }]);
  });

  it('malformed JSON', async () => {
    const res = await owner.post('/v1/api-keys').set('Content-Type', 'application/json').send('{"name": "x",');
    expectProblem(res, 400);
    expect(res.body.errors).toEqual([{ field: 'body', message: 'must be valid JSON' }]);
  });

  it('a JSON array or scalar instead of an object', async () => {
    expectProblem(await owner.post('/v1/api-keys').send([{ name: 'x' }]), 400);
    const scalar = await owner.post('/v1/api-keys').set('Content-Type', 'application/json').send('"x"');
    expectProblem(scalar, 400);
  });

  it('oversized bodies get 413 and change nothing', async () => {
    const before = await t.dataSource.query('SELECT count(*)::int AS n FROM api_keys');
    const res = await owner.post('/v1/api-keys').send({ name: 'x'.repeat(5000) });
    expectProblem(res, 413);
    expect(res.body.detail).toMatch(/2kb/);
    expect(await t.dataSource.query('SELECT count(*)::int AS n FROM api_keys')).toEqual(before);
  });

  it('unknown routes and methods', async () => {
    const res = await owner.get('/v1/nothing-here');
    expectProblem(res, 404);
    expect(res.body.detail).toMatch(/GET \/v1\/nothing-here is not an API route/);
    expectProblem(await t.http().put('/v1/me'), 404);
  });

  it('missing credentials', async () => {
    expectProblem(await t.http().get('/v1/api-keys'), 401);
  });

  it('ids that are not UUIDs answer 404', async () => {
    expectProblem(await owner.delete('/v1/api-keys/123'), 404);
  });
});

describe('OpenAPI', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  it('serves an OpenAPI 3 document generated from the code, and the docs page', async () => {
    const res = await t.http().get('/v1/openapi.json');
    expect(res.status).toBe(200);
    expect(res.body.openapi).toMatch(/^3\./);
    for (const path of ['/v1/auth/signup', '/v1/auth/login', '/v1/auth/logout', '/v1/me', '/v1/api-keys', '/v1/api-keys/{id}', '/v1/admin/pools', '/v1/admin/pools/{id}', '/v1/admin/pops', '/v1/admin/edge-nodes']) {
      expect(Object.keys(res.body.paths)).toContain(path);
    }
    expect(res.body.components.schemas.SignupDto.properties).toHaveProperty('organization_name');
    expect(res.body.paths['/v1/api-keys'].post.parameters).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'Idempotency-Key', in: 'header' })]));
    expect((await t.http().get('/v1/health')).body).toEqual({ status: 'ok' });
    const docs = await t.http().get('/docs').redirects(2);
    expect(docs.status).toBe(200);
    expect(docs.text).toMatch(/swagger/i);
  });
});

describe('Idempotency-Key', () => {
  let t: TestApp;
  let op: Agent;
  beforeAll(async () => {
    t = await createTestApp();
    op = (await operator(t)).session;
  });
  afterAll(async () => {
    await t.dataSource.query(`DELETE FROM pops WHERE code LIKE 'idem%'`);
    await t.close();
  });

  const popCount = async (code: string) => (await t.dataSource.query('SELECT count(*)::int AS n FROM pops WHERE code = $1', [code]))[0].n;

  it('replays the first response for the same key and body and never creates a second resource', async () => {
    const key = `k-${uniqueSuffix()}`;
    const body = { code: `idem${uniqueSuffix()}`, name: 'Idem', region: 'eu-west' };
    const first = await op.post('/v1/admin/pops').set('Idempotency-Key', key).send(body);
    expect(first.status).toBe(201);
    // Same body with the keys in another order is the same request.
    const second = await op.post('/v1/admin/pops').set('Idempotency-Key', key).send({ region: body.region, name: body.name, code: body.code });
    expect(second.status).toBe(201);
    expect(second.body).toEqual(first.body);
    expect(second.headers['idempotent-replayed']).toBe('true');
    expect(await popCount(body.code)).toBe(1);
    // Without the key a duplicate is a real second request (and here a conflict).
    expect((await op.post('/v1/admin/pops').send(body)).status).toBe(409);
  });

  it('refuses the same key with a different body', async () => {
    const key = `k-${uniqueSuffix()}`;
    const code = `idem${uniqueSuffix()}`;
    expect((await op.post('/v1/admin/pops').set('Idempotency-Key', key).send({ code, name: 'A', region: 'eu-west' })).status).toBe(201);
    const other = await op.post('/v1/admin/pops').set('Idempotency-Key', key).send({ code: `${code}x`, name: 'A', region: 'eu-west' });
    expect(other.status).toBe(422);
    expect(other.headers['content-type']).toMatch(PROBLEM);
    expect(other.body.errors[0].field).toBe('header.Idempotency-Key');
    expect(await popCount(`${code}x`)).toBe(0);
  });

  it('concurrent requests with the same key create exactly one resource and all get its response', async () => {
    const key = `k-${uniqueSuffix()}`;
    const body = { code: `idem${uniqueSuffix()}`, name: 'Race', region: 'eu-west' };
    const results = await Promise.all(Array.from({ length: 8 }, () => op.post('/v1/admin/pops').set('Idempotency-Key', key).send(body)));
    expect(results.map((r) => r.status)).toEqual(Array(8).fill(201));
    expect(new Set(results.map((r) => r.body.id)).size).toBe(1);
    expect(await popCount(body.code)).toBe(1);
  });

  it('scopes keys to the credential: another caller may use the same key', async () => {
    const a = await signup(t);
    const b = await signup(t);
    const key = `shared-${uniqueSuffix()}`;
    const ka = await a.session.post('/v1/api-keys').set('Idempotency-Key', key).send({ name: 'same' });
    const kb = await b.session.post('/v1/api-keys').set('Idempotency-Key', key).send({ name: 'same' });
    expect(ka.status).toBe(201);
    expect(kb.status).toBe(201);
    expect(ka.body.id).not.toBe(kb.body.id);
  });

  it('releases the key when the request fails, so a corrected retry works', async () => {
    const key = `k-${uniqueSuffix()}`;
    const code = `idem${uniqueSuffix()}`;
    expect((await op.post('/v1/admin/pops').set('Idempotency-Key', key).send({ code, name: '', region: 'eu-west' })).status).toBe(400);
    expect((await op.post('/v1/admin/pops').set('Idempotency-Key', key).send({ code, name: 'Fixed', region: 'eu-west' })).status).toBe(201);
  });

  it('never stores an API key secret for replay', async () => {
    const a = await signup(t);
    const key = `k-${uniqueSuffix()}`;
    const first = await a.session.post('/v1/api-keys').set('Idempotency-Key', key).send({ name: 'once' });
    const again = await a.session.post('/v1/api-keys').set('Idempotency-Key', key).send({ name: 'once' });
    expect(first.body.secret).toMatch(/^afk_/);
    expect(again.status).toBe(201);
    expect(again.body).toEqual({ ...first.body, secret: null });
    const rows = await t.dataSource.query('SELECT response_body::text AS body FROM idempotency_keys WHERE key = $1', [key]);
    expect(rows[0].body).not.toContain(first.body.secret);
  });

  it('refuses malformed keys', async () => {
    const res = await op.post('/v1/admin/pops').set('Idempotency-Key', 'x'.repeat(300)).send({ code: 'idemzz', name: 'x', region: 'eu-west' });
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toMatch(PROBLEM);
  });
});

describe('rate limiting', () => {
  it('answers 429 with Retry-After per credential, shared across API instances through Redis', async () => {
    const env = { RATE_LIMIT_MAX: '5', RATE_LIMIT_WINDOW_SECONDS: '30', REDIS_KEY_PREFIX: `test:rl-${uniqueSuffix()}:` };
    const one = await createTestApp({ env });
    const two = await createTestApp({ env });
    try {
      const a = await signup(one); // signup + key creation: 2 anonymous/session requests
      const b = await signup(one);
      // The same key used against both instances is counted once.
      const codes: number[] = [];
      for (let i = 0; i < 3; i++) codes.push((await a.bearer.get('/v1/me')).status);
      const viaTwo = bearerAgent(two, a.apiKey);
      for (let i = 0; i < 3; i++) codes.push((await viaTwo.get('/v1/me')).status);
      expect(codes).toEqual([200, 200, 200, 200, 200, 429]);
      const limited = await viaTwo.get('/v1/me');
      expect(limited.status).toBe(429);
      expect(limited.headers['content-type']).toMatch(PROBLEM);
      const retryAfter = Number(limited.headers['retry-after']);
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(30);
      // Another credential has its own budget.
      expect((await b.bearer.get('/v1/me')).status).toBe(200);
    } finally {
      await one.close();
      await two.close();
    }
  });
});

describe('maintenance sweep', () => {
  it('deletes expired sessions and idempotency keys older than 24 h, and nothing else', async () => {
    const t = await createTestApp();
    try {
      const a = await signup(t);
      const key = `old-${uniqueSuffix()}`;
      await t.dataSource.query(
        `INSERT INTO idempotency_keys (scope, key, method, path, request_hash, created_at) VALUES ('x', $1, 'POST', '/x', 'h', now() - interval '25 hours'), ('x', $2, 'POST', '/x', 'h', now())`,
        [key, `${key}-fresh`],
      );
      const b = await signup(t);
      await t.dataSource.query(`UPDATE sessions SET expires_at = now() - interval '1 minute' WHERE user_id = $1`, [b.userId]);
      const { MaintenanceService } = await import('./maintenance.service');
      const result = await t.app.get(MaintenanceService).sweep();
      expect(result.sessions).toBeGreaterThanOrEqual(1);
      expect(result.idempotencyKeys).toBeGreaterThanOrEqual(1);
      expect((await t.dataSource.query('SELECT key FROM idempotency_keys WHERE key LIKE $1', [`${key}%`])).map((r: { key: string }) => r.key)).toEqual([`${key}-fresh`]);
      expect((await t.dataSource.query('SELECT count(*)::int AS n FROM sessions WHERE user_id = $1', [b.userId]))[0].n).toBe(0);
      expect((await a.session.get('/v1/me')).status).toBe(200);
    } finally {
      await t.close();
    }
  });
});
