import { HttpException, NotFoundException } from '@nestjs/common';
import { canonicalJson } from './canonical-json';
import { toProblem } from './error-mapping';
import { findHostileInput, MAX_JSON_DEPTH } from './input-guard';
import { decodeCursor, encodeCursor } from './pagination';
import { ProblemException } from './problem';
import { flattenValidationErrors } from './validation';

describe('canonicalJson', () => {
  it('is independent of key order at every depth and keeps array order', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, 1], c: null } })).toBe(canonicalJson({ a: { c: null, d: [2, 1] }, b: 1 }));
    expect(canonicalJson({ a: [1, 2] })).not.toBe(canonicalJson({ a: [2, 1] }));
    expect(canonicalJson({ a: undefined, b: 1 })).toBe('{"b":1}');
  });
});

describe('flattenValidationErrors', () => {
  it('builds field paths for nested objects and arrays and reports only the type error for wrongly typed values', () => {
    const flat = flattenValidationErrors([
      { property: 'name', constraints: { isString: 'name must be a string', maxLength: 'name must be shorter than or equal to 100 characters' }, children: [] },
      {
        property: 'listeners',
        children: [{ property: '0', children: [{ property: 'ports', constraints: { matches: 'ports must look like 443 or 8000-8100' }, children: [] }] }],
      },
      { property: 'extra', constraints: { whitelistValidation: 'property extra should not exist' }, children: [] },
    ]);
    expect(flat).toEqual([
      { field: 'name', message: 'must be a string' },
      { field: 'listeners[0].ports', message: 'must look like 443 or 8000-8100' },
      { field: 'extra', message: 'is not a known field; remove it' },
    ]);
  });
});

describe('cursor', () => {
  it('round-trips and refuses anything it did not issue with a field error', () => {
    const pos = { t: '2026-11-26T12:00:00.123Z', i: '6f1c1f8e-3c1e-4c8e-9a43-0d6a1b2c3d4e' };
    expect(decodeCursor(encodeCursor(pos))).toEqual(pos);
    const withTime = (t: string) => encodeCursor({ t, i: pos.i });
    // Date.parse accepts every one of these time parts; Postgres refused them with a 500.
    const oddTimes = ['0', '1', 'March 7', '+275760-09-13T00:00:00.000Z', '2026-02-30T00:00:00.000Z', '2026-11-26', '0000-01-01T00:00:00.000Z', '2026-11-26T12:00:00Z'];
    for (const bad of ['', 'garbage', Buffer.from('{"t":"x","i":"y"}').toString('base64url'), Buffer.from('[1]').toString('base64url'), ...oddTimes.map(withTime)]) {
      try {
        decodeCursor(bad);
        throw new Error('accepted');
      } catch (err) {
        expect(err).toBeInstanceOf(ProblemException);
        expect((err as ProblemException).problem.errors[0].field).toBe('cursor');
      }
    }
  });
});

describe('toProblem', () => {
  it('hides unexpected errors behind a generic 500', () => {
    const { problem, unexpected } = toProblem(new Error('password=hunter2 at db.internal:5432'));
    expect(unexpected).toBe(true);
    expect(problem.status).toBe(500);
    expect(JSON.stringify(problem)).not.toMatch(/hunter2|db\.internal/);
  });
  it('maps body-parser errors and Nest HTTP errors', () => {
    expect(toProblem({ type: 'entity.too.large', status: 413, limit: 1024 }, '1kb').problem).toMatchObject({ status: 413, errors: [{ field: 'body' }] });
    expect(toProblem({ type: 'entity.parse.failed', status: 400, message: 'Unexpected token' }).problem).toMatchObject({ status: 400, errors: [{ field: 'body' }] });
    expect(toProblem(new NotFoundException('Cannot GET /v1/x')).problem.detail).toMatch(/GET \/v1\/x is not an API route/);
    expect(toProblem(new HttpException('nope', 405)).problem).toMatchObject({ status: 405, detail: 'nope' });
  });
});

describe('findHostileInput', () => {
  const nested = (depth: number): unknown => {
    let v: unknown = 'leaf';
    for (let i = 0; i < depth; i++) v = i % 2 ? [v] : { a: v };
    return v;
  };
  it('passes ordinary bodies, including non-BMP characters as surrogate pairs', () => {
    expect(findHostileInput({ name: 'web 🚀', listeners: [{ protocol: 'tcp', ports: '443' }], health_check: { path: '/' } }, '')).toBeNull();
    expect(findHostileInput(nested(MAX_JSON_DEPTH), '')).toBeNull();
    expect(findHostileInput(undefined, '')).toBeNull();
  });
  it('refuses deep nesting without recursing (100,000 levels)', () => {
    expect(findHostileInput(nested(MAX_JSON_DEPTH + 1), '')).toMatchObject({ message: expect.stringMatching(/nested too deeply/) });
    expect(findHostileInput(nested(100_000), '')).toMatchObject({ message: expect.stringMatching(/nested too deeply/) });
  });
  it('refuses NUL characters and lone surrogates in values and keys, naming the field', () => {
    expect(findHostileInput({ name: 'a\u0000b' }, '')).toEqual({ field: 'name', message: expect.stringMatching(/NUL/) });
    expect(findHostileInput({ listeners: [{ ports: '\u0000' }] }, '')).toEqual({ field: 'listeners[0].ports', message: expect.stringMatching(/NUL/) });
    expect(findHostileInput({ email: 'a\ud800@example.com' }, '')).toEqual({ field: 'email', message: expect.stringMatching(/lone surrogate/) });
    expect(findHostileInput({ email: '\udc00' }, '')).toMatchObject({ field: 'email' });
    expect(findHostileInput({ ['k\u0000']: 1 }, '')).toMatchObject({ field: 'body', message: expect.stringMatching(/key/) });
    expect(findHostileInput({ cursor: 'x\u0000' }, 'query')).toEqual({ field: 'query.cursor', message: expect.stringMatching(/NUL/) });
  });
});
