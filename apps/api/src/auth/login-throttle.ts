import { createHash } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import Redis from 'ioredis';
import { ProblemException } from '../common/problem';
import { InjectRedis } from '../common/redis.module';
import { AppConfig } from '../config';

/** Failures of one account are remembered this long after the last one. */
const FAILURE_MEMORY_SECONDS = 3600;
/** The first lock after the free failures; each further failure doubles it up to the maximum. */
const FIRST_LOCK_SECONDS = 15;

/** Seconds an account stays locked after its `failures`-th failure in a row (0: not locked). */
export function loginBackoffSeconds(failures: number, freeFailures: number, maxSeconds: number): number {
  if (failures < freeFailures) return 0;
  return Math.min(maxSeconds, FIRST_LOCK_SECONDS * 2 ** Math.min(failures - freeFailures, 20));
}

/**
 * Per-account login throttle with exponential backoff (issue 8: throttling was per IP only, so
 * rotating addresses allowed unlimited guesses at one account). Keyed by a hash of the lower-cased
 * email whether or not the account exists, so the answer reveals nothing. A success clears it.
 * Redis down: allowed and logged, like the other limiters.
 */
@Injectable()
export class LoginThrottle {
  private readonly logger = new Logger('LoginThrottle');

  constructor(
    @InjectRedis() private readonly redis: Redis,
    private readonly config: AppConfig,
  ) {}

  private keys(email: string) {
    const h = createHash('sha256').update(email.trim().toLowerCase()).digest('hex').slice(0, 32);
    return { fails: `${this.config.redisKeyPrefix}login:fails:${h}`, lock: `${this.config.redisKeyPrefix}login:lock:${h}` };
  }

  /** Throws 429 with Retry-After while the account is locked. */
  async check(email: string): Promise<void> {
    let ttl: number;
    try {
      ttl = await this.redis.ttl(this.keys(email).lock);
    } catch (err) {
      this.logger.warn(`login throttle unavailable, login allowed: ${(err as Error).message}`);
      return;
    }
    if (ttl > 0) throw locked(ttl);
  }

  async failed(email: string): Promise<void> {
    const k = this.keys(email);
    try {
      const [[, n]] = (await this.redis.multi().incr(k.fails).expire(k.fails, FAILURE_MEMORY_SECONDS).exec()) as [[unknown, number], unknown];
      const lock = loginBackoffSeconds(n, this.config.loginFreeFailures, this.config.loginBackoffMaxSeconds);
      if (lock > 0) await this.redis.set(k.lock, '1', 'EX', lock);
    } catch (err) {
      this.logger.warn(`login throttle unavailable: ${(err as Error).message}`);
    }
  }

  async succeeded(email: string): Promise<void> {
    const k = this.keys(email);
    await this.redis.del(k.fails, k.lock).catch(() => undefined);
  }
}

function locked(seconds: number): ProblemException {
  return new ProblemException(429, `Too many failed logins for this account; try again in ${seconds} s (or reset the password).`, {
    slug: 'login-throttled',
    headers: { 'Retry-After': String(seconds) },
  });
}
