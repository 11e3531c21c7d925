import { signup, uniqueEmail } from '@anyfront/testing';
import request from 'supertest';
import { createTestApp, type TestApp } from '../testing';

describe('organization members', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  const login = async (email: string, password: string) => {
    const agent = request.agent(t.url);
    const res = await agent.post('/v1/auth/login').send({ email, password });
    return { agent, res };
  };

  it('an owner adds a member who logs in with the member role; members cannot manage members', async () => {
    const a = await signup(t);
    const email = uniqueEmail('teammate');
    const created = await a.session.post('/v1/members').send({ email, password: 'teammate-password' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ email, role: 'member' });
    const { agent, res } = await login(email, 'teammate-password');
    expect(res.body).toMatchObject({ role: 'member', organization: { id: a.organizationId } });

    expect((await agent.post('/v1/members').send({ email: uniqueEmail(), password: 'another-password' })).status).toBe(403);
    expect((await agent.delete(`/v1/members/${a.userId}`)).status).toBe(403);
    const list = await agent.get('/v1/members');
    expect(list.status).toBe(200);
    expect(list.body.data.map((m: { email: string; role: string }) => [m.email, m.role])).toEqual([
      [a.email, 'owner'],
      [email, 'member'],
    ]);
    // An existing account is never pulled into another organization.
    const dup = await a.session.post('/v1/members').send({ email: a.email, password: 'whatever-long' });
    expect(dup.status).toBe(409);
    expect(dup.body.errors[0].field).toBe('email');
  });

  it('keeps at least one owner; removing a member ends their sessions', async () => {
    const a = await signup(t);
    expect((await a.session.patch(`/v1/members/${a.userId}`).send({ role: 'member' })).status).toBe(409);
    expect((await a.session.delete(`/v1/members/${a.userId}`)).status).toBe(409);

    const email = uniqueEmail('second');
    const second = (await a.session.post('/v1/members').send({ email, password: 'second-password', role: 'member' })).body;
    const promoted = await a.session.patch(`/v1/members/${second.id}`).send({ role: 'owner' });
    expect(promoted.body.role).toBe('owner');
    const { agent } = await login(email, 'second-password');
    expect((await agent.get('/v1/me')).body.role).toBe('owner');

    // Now the first owner may step down; then the second removes them.
    expect((await a.session.patch(`/v1/members/${a.userId}`).send({ role: 'member' })).body.role).toBe('member');
    expect((await agent.delete(`/v1/members/${a.userId}`)).status).toBe(204);
    expect((await a.session.get('/v1/me')).status).toBe(401);
    expect((await agent.get('/v1/members')).body.data.map((m: { id: string }) => m.id)).toEqual([second.id]);
  });

  it('other organizations get 404 and validation errors name the field', async () => {
    const a = await signup(t);
    const b = await signup(t);
    expect((await b.session.patch(`/v1/members/${a.userId}`).send({ role: 'member' })).status).toBe(404);
    expect((await b.session.delete(`/v1/members/${a.userId}`)).status).toBe(404);
    const bad = await a.session.post('/v1/members').send({ email: 'x', password: 'short', role: 'boss' });
    expect(bad.status).toBe(400);
    expect(bad.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(['email', 'password', 'role']);
  });
});
