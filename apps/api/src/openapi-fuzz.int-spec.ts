import { operator, signup, uniqueSuffix, type Agent } from '@anyfront/testing';
import fc from 'fast-check';
import request from 'supertest';
import { createTestApp, type TestApp } from './testing';

/**
 * Fuzzes EVERY operation of the OpenAPI document (new routes are covered automatically) with
 * values built from its own schemas, mixed with hostile ones (NUL, lone surrogates, CR/LF, deep
 * nesting, huge and negative numbers, odd cursors, wrong types, SQL- and path-shaped text), with
 * the credential the route expects and real ids for most path parameters so bodies get past the
 * lookup. Every answer must be below 500 and, when an error, application/problem+json.
 *
 * The seed is fixed so CI is reproducible; explore with `FUZZ_SEED=<n> FUZZ_RUNS=<n>`.
 */

type Schema = {
  $ref?: string;
  type?: string;
  enum?: unknown[];
  format?: string;
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  allOf?: Schema[];
  oneOf?: Schema[];
  anyOf?: Schema[];
  minimum?: number;
  maximum?: number;
  maxLength?: number;
  nullable?: boolean;
  additionalProperties?: boolean | Schema;
};
interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  schema?: Schema;
}
interface Operation {
  parameters?: Parameter[];
  requestBody?: { content: Record<string, { schema: Schema }> };
  security?: Array<Record<string, string[]>>;
}
interface Doc {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Schema> };
}

const SEED = Number(process.env.FUZZ_SEED ?? 20261201);
const RUNS = Number(process.env.FUZZ_RUNS ?? 8);

const deep = (levels: number): unknown => {
  let v: unknown = 1;
  for (let i = 0; i < levels; i++) v = i % 2 ? [v] : { x: v };
  return v;
};
const cursorWith = (t: unknown, i: unknown = '6f1c1f8e-3c1e-4c8e-9a43-0d6a1b2c3d4e') => Buffer.from(JSON.stringify({ t, i })).toString('base64url');

const hostileString = fc.constantFrom(
  '',
  'a\u0000b',
  '\u0000',
  'x\ud800y',
  '\udfff@example.com',
  'a\ud800@example.com',
  '/x\r\nHost: evil',
  '\r\n',
  "' OR 1=1 --",
  '"; DROP TABLE services; --',
  '../../../../etc/passwd',
  '%00',
  '%ZZ',
  '😀'.repeat(40),
  'x'.repeat(3000),
  '0',
  '-1',
  '1e309',
  'NaN',
  'March 7',
  '+275760-09-13T00:00:00.000Z',
  '0000-00-00T00:00:00Z',
  '1970-01-01T00:00:00.000Z',
  '9999-12-31T23:59:59.999Z',
  '255.255.255.255',
  '0.0.0.0/0',
  '::',
  '::ffff:127.0.0.1',
  'fe80::1%eth0',
  '169.254.169.254',
  '2001:db8::1',
  '00000000-0000-0000-0000-000000000000',
  'null',
  'true',
  '{}',
  '[]',
  cursorWith('0'),
  cursorWith('1'),
  cursorWith('March 7'),
  cursorWith('+275760-09-13T00:00:00.000Z'),
  cursorWith('2026-01-01T00:00:00.000Z', 'x'),
  cursorWith(1, 2),
);
const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  hostileString,
  fc.constantFrom(null, true, false, 0, -1, 1.5, 2 ** 53, -(2 ** 63), 1e308, -1e308, [], {}, [null], { a: '\u0000' }, deep(40), deep(2500)),
  fc.string({ maxLength: 30, unit: 'binary' }),
  fc.integer(),
  fc.double({ noNaN: true }),
);

function resolve(doc: Doc, schema: Schema | undefined): Schema {
  let s = schema ?? {};
  for (let i = 0; s.$ref && i < 10; i++) s = doc.components.schemas[s.$ref.replace('#/components/schemas/', '')] ?? {};
  if (s.allOf?.length === 1) return resolve(doc, s.allOf[0]);
  return s;
}

