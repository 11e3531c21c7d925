import { signup, type Agent, type TestAccount } from '@anyfront/testing';
import { createTestApp, type TestApp } from './testing';

/**
 * Walks EVERY tenant route of the OpenAPI document (so new routes are covered automatically)
 * with a second organization's credentials against the first organization's resource ids:
 * each must answer 404 (or, for lists, show none of the first organization's data) and
 * change nothing.
 *
 * A route's path parameters are filled by the collection segment before them
 * (`/v1/services/{id}/backends/{backend_id}` → a service id, then a backend id). A route with a
 * segment that has no fixture below fails the test: add the fixture when you add a resource.
 */

/** Not tenant routes: operator-only, login, health and edge-agent endpoints. */
const NOT_TENANT = [/^\/v1\/admin(\/|$)/, /^\/v1\/auth\//, /^\/v1\/health$/, /^\/v1\/agents?(\/|$)/, /^\/v1\/openapi\.json$/];

type Method = 'get' | 'post' | 'patch' | 'put' | 'delete';
interface Route {
  method: Method;
  template: string;
}

interface Victim {
  account: TestAccount;
  /** Resource id per collection segment, e.g. { 'api-keys': '...', services: '...' }. */
  ids: Record<string, string>;
  /** Strings that must never appear in another organization's responses. */
  secrets: string[];
}

/** Bodies that pass validation, so the request reaches the ownership check. */
function bodyFor(route: Route): unknown {
  const t = route.template;
  if (/\/backends\/\{[^}]+\}$/.test(t)) return { weight: 1 };
  if (/\/backends$/.test(t)) return { address: '2001:db8:dead::1' };
  if (/\/services\/\{[^}]+\}$/.test(t)) return { name: 'hijacked' };
  if (/\/api-keys\/\{[^}]+\}$/.test(t)) return { name: 'hijacked' };
  if (/\/members\/\{[^}]+\}$/.test(t)) return { role: 'owner' };
  return {};
}

async function setUpVictim(t: TestApp, paths: Set<string>): Promise<Victim> {
  const a = await signup(t);
  const key = (await a.session.post('/v1/api-keys').send({ name: 'victim-key' })).body;
  const teammate = (await a.session.post('/v1/members').send({ email: `victim-member-${key.id.slice(0, 8)}@example.com`, password: 'victim-member-pw' })).body;
  const ids: Record<string, string> = { 'api-keys': key.id, members: teammate.id };
  const secrets = [a.organizationId, a.organizationName, key.id, key.prefix, 'victim-key', a.userId, a.email, teammate.id, teammate.email];
  if (paths.has('/v1/webhooks')) {
    // A public address literal: the SSRF check resolves nothing and accepts it.
    const hook = await a.bearer.post('/v1/webhooks').send({ url: 'https://45.67.89.10/victim-hook' });
    expect(hook.status).toBeLessThan(300);
    ids.webhooks = hook.body.id;
    secrets.push(hook.body.id, 'victim-hook', hook.body.secret);
  }
  if (paths.has('/v1/services')) {
    const svc = await a.bearer.post('/v1/services').send({ name: 'victim-service', listeners: [{ protocol: 'tcp', ports: '443' }] });
    expect(svc.status).toBeLessThan(300);
    ids.services = svc.body.id;
    secrets.push(svc.body.id, 'victim-service');
    const backend = await a.bearer.post(`/v1/services/${svc.body.id}/backends`).send({ address: '2001:db8:beef::1' });
    expect(backend.status).toBeLessThan(300);
    ids.backends = backend.body.id;
    secrets.push(backend.body.id, '2001:db8:beef::1');
  }
  return { account: a, ids, secrets };
}

function tenantRoutes(doc: { paths: Record<string, Record<string, unknown>> }): Route[] {
  const out: Route[] = [];
  for (const [template, item] of Object.entries(doc.paths)) {
    if (!template.startsWith('/v1/') || NOT_TENANT.some((re) => re.test(template))) continue;
    for (const method of Object.keys(item)) if (['get', 'post', 'patch', 'put', 'delete'].includes(method)) out.push({ method: method as Method, template });
  }
  return out;
}

/** Fills each {param} with the victim's id for the collection segment before it. */
function fill(template: string, ids: Record<string, string>): { url: string; missing: string | null } {
  const segs = template.split('/');
  let missing: string | null = null;
  const url = segs
    .map((s, i) => {
      if (!/^\{.+\}$/.test(s)) return s;
      const id = ids[segs[i - 1]];
      if (!id) missing ??= segs[i - 1];
      return id ?? 'missing';
    })
    .join('/');
  return { url, missing };
}

