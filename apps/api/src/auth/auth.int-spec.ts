import { member, operator, signup, uniqueEmail } from '@anyfront/testing';
import request from 'supertest';
import { createTestApp, type TestApp } from '../testing';

describe('accounts and sessions', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  it('signup creates an organization and its owner and sets an HttpOnly SameSite=Lax session cookie', async () => {
    const email = uniqueEmail();
    const res = await t.http().post('/v1/auth/signup').send({ email: email.toUpperCase(), password: 'correct horse battery', organization_name: ' Acme ' });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ user: { email }, organization: { name: 'Acme' }, role: 'owner', credential: 'session' });
    const cookie = String(res.headers['set-cookie']);
    expect(cookie).toMatch(/^anyfront_session=[\w-]{40,};/);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Lax/);
    expect(cookie).not.toMatch(/Secure/);
    const hash = await t.dataSource.query('SELECT password_hash FROM users WHERE email = $1', [email]);
    expect(hash[0].password_hash).toMatch(/^\$argon2id\$/);
  });

  it('refuses a second signup with the same email in any letter case', async () => {
    const a = await signup(t);
    const res = await t.http().post('/v1/auth/signup').send({ email: a.email.toUpperCase(), password: 'another password', organization_name: 'X' });
    expect(res.status).toBe(409);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(res.body.errors).toEqual([{ field: 'email', message: expect.stringMatching(/already exists/) }]);
  });

  it('validates signup input with field errors', async () => {
    const res = await t.http().post('/v1/auth/signup').send({ email: 'nope', password: 'short', organization_name: '' });
    expect(res.status).toBe(400);
    expect(res.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(['email', 'organization_name', 'password']);
  });

  it('login, /v1/me and logout with the session cookie', async () => {
    const a = await signup(t);
    const agent = request.agent(t.url);
    expect((await agent.post('/v1/auth/login').send({ email: a.email, password: 'wrong password!' })).status).toBe(401);
    const login = await agent.post('/v1/auth/login').send({ email: a.email.toUpperCase(), password: a.password });
    expect(login.status).toBe(200);
    const me = await agent.get('/v1/me');
    expect(me.status).toBe(200);
    expect(me.body).toEqual({ user: { id: a.userId, email: a.email }, organization: { id: a.organizationId, name: a.organizationName }, role: 'owner', credential: 'session' });
    const logout = await agent.post('/v1/auth/logout');
    expect(logout.status).toBe(204);
    expect(String(logout.headers['set-cookie'])).toMatch(/anyfront_session=;/);
    // The server forgot the session: even the old cookie no longer works.
    const old = String(login.headers['set-cookie']).split(';')[0];
    expect((await t.http().get('/v1/me').set('Cookie', old)).status).toBe(401);
  });

  it('expired sessions and sessions of removed members stop working', async () => {
    const a = await signup(t);
    expect((await a.session.get('/v1/me')).status).toBe(200);
    await t.dataSource.query(`UPDATE sessions SET expires_at = now() - interval '1 second' WHERE user_id = $1`, [a.userId]);
    expect((await a.session.get('/v1/me')).status).toBe(401);

    const m = await member(t, a.organizationId);
    expect((await m.session.get('/v1/me')).status).toBe(200);
    await t.dataSource.query('DELETE FROM memberships WHERE user_id = $1', [m.userId]);
    expect((await m.session.get('/v1/me')).status).toBe(401);
  });

  it('sets the Secure flag when configured', async () => {
    const secure = await createTestApp({ env: { SESSION_COOKIE_SECURE: 'true' } });
    try {
      const res = await secure.http().post('/v1/auth/signup').send({ email: uniqueEmail(), password: 'correct horse battery', organization_name: 'S' });
      expect(String(res.headers['set-cookie'])).toMatch(/; Secure/);
    } finally {
      await secure.close();
    }
  });

  it('rejects requests without credentials with 401 problem+json', async () => {
    const res = await t.http().get('/v1/me');
    expect(res.status).toBe(401);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(res.body).toMatchObject({ status: 401, title: expect.any(String), detail: expect.stringMatching(/Bearer/) });
    expect(res.headers['www-authenticate']).toBe('Bearer realm="anyfront"');
  });

  it('an operator logs in with the operator role; a member with the member role', async () => {
    const op = await operator(t);
    expect((await op.session.get('/v1/me')).body).toMatchObject({ role: 'operator', organization: null });
    const a = await signup(t);
    const m = await member(t, a.organizationId);
    expect((await m.session.get('/v1/me')).body).toMatchObject({ role: 'member', organization: { id: a.organizationId } });
  });
});
