import { CallHandler, ExecutionContext, HttpStatus, Injectable, NestInterceptor, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { InjectDataSource } from '@nestjs/typeorm';
import { createHash } from 'node:crypto';
import type { Request, Response } from 'express';
import { from, lastValueFrom, Observable } from 'rxjs';
import { IdempotencyKeysRepository } from '@anyfront/db';
import { DataSource } from 'typeorm';
import type { Principal, RequestWithPrincipal } from '../auth/principal';
import { canonicalJson } from './canonical-json';
import { ProblemException } from './problem';

export const IDEMPOTENCY_HEADER = 'idempotency-key';
const REDACT = 'anyfront:idempotencyRedact';

/**
 * Top-level response fields never stored for replay (e.g. a secret shown once): a replay
 * answers with the same resource, the field set to null.
 */
export const IdempotencyRedact = (...fields: string[]) => SetMetadata(REDACT, fields);

const NO_STORE = 'anyfront:idempotencyNoStore';
/**
 * For replies that are a fresh secret (a bootstrap token, a node credential): the key is released
 * after success instead of storing the reply, so nothing secret is kept and a retry acts again
 * (and gets a new secret, the previous one being superseded).
 */
export const IdempotencyNoStore = () => SetMetadata(NO_STORE, true);

/** Never stored, whatever the route declares: response fields with these names, at any depth. */
const SECRET_FIELDS = new Set(['secret', 'token', 'credential', 'password', 'push_token']);

function redactSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redactSecrets);
  if (!value || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, SECRET_FIELDS.has(k) ? null : redactSecrets(v)]));
}
const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;
/** How long a duplicate waits for the first request with the same key to finish. */
const WAIT_MS = 10_000;

/**
 * Idempotency-Key on POST. The key row is inserted BEFORE the handler runs (unique on
 * scope+key), so of two concurrent requests exactly one runs; the other waits for its result.
 * Same key + same request → the stored first response. Same key + different request → 422.
 * Failed requests (any 4xx/5xx) release the key so a corrected retry can use it.
 * Keys are scoped to the credential's owner (API key, or user + organization for sessions).
 */
@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  private readonly keys: IdempotencyKeysRepository;

  constructor(
    @InjectDataSource() ds: DataSource,
    private readonly reflector: Reflector,
  ) {
    // Kept 24 hours (IdempotencyKeysRepository's retention; the maintenance sweep deletes older keys).
    this.keys = new IdempotencyKeysRepository(ds.manager);
  }

  intercept(ctx: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (ctx.getType() !== 'http') return next.handle();
    const req = ctx.switchToHttp().getRequest<Request & RequestWithPrincipal>();
    const key = req.headers[IDEMPOTENCY_HEADER];
    if (req.method !== 'POST' || key === undefined || !req.principal) return next.handle();
    if (typeof key !== 'string' || !KEY_PATTERN.test(key)) {
      throw new ProblemException(400, 'The Idempotency-Key header must be 1 to 255 printable ASCII characters (a UUID is a good choice).', {
        slug: 'validation',
        errors: [{ field: 'header.Idempotency-Key', message: 'must be 1-255 printable ASCII characters' }],
      });
    }
    const redact = this.reflector.get<string[] | undefined>(REDACT, ctx.getHandler()) ?? [];
    const noStore = this.reflector.get<boolean | undefined>(NO_STORE, ctx.getHandler()) ?? false;
    return from(this.run(req, ctx.switchToHttp().getResponse<Response>(), key, next, redact, noStore));
  }

  private async run(req: Request & RequestWithPrincipal, res: Response, key: string, next: CallHandler, redact: string[], noStore: boolean): Promise<unknown> {
    const scope = scopeOf(req.principal!);
    const path = req.originalUrl.split('?')[0] ?? req.originalUrl;
    const hash = createHash('sha256').update(`${req.method} ${path}\n${canonicalJson(req.body ?? null)}`).digest('hex');
    const deadline = Date.now() + WAIT_MS;

    for (;;) {
      const claimed = await this.keys.claim({ scope, key, method: req.method, path, requestHash: hash });
      if (claimed) return this.runFirst(claimed, res, next, redact, noStore);

      const row = await this.keys.find(scope, key);
      if (!row) continue; // the first request failed and released the key: try to take it
      if (row.request_hash !== hash) {
        throw new ProblemException(422, `Idempotency-Key "${key}" was already used for a different request (another path or body). Use a new key for a new request.`, {
          slug: 'idempotency-key-reused',
          errors: [{ field: 'header.Idempotency-Key', message: 'was already used with a different request' }],
        });
      }
      if (row.response_status !== null) {
        res.status(row.response_status);
        res.setHeader('Idempotent-Replayed', 'true');
        return row.response_body;
      }
      if (Date.now() > deadline) {
        throw new ProblemException(409, `A request with Idempotency-Key "${key}" is still being processed. Retry in a moment to get its result.`, {
          slug: 'idempotency-key-in-progress',
          headers: { 'Retry-After': '1' },
        });
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  private async runFirst(id: string, res: Response, next: CallHandler, redact: string[], noStore: boolean): Promise<unknown> {
    let body: unknown;
    try {
      body = await lastValueFrom(next.handle(), { defaultValue: undefined });
    } catch (err) {
      await this.keys.release(id);
      throw err;
    }
    if (noStore) {
      await this.keys.release(id);
      return body;
    }
    // Stored as the client saw it (after JSON serialization), without secrets.
    const stored = body === undefined ? null : redactSecrets(JSON.parse(JSON.stringify(body)) as unknown);
    if (stored && typeof stored === 'object') for (const f of redact) if (f in stored) (stored as Record<string, unknown>)[f] = null;
    await this.keys.complete(id, res.statusCode || HttpStatus.CREATED, stored);
    return body;
  }
}

function scopeOf(p: Principal): string {
  return p.credential === 'api_key' ? `api_key:${p.credentialId}` : `user:${p.userId}:${p.organizationId ?? '-'}`;
}