async function snapshot(t: TestApp, orgId: string): Promise<string> {
  const tables: Array<{ table_name: string }> = await t.dataSource.query(
    `SELECT table_name FROM information_schema.columns WHERE table_schema = 'public' AND column_name = 'organization_id' AND table_name <> 'audit_log' ORDER BY table_name`,
  );
  const parts: unknown[] = [];
  for (const { table_name } of tables) {
    parts.push(table_name, await t.dataSource.query(`SELECT to_jsonb(x) AS row FROM "${table_name}" x WHERE organization_id = $1 ORDER BY 1`, [orgId]));
  }
  // Children of services (backends, addresses) have no organization_id of their own.
  for (const child of ['backends', 'anycast_addresses']) {
    const exists = await t.dataSource.query(`SELECT 1 FROM information_schema.tables WHERE table_schema = 'public' AND table_name = $1`, [child]);
    if (exists.length) {
      parts.push(child, await t.dataSource.query(`SELECT to_jsonb(x) AS row FROM "${child}" x WHERE service_id IN (SELECT id FROM services WHERE organization_id = $1) ORDER BY 1`, [orgId]));
    }
  }
  return JSON.stringify(parts);
}

describe('tenant isolation', () => {
  let t: TestApp;
  let routes: Route[];
  let victim: Victim;
  let intruder: TestAccount;

  beforeAll(async () => {
    t = await createTestApp({ env: { RATE_LIMIT_MAX: '100000' } });
    const doc = (await t.http().get('/v1/openapi.json')).body;
    routes = tenantRoutes(doc);
    victim = await setUpVictim(t, new Set(Object.keys(doc.paths)));
    intruder = await signup(t);
  });
  afterAll(() => t.close());

  it('knows how to reach every tenant route (add a fixture for new resource collections)', () => {
    const names = routes.map((r) => `${r.method.toUpperCase()} ${r.template}`);
    // The walk must at least cover these; everything else in the document is picked up as it appears.
    expect(names).toEqual(expect.arrayContaining(['DELETE /v1/api-keys/{id}', 'GET /v1/services/{id}', 'PATCH /v1/services/{id}', 'DELETE /v1/services/{id}', 'POST /v1/services/{id}/backends', 'PATCH /v1/services/{id}/backends/{backend_id}', 'DELETE /v1/members/{id}']));
    const unmapped = routes.map((r) => fill(r.template, victim.ids).missing && `${r.method.toUpperCase()} ${r.template}`).filter(Boolean);
    expect(unmapped).toEqual([]);
  });

  it.each(['session', 'bearer'] as const)('another organization (%s) gets 404 for every id of the first and changes nothing', async (credential) => {
    const agent: Agent = intruder[credential === 'session' ? 'session' : 'bearer'];
    const before = await snapshot(t, victim.account.organizationId);
    const failures: string[] = [];
    for (const route of routes) {
      const { url, missing } = fill(route.template, victim.ids);
      if (missing) continue; // reported by the test above
      const hasParams = url !== route.template;
      let req = agent[route.method](url);
      if (['post', 'patch', 'put'].includes(route.method)) req = req.send(bodyFor(route) as object);
      const res = await req;
      const text = JSON.stringify(res.body);
      // Echoing the id the caller sent is not a leak; anything else of the victim's is.
      const leaked = victim.secrets.filter((s) => text.includes(s) && !url.includes(s));
      if (hasParams && res.status !== 404) failures.push(`${route.method.toUpperCase()} ${route.template}: ${res.status} instead of 404 ${text.slice(0, 200)}`);
      if (hasParams && res.status === 404 && !/problem\+json/.test(String(res.headers['content-type']))) failures.push(`${route.method.toUpperCase()} ${route.template}: 404 is not problem+json`);
      if (leaked.length) failures.push(`${route.method.toUpperCase()} ${route.template}: response mentions ${leaked.join(', ')}`);
    }
    expect(failures).toEqual([]);
    expect(await snapshot(t, victim.account.organizationId)).toEqual(before);
    // The victim's resources still work for the victim.
    for (const [segment, id] of Object.entries(victim.ids)) {
      if (segment === 'backends') continue;
      if (segment === 'api-keys' || segment === 'members' || segment === 'webhooks') continue; // no GET by id for these
      expect((await victim.account.bearer.get(`/v1/${segment}/${id}`)).status).toBe(200);
    }
    expect((await victim.account.bearer.get('/v1/api-keys')).body.data.map((k: { id: string }) => k.id)).toContain(victim.ids['api-keys']);
  });
});