/** Plausible values for a schema: enum members, formatted strings, in-range numbers. */
function plausible(doc: Doc, schema: Schema | undefined, depth = 0): fc.Arbitrary<unknown> {
  const s = resolve(doc, schema);
  if (s.enum?.length) return fc.constantFrom(...s.enum);
  const alts = s.oneOf ?? s.anyOf;
  if (alts?.length) return fc.oneof(...alts.map((a) => plausible(doc, a, depth + 1)));
  switch (s.type) {
    case 'integer':
      return fc.integer({ min: s.minimum ?? -10, max: Math.min(s.maximum ?? 100_000, 2 ** 31) });
    case 'number':
      return fc.double({ min: s.minimum ?? -10, max: s.maximum ?? 1e6, noNaN: true });
    case 'boolean':
      return fc.boolean();
    case 'array':
      return depth > 4 ? fc.constant([]) : fc.array(plausible(doc, s.items, depth + 1), { maxLength: 3 });
    case 'string':
      return stringFor(s);
    default:
      if (s.properties && depth <= 4) return objectFor(doc, s, depth);
      return fc.oneof(fc.string({ maxLength: 10 }), fc.integer());
  }
}

function stringFor(s: Schema): fc.Arbitrary<string> {
  switch (s.format) {
    case 'uuid':
      return fc.uuid();
    case 'email':
      return fc.emailAddress();
    case 'date-time':
      return fc.date({ min: new Date('2000-01-01'), max: new Date('2100-01-01'), noInvalidDate: true }).map((d) => d.toISOString());
    case 'ipv4':
      return fc.ipV4();
    case 'ipv6':
      return fc.ipV6();
    case 'uri':
      return fc.webUrl();
    default:
      return fc.oneof(fc.string({ maxLength: Math.min(s.maxLength ?? 40, 40) }), fc.constantFrom('443', '80-81', '/healthz', '2001:db8::7', '192.0.2.9', 'tcp', 'http'));
  }
}

function objectFor(doc: Doc, s: Schema, depth: number): fc.Arbitrary<Record<string, unknown>> {
  const props = Object.entries(s.properties ?? {});
  const fields = Object.fromEntries(props.map(([k, v]) => [k, fc.oneof({ weight: 3, arbitrary: plausible(doc, v, depth + 1) }, { weight: 1, arbitrary: hostileValue })]));
  return fc.record(fields, { requiredKeys: (s.required ?? []).filter((k) => k in fields) });
}

/** A body: plausible from the schema, then sometimes one extra hostile field or a wholly hostile body. */
function bodyFor(doc: Doc, op: Operation): fc.Arbitrary<unknown> {
  const schema = op.requestBody?.content['application/json']?.schema;
  const base = schema ? plausible(doc, schema) : fc.constant(undefined);
  return fc.oneof(
    { weight: 4, arbitrary: base },
    { weight: 1, arbitrary: fc.tuple(base, hostileString, hostileValue).map(([b, k, v]) => (b && typeof b === 'object' && !Array.isArray(b) ? { ...b, [k || 'extra']: v } : { [k || 'extra']: v })) },
    { weight: 1, arbitrary: hostileValue },
  );
}

interface Credentials {
  operator: Agent;
  owner: Agent;
  node: Agent;
  anonymous: Agent;
}

function credentialFor(op: Operation, path: string, c: Credentials): Agent {
  const schemes = (op.security ?? []).flatMap((s) => Object.keys(s));
  if (!schemes.length) return c.anonymous;
  if (schemes.includes('node')) return c.node;
  return path.startsWith('/v1/admin') ? c.operator : c.owner;
}

/** Destructive operations last, so the fixtures they delete or revoke serve the others first. */
const destructive = (method: string, path: string) => method === 'delete' || /\/(revoke|rotate|logout)$/.test(path);

