import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createTestApp, type TestApp } from './testing';

/**
 * The API contract, read from what the running API serves at /v1/openapi.json:
 * - it is exactly the committed apps/api/openapi.json (generated without a database by
 *   `npm run openapi`, the source of the typed client in libs/api-client);
 * - every route declares its 2xx response (with a JSON schema unless it is 204/No Content), a
 *   summary, who may call it, and its problem+json responses: 404 where it takes a path id, 400
 *   where it takes a body or query, 401 where it needs a credential.
 */

interface Operation {
  summary?: string;
  security?: unknown[];
  parameters?: Array<{ in: string; name: string }>;
  requestBody?: unknown;
  responses: Record<string, { content?: Record<string, { schema?: { $ref?: string } }> }>;
}

const METHODS = ['get', 'post', 'put', 'patch', 'delete'];
const PROBLEM_REF = '#/components/schemas/ProblemDto';

/** Every way an operation falls short of the contract (empty when it is complete). */
export function contractGaps(doc: { paths: Record<string, Record<string, Operation>> }): string[] {
  const gaps: string[] = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(item)) {
      if (!METHODS.includes(method)) continue;
      const at = `${method.toUpperCase()} ${path}`;
      const success = Object.keys(op.responses).filter((s) => /^2\d\d$/.test(s));
      if (!success.length) gaps.push(`${at}: no 2xx response`);
      for (const s of success) {
        if (s !== '204' && !op.responses[s].content?.['application/json']?.schema) gaps.push(`${at}: ${s} has no JSON schema`);
      }
      if (!op.summary) gaps.push(`${at}: no summary`);
      if (!Array.isArray(op.security)) gaps.push(`${at}: no security requirement (use [] for public routes)`);
      const problems = Object.keys(op.responses).filter((s) => /^4\d\d$/.test(s));
      if (!problems.length) gaps.push(`${at}: no 4xx problem response`);
      for (const s of problems) {
        if (op.responses[s].content?.['application/problem+json']?.schema?.$ref !== PROBLEM_REF) gaps.push(`${at}: ${s} is not an application/problem+json Problem`);
      }
      const params = op.parameters ?? [];
      const needs: Array<[string, boolean]> = [
        ['404', params.some((p) => p.in === 'path')],
        ['400', op.requestBody !== undefined || params.some((p) => p.in === 'query')],
        ['401', (op.security?.length ?? 0) > 0],
      ];
      for (const [status, needed] of needs) if (needed && !problems.includes(status)) gaps.push(`${at}: no ${status} problem response`);
    }
  }
  return gaps;
}

describe('OpenAPI contract', () => {
  let t: TestApp;
  let live: { paths: Record<string, Record<string, Operation>> };

  beforeAll(async () => {
    t = await createTestApp();
    const res = await t.http().get('/v1/openapi.json');
    expect(res.status).toBe(200);
    live = res.body;
  });
  afterAll(() => t?.close());

  it('serves exactly the committed apps/api/openapi.json (run `npm run openapi` after changing a route or DTO)', () => {
    const committed = JSON.parse(readFileSync(join(__dirname, '..', 'openapi.json'), 'utf8'));
    expect(live).toEqual(committed);
  });

  it('declares for every route its 2xx schema, summary, security and problem responses', () => {
    expect(Object.keys(live.paths).length).toBeGreaterThan(40);
    expect(contractGaps(live)).toEqual([]);
  });

  it('finds a route without a 2xx schema, without problem responses or without a summary (negative control)', () => {
    const broken = structuredClone(live);
    const op = broken.paths['/v1/services/{id}'].get;
    delete op.responses['200'].content;
    delete op.responses['404'];
    delete op.summary;
    expect(contractGaps(broken)).toEqual([
      'GET /v1/services/{id}: 200 has no JSON schema',
      'GET /v1/services/{id}: no summary',
      'GET /v1/services/{id}: no 404 problem response',
    ]);
  });
});
