import { operator, signup, uniqueEmail, uniqueSuffix } from '@anyfront/testing';
import request from 'supertest';
import { createTestApp, type TestApp } from '../testing';

/** Issue 8: credentials outlived the member who made them, and the idempotency store kept secrets. */
describe('API keys follow their creator', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ env: { RATE_LIMIT_MAX: '100000' } });
  });
  afterAll(() => t.close());

  /** Owner A adds B as an owner; B logs in and makes an owner API key. */
  const teamWithSecondOwner = async () => {
    const a = await signup(t);
    const email = uniqueEmail('second-owner');
    const password = `pw-${uniqueSuffix()}-long-enough`;
    const b = (await a.session.post('/v1/members').send({ email, password, role: 'owner' })).body;
    const bSession = request.agent(t.url);
    expect((await bSession.post('/v1/auth/login').send({ email, password })).status).toBe(200);
    const key = await bSession.post('/v1/api-keys').send({ name: 'b-key', role: 'owner' });
    expect(key.status).toBe(201);
    const bKey = () => request(t.url).get('/v1/me').set('Authorization', `Bearer ${key.body.secret}`);
    expect((await bKey()).status).toBe(200);
    return { a, bUserId: b.id as string, key: key.body as { id: string; secret: string }, bKey };
  };

  it('removing a member revokes the API keys they created; the list shows created_by', async () => {
    const { a, bUserId, key, bKey } = await teamWithSecondOwner();
    const listed = (await a.session.get('/v1/api-keys')).body.data.find((k: { id: string }) => k.id === key.id);
    expect(listed).toMatchObject({ created_by: bUserId, revoked_at: null });
    expect((await a.session.delete(`/v1/members/${bUserId}`)).status).toBe(204);
    expect((await bKey()).status).toBe(401);
    // The attack of issue 8: a removed owner's key created a new owner.
    const hijack = await request(t.url).post('/v1/members').set('Authorization', `Bearer ${key.secret}`).send({ email: uniqueEmail('hijack'), password: 'hijack-password-long', role: 'owner' });
    expect(hijack.status).toBe(401);
    const after = (await a.session.get('/v1/api-keys')).body.data.find((k: { id: string }) => k.id === key.id);
    expect(after).toMatchObject({ created_by: bUserId, revoked_at: expect.any(String) });
    const audit = await t.dataSource.query(`SELECT details FROM audit_log WHERE action = 'member.remove' AND target_id = $1`, [bUserId]);
    expect(audit[0].details).toEqual({ revoked_api_keys: [key.id] });
  });

  it('a key never acts above its creator\'s current role (demoted creator → member rights)', async () => {
    const { a, bUserId, key } = await teamWithSecondOwner();
    expect((await a.session.patch(`/v1/members/${bUserId}`).send({ role: 'member' })).status).toBe(200);
    const asB = request.agent(t.url).set('Authorization', `Bearer ${key.secret}`);
    expect((await asB.get('/v1/me')).body).toMatchObject({ role: 'member' });
    expect((await asB.post('/v1/api-keys').send({ name: 'escalate' })).status).toBe(403);
  });
});

describe('Idempotency-Key never stores or replays a secret', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ env: { RATE_LIMIT_MAX: '100000' } });
  });
  afterAll(() => t.close());

  it('bootstrap tokens and rotated node credentials: a retry acts again, nothing secret is kept', async () => {
    const op = (await operator(t)).session;
    const pop = await op.post('/v1/admin/pops').send({ code: `i${uniqueSuffix().slice(0, 6)}`, name: 'Idem', region: 'eu' });
    const node = await op.post('/v1/admin/edge-nodes').send({ pop_id: pop.body.id, name: `idem-${uniqueSuffix()}`, tunnel_source_ipv6: `fd00:f8:${uniqueSuffix().slice(0, 4)}::1` });
    expect(node.status).toBe(201);
    for (const [path, field] of [
      [`/v1/admin/fleet/edge-nodes/${node.body.id}/bootstrap-tokens`, 'token'],
      [`/v1/admin/fleet/edge-nodes/${node.body.id}/credentials/rotate`, 'credential'],
    ] as const) {
      const key = `k-${uniqueSuffix()}`;
      const first = await op.post(path).set('Idempotency-Key', key);
      const again = await op.post(path).set('Idempotency-Key', key);
      expect([first.status, again.status]).toEqual([201, 201]);
      expect(first.body[field]).toEqual(expect.any(String));
      expect(again.headers['idempotent-replayed']).toBeUndefined();
      expect(again.body[field]).not.toEqual(first.body[field]);
      const stored = await t.dataSource.query(`SELECT response_body::text AS body FROM idempotency_keys WHERE key = $1`, [key]);
      expect(stored.map((r: { body: string | null }) => r.body ?? '').join('')).not.toContain(first.body[field]);
      expect(stored.map((r: { body: string | null }) => r.body ?? '').join('')).not.toContain(again.body[field]);
    }
  });
});
