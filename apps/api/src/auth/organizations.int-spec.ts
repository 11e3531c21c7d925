import { signup } from '@anyfront/testing';
import { createTestApp, type TestApp } from '../testing';

describe('organizations of one account: list, create, switch', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ env: { ORGANIZATIONS_PER_ACCOUNT: '3', RATE_LIMIT_MAX: '100000' } });
  });
  afterAll(() => t.close());

  it('an owner creates a second organization, switches the session to it and back; each sees only its own data', async () => {
    const a = await signup(t);
    const first = await a.session.get('/v1/me/organizations');
    expect(first.status).toBe(200);
    expect(first.body).toEqual({ data: [{ id: a.organizationId, name: expect.any(String), role: 'owner', current: true }], can_create: 2 });

    const created = await a.session.post('/v1/organizations').send({ name: '  Example Labs ' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: 'Example Labs', role: 'owner', current: false });
    const secondId: string = created.body.id;
    // The first organization's service stays there.
    expect((await a.bearer.post('/v1/services').send({ name: 'web', listeners: [{ protocol: 'tcp', ports: '80' }] })).status).toBe(201);

    const switched = await a.session.post('/v1/auth/switch-organization').send({ organization_id: secondId });
    expect(switched.status).toBe(200);
    expect(switched.body.organization).toEqual({ id: secondId, name: 'Example Labs' });
    expect((await a.session.get('/v1/me')).body.organization.id).toBe(secondId);
    expect((await a.session.get('/v1/services')).body.data).toEqual([]);
    const listed = (await a.session.get('/v1/me/organizations')).body.data as Array<{ id: string; current: boolean }>;
    expect(listed.map((o) => [o.id, o.current])).toEqual([[a.organizationId, false], [secondId, true]]);

    expect((await a.session.post('/v1/auth/switch-organization').send({ organization_id: a.organizationId })).status).toBe(200);
    expect((await a.session.get('/v1/services')).body.data.map((s: { name: string }) => s.name)).toEqual(['web']);
    const audit = await t.dataSource.query(`SELECT action FROM audit_log WHERE target_id = $1`, [secondId]);
    expect(audit.map((r: { action: string }) => r.action)).toEqual(['organization.create']);
  });

  it('refuses another tenant\'s organization, API keys, bad input and more than ORGANIZATIONS_PER_ACCOUNT owned', async () => {
    const a = await signup(t);
    const b = await signup(t);
    // Another tenant's id and an unknown id answer alike, and the session stays where it was.
    for (const id of [b.organizationId, '00000000-0000-4000-8000-000000000000']) {
      const res = await a.session.post('/v1/auth/switch-organization').send({ organization_id: id });
      expect([res.status, res.body.errors?.[0]?.field]).toEqual([404, 'organization_id']);
    }
    expect((await a.session.get('/v1/me')).body.organization.id).toBe(a.organizationId);
    expect((await a.session.post('/v1/auth/switch-organization').send({ organization_id: 'x' })).body.errors[0].field).toBe('organization_id');
    expect((await a.session.post('/v1/organizations').send({ name: '' })).status).toBe(400);
    // An API key belongs to one organization: it can list it, not create or switch.
    expect((await a.bearer.get('/v1/me/organizations')).body).toEqual({ data: [{ id: a.organizationId, name: expect.any(String), role: 'owner', current: true }], can_create: 0 });
    expect((await a.bearer.post('/v1/organizations').send({ name: 'Via key' })).status).toBe(403);
    expect((await a.bearer.post('/v1/auth/switch-organization').send({ organization_id: a.organizationId })).status).toBe(403);

    // Three owned at most (the signup's and two more); concurrent creates cannot pass the limit together.
    const burst = await Promise.all([1, 2, 3, 4].map((i) => a.session.post('/v1/organizations').send({ name: `Org ${i}` })));
    expect(burst.map((r) => r.status).sort()).toEqual([201, 201, 403, 403]);
    const refused = burst.find((r) => r.status === 403)!;
    expect(refused.body).toMatchObject({ errors: [{ field: 'quota.organizations' }] });
    expect(refused.headers['content-type']).toMatch(/application\/problem\+json/);
    expect((await a.session.get('/v1/me/organizations')).body.can_create).toBe(0);
    const owned = await t.dataSource.query(`SELECT count(*)::int AS n FROM memberships m JOIN users u ON u.id = m.user_id WHERE u.email = $1 AND m.role = 'owner'`, [a.email]);
    expect(owned[0].n).toBe(3);
  });
});
