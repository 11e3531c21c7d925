import { createTenantClient, ok, type AdminClient, type TenantClient } from './index';

/** A fetch that records each request and answers with `status` and `body`. */
function recorder(status = 200, body: unknown = { status: 'ok' }, contentType = 'application/json') {
  const seen: Request[] = [];
  const fetch = async (req: Request) => {
    seen.push(req);
    return new Response(JSON.stringify(body), { status, headers: { 'content-type': contentType } });
  };
  return { seen, fetch };
}

describe('client options', () => {
  it('joins the base URL and path, and sends an API key as a bearer token', async () => {
    const r = recorder();
    const api = createTenantClient({ baseUrl: 'http://api.test:4000/', bearer: 'afk_secret', fetch: r.fetch });
    await api.GET('/v1/services/{id}', { params: { path: { id: 'abc' } } });
    expect(r.seen[0].url).toBe('http://api.test:4000/v1/services/abc');
    expect(r.seen[0].headers.get('authorization')).toBe('Bearer afk_secret');
    expect(r.seen[0].headers.get('cookie')).toBeNull();
  });

  it('reads a bearer function for every request, and sends a session cookie server side', async () => {
    const r = recorder();
    let n = 0;
    const api = createTenantClient({ baseUrl: 'http://api.test', bearer: () => `t${++n}`, cookie: 'anyfront_session=s1', fetch: r.fetch });
    await api.GET('/v1/me');
    await api.GET('/v1/me');
    expect(r.seen.map((q) => q.headers.get('authorization'))).toEqual(['Bearer t1', 'Bearer t2']);
    expect(r.seen[0].headers.get('cookie')).toBe('anyfront_session=s1');
  });

  it('ok() returns the data of a 2xx answer and throws the problem of an error answer', async () => {
    const good = recorder(200, { status: 'ok' });
    expect(await ok(createTenantClient({ baseUrl: 'http://api.test', fetch: good.fetch }).GET('/v1/health'))).toEqual({ status: 'ok' });
    const problem = { type: 'urn:anyfront:problem:validation', title: 'Invalid request', status: 400, detail: 'name: too long', errors: [{ field: 'name', message: 'too long' }] };
    const bad = recorder(400, problem, 'application/problem+json');
    const err = await ok(createTenantClient({ baseUrl: 'http://api.test', fetch: bad.fetch }).POST('/v1/services', { body: { name: 'x', listeners: [] } })).catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'ApiProblemError', status: 400, problem });
    expect((err as { fieldError: (f: string) => string | undefined }).fieldError('name')).toBe('too long');
  });
});

// Compile-time checks (`npm run typecheck`): the parts keep to their routes and bodies are typed.
export function typeChecks(tenant: TenantClient, admin: AdminClient): void {
  // @ts-expect-error the tenant part has no operator routes
  void tenant.GET('/v1/admin/pops');
  // @ts-expect-error the operator part has no tenant service routes
  void admin.GET('/v1/services');
  // @ts-expect-error listener ports are a string such as "443"
  void tenant.POST('/v1/services', { body: { name: 'x', listeners: [{ protocol: 'tcp', ports: 443 }] } });
  // @ts-expect-error encapsulation is one of the vocabulary's values
  void tenant.PATCH('/v1/services/{id}', { params: { path: { id: 'x' } }, body: { encapsulation: 'gre' } });
  void admin.POST('/v1/admin/pops', { body: { code: 'ams', name: 'Amsterdam', region: 'eu-west' } });
}
