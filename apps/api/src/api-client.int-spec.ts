/**
 * The generated client against the real API (real Postgres and Redis): typed calls with an API
 * key, a session cookie from login(), typed problem errors, pagination, Idempotency-Key, and the
 * operator part.
 */
import { createTestApp, type TestApp } from './testing';
import { operator, uniqueSuffix } from '@anyfront/testing';
import {
  ApiProblemError,
  createAdminClient,
  createTenantClient,
  listAll,
  login,
  ok,
  signup,
  type Schemas,
  type TenantClient,
} from '@anyfront/api-client';

describe('@anyfront/api-client against the real API', () => {
  let t: TestApp;
  let tenant: TenantClient;
  let cookie: string;

  beforeAll(async () => {
    t = await createTestApp();
    const email = `client-${uniqueSuffix()}@example.com`;
    ({ cookie } = await signup({ baseUrl: t.url }, { email, password: 'client-test-password', organization_name: 'Client Ltd' }));
    const key = await ok(createTenantClient({ baseUrl: t.url, cookie }).POST('/v1/api-keys', { body: { name: 'client', role: 'owner' } }));
    tenant = createTenantClient({ baseUrl: t.url, bearer: key.secret!, timeoutMs: 30_000 });
  });
  afterAll(() => t?.close());

  it('creates and reads a service with typed bodies and answers (API key)', async () => {
    const created: Schemas['ServiceDto'] = await ok(tenant.POST('/v1/services', { body: { name: 'typed', listeners: [{ protocol: 'tcp', ports: '443' }], encapsulation: 'gue' } }));
    expect(created).toMatchObject({ name: 'typed', status: 'pending', encapsulation: 'gue', gue_port: 6080 });
    const got = await ok(tenant.GET('/v1/services/{id}', { params: { path: { id: created.id } } }));
    expect(got.deployment?.status).toBe('pending');
  });

  it('returns the problem of an error answer as `error`, and ok() throws it as ApiProblemError', async () => {
    const bad = await tenant.POST('/v1/services', { body: { name: 'bad', listeners: [{ protocol: 'tcp', ports: '0' }] } });
    expect(bad.response.status).toBe(400);
    expect(bad.error?.errors).toEqual([{ field: 'listeners[0].ports', message: expect.stringMatching(/not a port/) }]);

    const err = await ok(tenant.GET('/v1/services/{id}', { params: { path: { id: '00000000-0000-4000-8000-000000000000' } } })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiProblemError);
    expect(err).toMatchObject({ status: 404, problem: { type: 'urn:anyfront:problem:not-found', status: 404 } });
    expect((err as Error).message).toMatch(/^GET http:.*\/v1\/services\/0+-0000-4000-8000-0+: HTTP 404 Not found: /);
  });

  it('pages through a list with listAll', async () => {
    for (const name of ['p1', 'p2', 'p3']) await ok(tenant.POST('/v1/services', { body: { name, listeners: [{ protocol: 'udp', ports: '53' }] } }));
    const all = await listAll((cursor) => ok(tenant.GET('/v1/services', { params: { query: { limit: 2, cursor } } })));
    expect(all.map((s) => s.name)).toEqual(expect.arrayContaining(['typed', 'p1', 'p2', 'p3']));
    expect(new Set(all.map((s) => s.id)).size).toBe(all.length);
  });

  it('sends Idempotency-Key: a retried create returns the first service', async () => {
    const key = `idem-${uniqueSuffix()}`;
    const body = { name: 'idempotent', listeners: [{ protocol: 'tcp' as const, ports: '80' }] };
    const first = await ok(tenant.POST('/v1/services', { body, params: { header: { 'Idempotency-Key': key } } }));
    const again = await ok(tenant.POST('/v1/services', { body, params: { header: { 'Idempotency-Key': key } } }));
    expect(again.id).toBe(first.id);
  });

  it('uses the session cookie from login(), and a wrong password is a 401 problem', async () => {
    const session = createTenantClient({ baseUrl: t.url, cookie });
    expect((await ok(session.GET('/v1/me'))).credential).toBe('session');
    await expect(login({ baseUrl: t.url }, { email: 'nobody@example.com', password: 'wrong-password-123' })).rejects.toMatchObject({ status: 401 });
  });

  it('the operator part: an operator logs in and manages PoPs; a tenant key gets 403', async () => {
    const op = await operator(t);
    const admin = createAdminClient({ baseUrl: t.url, cookie: (await login({ baseUrl: t.url }, op)).cookie });
    const code = `c${uniqueSuffix()}`;
    const pop = await ok(admin.POST('/v1/admin/pops', { body: { code, name: 'Client PoP', region: 'eu-west' } }));
    expect(pop.code).toBe(code);
    const pops = await listAll((cursor) => ok(admin.GET('/v1/admin/pops', { params: { query: { limit: 200, cursor } } })));
    expect(pops.map((p) => p.id)).toContain(pop.id);
    const asTenant = createAdminClient({ baseUrl: t.url, bearer: (await ok(createTenantClient({ baseUrl: t.url, cookie }).POST('/v1/api-keys', { body: { name: 'x' } }))).secret! });
    expect((await asTenant.GET('/v1/admin/pops')).response.status).toBe(403);
  });
});
