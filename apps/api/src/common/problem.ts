import { HttpException, HttpStatus } from '@nestjs/common';
import type { Response } from 'express';

/** One field at fault. `field` is a path into the request, e.g. "listeners[0].ports" or "query.limit". */
export interface FieldError {
  field: string;
  message: string;
}

/** RFC 9457 problem details; the only error shape the API returns. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  errors: FieldError[];
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

export const problemType = (slug: string) => `urn:anyfront:problem:${slug}`;

const TITLES: Partial<Record<number, [slug: string, title: string]>> = {
  400: ['bad-request', 'Bad request'],
  401: ['unauthenticated', 'Authentication required'],
  402: ['payment-required', 'Payment required'],
  403: ['forbidden', 'Forbidden'],
  404: ['not-found', 'Not found'],
  405: ['method-not-allowed', 'Method not allowed'],
  409: ['conflict', 'Conflict'],
  413: ['payload-too-large', 'Request body too large'],
  415: ['unsupported-media-type', 'Unsupported media type'],
  422: ['unprocessable', 'Request cannot be processed'],
  429: ['rate-limited', 'Too many requests'],
  500: ['internal', 'Internal server error'],
  503: ['unavailable', 'Service unavailable'],
};

export function defaultTitle(status: number): [slug: string, title: string] {
  return TITLES[status] ?? (status >= 500 ? ['internal', 'Internal server error'] : ['bad-request', 'Bad request']);
}

/**
 * Throw this from any layer to answer with a specific problem:
 * `throw new ProblemException(409, 'A pool with this prefix exists', { slug: 'pool-overlap', errors: [{ field: 'prefix', message: '...' }] })`.
 */
export class ProblemException extends HttpException {
  readonly problem: Problem;
  readonly headers: Record<string, string>;

  constructor(
    status: number,
    detail: string,
    opts: { slug?: string; title?: string; errors?: FieldError[]; headers?: Record<string, string> } = {},
  ) {
    super(detail, status);
    const [slug, title] = defaultTitle(status);
    this.problem = {
      type: problemType(opts.slug ?? slug),
      title: opts.title ?? title,
      status,
      detail,
      errors: opts.errors ?? [],
    };
    this.headers = opts.headers ?? {};
  }
}

/** Shorthands for the common cases. */
export const problems = {
  validation: (errors: FieldError[], detail?: string) =>
    new ProblemException(HttpStatus.BAD_REQUEST, detail ?? summarize(errors), { slug: 'validation', title: 'Invalid request', errors }),
  field: (status: number, field: string, message: string, slug?: string) =>
    new ProblemException(status, `${field}: ${message}`, { slug, errors: [{ field, message }] }),
  notFound: (what: string, id?: string) =>
    new ProblemException(HttpStatus.NOT_FOUND, id ? `No ${what} with id ${id} exists (or it belongs to another organization).` : `No such ${what}.`, {
      slug: 'not-found',
    }),
  conflict: (detail: string, field?: string, slug = 'conflict') =>
    new ProblemException(HttpStatus.CONFLICT, detail, { slug, errors: field ? [{ field, message: detail }] : [] }),
  forbidden: (detail: string) => new ProblemException(HttpStatus.FORBIDDEN, detail),
  unauthenticated: (detail = 'Log in, or send an API key as "Authorization: Bearer <key>".') =>
    new ProblemException(HttpStatus.UNAUTHORIZED, detail, { headers: { 'WWW-Authenticate': 'Bearer realm="anyfront"' } }),
};

function summarize(errors: FieldError[]): string {
  if (!errors.length) return 'The request is invalid.';
  const first = errors.slice(0, 3).map((e) => `${e.field}: ${e.message}`);
  return `The request is invalid: ${first.join('; ')}${errors.length > 3 ? ` (and ${errors.length - 3} more)` : ''}.`;
}

export function sendProblem(res: Response, problem: Problem, headers: Record<string, string> = {}): void {
  if (res.headersSent) return;
  for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
  res.status(problem.status).type(PROBLEM_CONTENT_TYPE).send(JSON.stringify(problem));
}
