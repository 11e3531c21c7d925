import * as argon2 from 'argon2';
import request from 'supertest';
import type { DataSource } from 'typeorm';
import { uniqueEmail, uniqueSuffix } from './unique';

/** What the helpers need from a running API (createTestApp in apps/api returns a superset). */
export interface TestTarget {
  /** Base URL of the listening API, e.g. http://127.0.0.1:41234 */
  url: string;
  dataSource: DataSource;
}

export type Agent = ReturnType<typeof request.agent>;

export interface TestAccount {
  email: string;
  password: string;
  userId: string;
  organizationId: string;
  organizationName: string;
  /** Supertest agent holding the session cookie. */
  session: Agent;
  /** Owner-role API key secret. */
  apiKey: string;
  /** Supertest agent that sends `Authorization: Bearer <apiKey>`. */
  bearer: Agent;
}

/** Supertest agent that authenticates with an API key on every request. */
export function bearerAgent(target: TestTarget, apiKey: string): Agent {
  return request.agent(target.url).set('Authorization', `Bearer ${apiKey}`);
}

/** Signs up a new organization through the API (owner session) and creates an owner API key. */
export async function signup(target: TestTarget, opts: { email?: string; password?: string; organizationName?: string } = {}): Promise<TestAccount> {
  const email = opts.email ?? uniqueEmail('owner');
  const password = opts.password ?? `pw-${uniqueSuffix()}-long-enough`;
  const organizationName = opts.organizationName ?? `Org ${uniqueSuffix()}`;
  const session = request.agent(target.url);
  const res = await session.post('/v1/auth/signup').send({ email, password, organization_name: organizationName });
  if (res.status !== 201) throw new Error(`signup failed: ${res.status} ${JSON.stringify(res.body)}`);
  const key = await session.post('/v1/api-keys').send({ name: 'test', role: 'owner' });
  if (key.status !== 201) throw new Error(`API key creation failed: ${key.status} ${JSON.stringify(key.body)}`);
  return {
    email,
    password,
    userId: res.body.user.id,
    organizationId: res.body.organization.id,
    organizationName,
    session,
    apiKey: key.body.secret,
    bearer: bearerAgent(target, key.body.secret),
  };
}

async function login(target: TestTarget, email: string, password: string): Promise<Agent> {
  const agent = request.agent(target.url);
  const res = await agent.post('/v1/auth/login').send({ email, password });
  if (res.status !== 200) throw new Error(`login failed: ${res.status} ${JSON.stringify(res.body)}`);
  return agent;
}

/** Adds a member (role "member") to an organization directly in the database and logs them in. */
export async function member(target: TestTarget, organizationId: string): Promise<{ email: string; password: string; userId: string; session: Agent }> {
  const email = uniqueEmail('member');
  const password = `pw-${uniqueSuffix()}-long-enough`;
  const [user] = await target.dataSource.query('INSERT INTO users (email, password_hash) VALUES ($1, $2) RETURNING id', [email, await argon2.hash(password)]);
  await target.dataSource.query(`INSERT INTO memberships (user_id, organization_id, role) VALUES ($1, $2, 'member')`, [user.id, organizationId]);
  return { email, password, userId: user.id, session: await login(target, email, password) };
}

/** Creates a platform operator directly in the database (as the create-operator command does) and logs in. */
export async function operator(target: TestTarget): Promise<{ email: string; password: string; userId: string; session: Agent }> {
  const email = uniqueEmail('operator');
  const password = `pw-${uniqueSuffix()}-long-enough`;
  const [user] = await target.dataSource.query('INSERT INTO users (email, password_hash, is_operator) VALUES ($1, $2, true) RETURNING id', [
    email,
    await argon2.hash(password),
  ]);
  return { email, password, userId: user.id, session: await login(target, email, password) };
}
