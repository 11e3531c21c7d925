import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { uniqueEmail } from '@anyfront/testing';
import request from 'supertest';
import { createTestApp, type TestApp } from '../testing';

const run = promisify(execFile);
const root = path.resolve(__dirname, '../../../..');

describe('create-operator command', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  const createOperator = (...args: string[]) =>
    run(process.execPath, ['-r', './scripts/register.js', 'apps/api/src/cli/create-operator.ts', ...args], { cwd: root, env: process.env });

  it('creates an operator who can log in with the operator role; running it again resets the password', async () => {
    const email = uniqueEmail('ops');
    const { stdout } = await createOperator('--email', email);
    const password = /password: (\S+)/.exec(stdout)?.[1];
    expect(password).toBeDefined();
    const agent = request.agent(t.url);
    expect((await agent.post('/v1/auth/login').send({ email, password })).body.role).toBe('operator');

    await createOperator('--email', email, '--password', 'a-new-operator-password');
    expect((await request(t.url).post('/v1/auth/login').send({ email, password })).status).toBe(401);
    expect((await request(t.url).post('/v1/auth/login').send({ email, password: 'a-new-operator-password' })).status).toBe(200);
    expect((await t.dataSource.query('SELECT count(*)::int AS n FROM users WHERE email = $1', [email]))[0].n).toBe(1);
  }, 90_000); // two CLI start-ups (ts compile on the fly) on a loaded 2-core machine

  it('refuses a missing email or a short password', async () => {
    await expect(createOperator()).rejects.toMatchObject({ stderr: expect.stringMatching(/usage/) });
    await expect(createOperator('--email', uniqueEmail(), '--password', 'short')).rejects.toMatchObject({ stderr: expect.stringMatching(/at least 10/) });
  }, 90_000); // two CLI start-ups (ts compile on the fly) on a loaded 2-core machine
});