describe('OpenAPI fuzz: no input gives a 5xx', () => {
  let t: TestApp;
  let doc: Doc;
  let creds: Credentials;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    t = await createTestApp({ env: { RATE_LIMIT_MAX: '1000000', SIGNUP_LIMIT_PER_IP_PER_DAY: '1000000' } });
    doc = (await t.http().get('/v1/openapi.json')).body;
    const op = (await operator(t)).session;
    const tenant = await signup(t);
    const pop = await op.post('/v1/admin/pops').send({ code: `z${uniqueSuffix().slice(0, 6)}`, name: 'Fuzz', region: 'eu' });
    expect(pop.status).toBe(201);
    const node = await op.post('/v1/admin/edge-nodes').send({ pop_id: pop.body.id, name: `fuzz-${uniqueSuffix()}`, tunnel_source_ipv6: `fd00:f7:${uniqueSuffix().slice(0, 4)}::1` });
    expect(node.status).toBe(201);
    const token = await op.post(`/v1/admin/fleet/edge-nodes/${node.body.id}/bootstrap-tokens`);
    expect(token.status).toBe(201);
    const reg = await t.http().post('/v1/agent/register').send({ bootstrap_token: token.body.token, push_url: 'http://127.0.0.1:9/x' });
    expect(reg.status).toBe(201);
    const svc = await tenant.bearer.post('/v1/services').send({ name: 'fuzz', listeners: [{ protocol: 'tcp', ports: '443' }] });
    expect(svc.status).toBe(201);
    const backend = await tenant.bearer.post(`/v1/services/${svc.body.id}/backends`).send({ address: '2001:db8:f00::1' });
    expect(backend.status).toBe(201);
    const key = await tenant.session.post('/v1/api-keys').send({ name: 'fuzz-victim' });
    const mate = await tenant.session.post('/v1/members').send({ email: `fuzz-${uniqueSuffix()}@example.com`, password: 'fuzz-member-password-1' });
    const pools = await op.get('/v1/admin/pools');
    Object.assign(ids, {
      pops: pop.body.id,
      'edge-nodes': node.body.id,
      nodes: node.body.id,
      pools: pools.body.data[0]?.id ?? pop.body.id,
      services: svc.body.id,
      backends: backend.body.id,
      'api-keys': key.body.id,
      members: mate.body.id,
      organizations: tenant.organizationId,
    });
    creds = {
      operator: op,
      owner: tenant.bearer,
      node: request.agent(t.url).set('Authorization', `Bearer ${reg.body.credential}`),
      anonymous: request.agent(t.url),
    };
  });
  afterAll(() => t.close());

  it('answers every operation with < 500 and problem+json errors', async () => {
    const ops = Object.entries(doc.paths)
      .flatMap(([path, item]) => Object.entries(item).filter(([m]) => ['get', 'post', 'put', 'patch', 'delete'].includes(m)).map(([method, op]) => ({ path, method, op })))
      .sort((a, b) => Number(destructive(a.method, a.path)) - Number(destructive(b.method, b.path)));
    expect(ops.length).toBeGreaterThan(50);
    const failures: string[] = [];
    for (const { path, method, op } of ops) {
      const params = op.parameters ?? [];
      const pathParams = params.filter((p) => p.in === 'path');
      const queryParams = params.filter((p) => p.in === 'query');
      const segs = path.split('/');
      const idFor = (name: string) => ids[segs[segs.indexOf(`{${name}}`) - 1] ?? ''] ?? '00000000-0000-0000-0000-000000000000';
      const input = fc.record({
        path: fc.tuple(...pathParams.map((p) => fc.oneof({ weight: 5, arbitrary: fc.constant(idFor(p.name)) }, { weight: 1, arbitrary: hostileString }))),
        query: fc.tuple(...queryParams.map((p) => fc.option(fc.oneof(plausible(doc, p.schema).map(String), hostileString), { nil: undefined }))),
        body: bodyFor(doc, op),
      });
      await fc.assert(
        fc.asyncProperty(input, async ({ path: pv, query: qv, body }) => {
          let url = path;
          pathParams.forEach((p, i) => (url = url.replace(`{${p.name}}`, encodeURIComponent(String(pv[i])))));
          const qs = new URLSearchParams();
          queryParams.forEach((p, i) => qv[i] !== undefined && qs.set(p.name, String(qv[i])));
          const full = qs.size ? `${url}?${qs.toString()}` : url;
          const agent = credentialFor(op, path, creds);
          let req = (agent as unknown as Record<string, (u: string) => request.Test>)[method](full);
          if (body !== undefined && method !== 'get' && method !== 'delete') req = req.set('Content-Type', 'application/json').send(JSON.stringify(body));
          const res = await req;
          if (res.status >= 500 || (res.status >= 400 && !/^application\/problem\+json/.test(res.headers['content-type'] ?? ''))) {
            failures.push(`${method.toUpperCase()} ${full} ${JSON.stringify(body)?.slice(0, 300)} -> ${res.status} ${JSON.stringify(res.body).slice(0, 200)}`);
            return false;
          }
          return true;
        }),
        { seed: SEED, numRuns: RUNS, endOnFailure: true },
      ).catch(() => undefined);
    }
    expect(failures).toEqual([]);
  }, 120_000);
});
