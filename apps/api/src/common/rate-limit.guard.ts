import { CanActivate, ExecutionContext, Injectable, Logger, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request, Response } from 'express';
import Redis from 'ioredis';
import { clientKey } from '@anyfront/domain';
import { AppConfig } from '../config';
import type { RequestWithPrincipal } from '../auth/principal';
import { ProblemException } from './problem';
import { InjectRedis } from './redis.module';

const SKIP = 'anyfront:skipRateLimit';
/**
 * Exempts a route or controller from the tenant rate limit: for platform-internal callers that
 * authenticate with their own guard (edge agents), which would otherwise share one per-IP bucket.
 */
export const SkipRateLimit = () => SetMetadata(SKIP, true);

// INCR + expiry for each key, in one round trip: KEYS[1] is the credential's (or address's) bucket,
// KEYS[2] (optional) the organization's, counted only while the credential is within ARGV[2].
// Returns { n1, ttl1[, n2, ttl2] }; a window starts with the first request in it.
const SCRIPT = `
local out = {}
for i, key in ipairs(KEYS) do
  if i > 1 and out[1] > tonumber(ARGV[2]) then break end
  local n = redis.call('INCR', key)
  if n == 1 then redis.call('PEXPIRE', key, ARGV[1]) end
  local ttl = redis.call('PTTL', key)
  if ttl < 0 then redis.call('PEXPIRE', key, ARGV[1]); ttl = tonumber(ARGV[1]) end
  out[#out + 1] = n
  out[#out + 1] = ttl
end
return out`;

/**
 * Per-credential fixed-window rate limit in Redis, so several API instances share the count.
 * Anonymous requests (signup, login) are counted per client IP. Runs after AuthGuard.
 * If Redis is unreachable the request is let through (and logged): losing the limiter must not
 * take the API down.
 */
@Injectable()
export class RateLimitGuard implements CanActivate {
  private readonly logger = new Logger('RateLimit');

  constructor(
    @InjectRedis() private readonly redis: Redis,
    private readonly config: AppConfig,
    private readonly reflector: Reflector,
  ) {}

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    if (ctx.getType() !== 'http') return true;
    if (this.reflector.getAllAndOverride<boolean>(SKIP, [ctx.getHandler(), ctx.getClass()])) return true;
    const req = ctx.switchToHttp().getRequest<Request & RequestWithPrincipal>();
    const res = ctx.switchToHttp().getResponse<Response>();
    const p = req.principal;
    // Anonymous callers by address; IPv6 by /64 (one subscriber's block), not per /128.
    const who = p ? `${p.credential}:${p.credentialId}` : `ip:${clientKey(req.ip)}`;
    const windowMs = this.config.rateLimitWindowSeconds * 1000;
    const max = this.config.rateLimitMax;

    let count: number;
    let ttlMs: number;
    try {
      const keys = [`${this.config.redisKeyPrefix}ratelimit:${who}`];
      // All of an organization's keys and sessions together, so more keys do not mean more budget.
      if (p?.organizationId) keys.push(`${this.config.redisKeyPrefix}ratelimit:org:${p.organizationId}`);
      const [n = 0, ttl = windowMs, orgCount, orgTtlMs = windowMs] = (await this.redis.eval(SCRIPT, keys.length, ...keys, windowMs, max)) as number[];
      [count, ttlMs] = [n, ttl];
      if (orgCount !== undefined && orgCount > this.config.rateLimitOrgMax) {
        const retry = Math.max(1, Math.ceil(orgTtlMs / 1000));
        throw new ProblemException(429, `More than ${this.config.rateLimitOrgMax} requests in ${this.config.rateLimitWindowSeconds} s for this organization (all its credentials together). Retry after ${retry} s.`, {
          slug: 'rate-limited',
          headers: { 'Retry-After': String(retry) },
        });
      }
    } catch (err) {
      if (err instanceof ProblemException) throw err;
      this.logger.warn(`rate limiter unavailable, request allowed: ${(err as Error).message}`);
      return true;
    }
    const resetSeconds = Math.max(1, Math.ceil(ttlMs / 1000));
    res.setHeader('RateLimit-Limit', String(max));
    res.setHeader('RateLimit-Remaining', String(Math.max(0, max - count)));
    res.setHeader('RateLimit-Reset', String(resetSeconds));
    if (count > max) {
      throw new ProblemException(429, `More than ${max} requests in ${this.config.rateLimitWindowSeconds} s for this credential. Retry after ${resetSeconds} s.`, {
        slug: 'rate-limited',
        headers: { 'Retry-After': String(resetSeconds) },
      });
    }
    return true;
  }
}
