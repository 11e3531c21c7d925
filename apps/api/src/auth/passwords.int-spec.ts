import { Logger } from '@nestjs/common';
import { signup, uniqueEmail } from '@anyfront/testing';
import request from 'supertest';
import { createTestApp, type TestApp } from '../testing';

const STRONG = 'correct horse battery staple 7';
const STRONGER = 'violet tractor mumbles quietly 42';

describe('passwords: strength, change, reset', () => {
  let t: TestApp;
  let warn: jest.SpyInstance;
  beforeAll(async () => {
    // The local demo mode prints reset tokens to the log (no mailer); the test reads them there.
    t = await createTestApp({ env: { ANYFRONT_MODE: 'local', RATE_LIMIT_MAX: '100000' } });
    warn = jest.spyOn(Logger.prototype, 'warn');
  });
  afterAll(async () => {
    warn.mockRestore();
    await t.close();
  });

  const login = (email: string, password: string) => request.agent(t.url).post('/v1/auth/login').send({ email, password });
  const tokenFor = (email: string): string => {
    const line = warn.mock.calls.map((c) => String(c[0])).reverse().find((m) => m.startsWith(`password reset for ${email}: token `));
    const token = line?.match(/token (afr_[A-Za-z0-9_-]+)/)?.[1];
    if (!token) throw new Error(`no reset token logged for ${email}`);
    return token;
  };

  it('refuses common and guessable passwords from the maintained list, naming the field', async () => {
    for (const password of ['password123', 'qwertyuiop', '1234567890', 'iloveyou12']) {
      const res = await t.http().post('/v1/auth/signup').send({ email: uniqueEmail('weak'), password, organization_name: 'Weak' });
      expect({ password, status: res.status, field: res.body.errors?.[0]?.field }).toEqual({ password, status: 400, field: 'password' });
      expect(res.body.errors[0].message).toMatch(/too easy to guess/);
    }
    const a = await signup(t);
    const member = await a.session.post('/v1/members').send({ email: uniqueEmail('m'), password: 'password1234' });
    expect(member.status).toBe(400);
    expect((await t.http().post('/v1/auth/signup').send({ email: uniqueEmail('ok'), password: STRONG, organization_name: 'Strong' })).status).toBe(201);
  });

  it('change: needs the current password, refuses weak ones, ends the other sessions', async () => {
    const a = await signup(t);
    const other = request.agent(t.url);
    expect((await other.post('/v1/auth/login').send({ email: a.email, password: a.password })).status).toBe(200);
    expect((await a.session.post('/v1/me/password').send({ current_password: 'wrong-password-x', new_password: STRONG })).status).toBe(403);
    const weak = await a.session.post('/v1/me/password').send({ current_password: a.password, new_password: 'abcdefghij' });
    expect(weak.status).toBe(400);
    expect(weak.body.errors[0].field).toBe('new_password');
    expect((await a.bearer.post('/v1/me/password').send({ current_password: a.password, new_password: STRONG })).status).toBe(403);
    expect((await a.session.post('/v1/me/password').send({ current_password: a.password, new_password: STRONG })).status).toBe(204);
    expect((await a.session.get('/v1/me')).status).toBe(200); // this session stays
    expect((await other.get('/v1/me')).status).toBe(401); // the others end
    expect((await login(a.email, a.password)).status).toBe(401);
    expect((await login(a.email, STRONG)).status).toBe(200);
  });

  it('reset: same answer for unknown accounts; a one-time, one-hour token printed in local mode; all sessions end', async () => {
    const a = await signup(t);
    const unknown = await t.http().post('/v1/auth/password-reset').send({ email: uniqueEmail('nobody') });
    const known = await t.http().post('/v1/auth/password-reset').send({ email: a.email });
    expect([unknown.status, known.status]).toEqual([202, 202]);
    expect(unknown.body).toEqual(known.body);
    const token = tokenFor(a.email);
    const stored = await t.dataSource.query('SELECT token_hash FROM password_reset_tokens t JOIN users u ON u.id = t.user_id WHERE u.email = $1', [a.email]);
    expect(JSON.stringify(stored)).not.toContain(token); // only its hash is kept

    expect((await t.http().post('/v1/auth/password-reset/confirm').send({ token, new_password: 'password123' })).status).toBe(400);
    expect((await t.http().post('/v1/auth/password-reset/confirm').send({ token, new_password: STRONGER })).status).toBe(204);
    expect((await a.session.get('/v1/me')).status).toBe(401);
    expect((await login(a.email, STRONGER)).status).toBe(200);
    const reused = await t.http().post('/v1/auth/password-reset/confirm').send({ token, new_password: STRONG });
    expect(reused.status).toBe(400);
    expect(reused.body.errors[0].field).toBe('token');

    // Expired tokens are refused too.
    await t.http().post('/v1/auth/password-reset').send({ email: a.email });
    const late = tokenFor(a.email);
    await t.dataSource.query(`UPDATE password_reset_tokens SET expires_at = now() - interval '1 second' WHERE user_id = (SELECT id FROM users WHERE email = $1)`, [a.email]);
    expect((await t.http().post('/v1/auth/password-reset/confirm').send({ token: late, new_password: STRONG })).status).toBe(400);
  });
});
