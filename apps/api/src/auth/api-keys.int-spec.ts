import { bearerAgent, member, signup } from '@anyfront/testing';
import { createTestApp, type TestApp } from '../testing';

describe('API keys', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  it('creates a key whose secret is shown once and stored only as a hash; it authenticates as Bearer', async () => {
    const a = await signup(t);
    const res = await a.session.post('/v1/api-keys').send({ name: 'deploy' });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ name: 'deploy', role: 'member', last_used_at: null, revoked_at: null });
    expect(res.body.secret).toMatch(/^afk_[\w-]{43}$/);
    expect(res.body.secret.startsWith(res.body.prefix)).toBe(true);
    const [row] = await t.dataSource.query('SELECT secret_hash, prefix FROM api_keys WHERE id = $1', [res.body.id]);
    expect(row.secret_hash).not.toContain(res.body.secret.slice(4));
    expect(row.secret_hash).toMatch(/^[0-9a-f]{64}$/);

    const listed = await a.session.get('/v1/api-keys');
    const item = listed.body.data.find((k: { id: string }) => k.id === res.body.id);
    expect(item).toBeDefined();
    expect(item.secret).toBeUndefined();

    const me = await bearerAgent(t, res.body.secret).get('/v1/me');
    expect(me.status).toBe(200);
    expect(me.body).toEqual({ user: null, organization: { id: a.organizationId, name: a.organizationName }, role: 'member', credential: 'api_key' });
  });

  it('records the last use and stops working once revoked', async () => {
    const a = await signup(t);
    const { body: key } = await a.session.post('/v1/api-keys').send({ name: 'temp', role: 'owner' });
    const agent = bearerAgent(t, key.secret);
    expect((await agent.get('/v1/me')).status).toBe(200);
    const after = (await a.session.get('/v1/api-keys')).body.data.find((k: { id: string }) => k.id === key.id);
    expect(Date.parse(after.last_used_at)).toBeGreaterThan(Date.now() - 60_000);

    expect((await a.session.delete(`/v1/api-keys/${key.id}`)).status).toBe(204);
    expect((await a.session.delete(`/v1/api-keys/${key.id}`)).status).toBe(204);
    const denied = await agent.get('/v1/me');
    expect(denied.status).toBe(401);
    expect(denied.body.detail).toMatch(/revoked/);
    const revoked = (await a.session.get('/v1/api-keys')).body.data.find((k: { id: string }) => k.id === key.id);
    expect(revoked.revoked_at).not.toBeNull();
  });

  it('rejects malformed Authorization headers and unknown keys', async () => {
    expect((await t.http().get('/v1/me').set('Authorization', 'Basic Zm9vOmJhcg==')).status).toBe(401);
    expect((await t.http().get('/v1/me').set('Authorization', 'Bearer afk_nope')).status).toBe(401);
  });

  it('only owners manage keys: members and member-role keys get 403; other organizations get 404', async () => {
    const a = await signup(t);
    const m = await member(t, a.organizationId);
    const memberCreate = await m.session.post('/v1/api-keys').send({ name: 'x' });
    expect(memberCreate.status).toBe(403);
    expect(memberCreate.headers['content-type']).toMatch(/problem\+json/);
    expect((await m.session.get('/v1/api-keys')).status).toBe(200);
    const { body: memberKey } = await a.session.post('/v1/api-keys').send({ name: 'm', role: 'member' });
    const mk = bearerAgent(t, memberKey.secret);
    expect((await mk.post('/v1/api-keys').send({ name: 'y' })).status).toBe(403);
    expect((await mk.delete(`/v1/api-keys/${memberKey.id}`)).status).toBe(403);
    // The owner-role key from signup() can manage keys.
    expect((await a.bearer.post('/v1/api-keys').send({ name: 'z' })).status).toBe(201);

    const b = await signup(t);
    expect((await b.session.delete(`/v1/api-keys/${memberKey.id}`)).status).toBe(404);
    expect((await b.session.get('/v1/api-keys')).body.data.map((k: { id: string }) => k.id)).not.toContain(memberKey.id);
    expect((await mk.get('/v1/me')).status).toBe(200);
  });

  it('validates the create body', async () => {
    const a = await signup(t);
    const res = await a.session.post('/v1/api-keys').send({ name: '', role: 'admin' });
    expect(res.status).toBe(400);
    expect(res.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(['name', 'role']);
  });

  it('paginates with an opaque cursor', async () => {
    const a = await signup(t);
    for (let i = 0; i < 4; i++) await a.session.post('/v1/api-keys').send({ name: `k${i}` });
    // 5 keys: the one signup() made plus four.
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res = await a.session.get('/v1/api-keys').query(cursor ? { limit: 2, cursor } : { limit: 2 });
      expect(res.status).toBe(200);
      expect(res.body.data.length).toBeLessThanOrEqual(2);
      seen.push(...res.body.data.map((k: { name: string }) => k.name));
      cursor = res.body.next_cursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen).toEqual(['test', 'k0', 'k1', 'k2', 'k3']);

    const bad = await a.session.get('/v1/api-keys?cursor=garbage');
    expect(bad.status).toBe(400);
    expect(bad.body.errors).toEqual([{ field: 'cursor', message: expect.any(String) }]);
    for (const limit of ['0', '1000', 'abc']) {
      const r = await a.session.get(`/v1/api-keys?limit=${limit}`);
      expect(r.status).toBe(400);
      expect(r.body.errors[0].field).toBe('limit');
    }
  });
});
