import { Injectable, Logger } from '@nestjs/common';
import { clientKey } from '@anyfront/domain';
import Redis from 'ioredis';
import { ProblemException } from '../common/problem';
import { InjectRedis } from '../common/redis.module';
import { AppConfig } from '../config';

const HOUR = 3600;
const DAY = 86_400;

// Counts one more signup in both windows; returns both counts and the seconds left of each.
const SCRIPT = `
local out = {}
for i, key in ipairs(KEYS) do
  local n = redis.call('INCR', key)
  if n == 1 then redis.call('EXPIRE', key, ARGV[i]) end
  local ttl = redis.call('TTL', key)
  if ttl < 0 then redis.call('EXPIRE', key, ARGV[i]); ttl = tonumber(ARGV[i]) end
  out[#out + 1] = n
  out[#out + 1] = ttl
end
return out`;

/**
 * Signups per client address (IPv6: per /64), per hour and per day (issue 8: one free signup could
 * drain the shared pools; many signups from one place must not either). A signup that fails
 * afterwards gives its unit back. Redis down: allowed and logged, like the request rate limit.
 */
@Injectable()
export class SignupLimiter {
  private readonly logger = new Logger('SignupLimiter');

  constructor(
    @InjectRedis() private readonly redis: Redis,
    private readonly config: AppConfig,
  ) {}

  /** Takes one signup for `ip` or throws 429 with Retry-After; returns the release for a failed signup. */
  async take(ip: string | undefined): Promise<() => Promise<void>> {
    const who = clientKey(ip);
    const keys: [string, string] = [`${this.config.redisKeyPrefix}signup:hour:${who}`, `${this.config.redisKeyPrefix}signup:day:${who}`];
    let counts: number[];
    try {
      counts = (await this.redis.eval(SCRIPT, keys.length, ...keys, HOUR, DAY)) as number[];
    } catch (err) {
      this.logger.warn(`signup limiter unavailable, signup allowed: ${(err as Error).message}`);
      return () => Promise.resolve();
    }
    const release = async () => {
      const [hourKey, dayKey] = keys;
      await this.redis.multi().decr(hourKey).decr(dayKey).exec().catch(() => undefined);
    };
    const [hourCount = 0, hourTtl = HOUR, dayCount = 0, dayTtl = DAY] = counts;
    const over =
      dayCount > this.config.signupLimitPerDay
        ? { limit: this.config.signupLimitPerDay, window: 'day', retry: dayTtl }
        : hourCount > this.config.signupLimitPerHour
          ? { limit: this.config.signupLimitPerHour, window: 'hour', retry: hourTtl }
          : null;
    if (over) {
      await release();
      throw new ProblemException(429, `At most ${over.limit} signups per ${over.window} from one network address. Retry after ${over.retry} s.`, {
        slug: 'signup-rate-limited',
        headers: { 'Retry-After': String(Math.max(1, over.retry)) },
      });
    }
    return release;
  }
}
