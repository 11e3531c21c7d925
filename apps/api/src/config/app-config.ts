import { randomBytes } from 'node:crypto';
import { LOCAL_MODE, productionRefusals } from '@anyfront/domain';
import { z } from 'zod';

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const schema = z.object({
  NODE_ENV: z.string().default('development'),
  /** "local": the npm start demo mode (demo seed, documentation addresses); refused in production. */
  ANYFRONT_MODE: z.enum([LOCAL_MODE]).optional(),
  API_PORT: z.coerce.number().int().min(0).max(65535).default(4000),
  DATABASE_URL: z.string({ error: 'is required, e.g. postgres://postgres@127.0.0.1:5432/anyfront' }).regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL'),
  REDIS_URL: z.string({ error: 'is required, e.g. redis://127.0.0.1:6379' }).regex(/^rediss?:\/\//, 'must be a redis:// URL'),
  /** Prefix for every Redis key the API writes (rate limits); lets several deployments share one Redis. */
  REDIS_KEY_PREFIX: z.string().default('anyfront:'),
  /** BullMQ queue prefix; the worker must use the same value. */
  QUEUE_PREFIX: z.string().default('anyfront'),
  /** Key for hashing session tokens (HMAC-SHA256). Required outside development and test. */
  SESSION_SECRET: z.string().min(16, 'must be at least 16 characters').optional(),
  SESSION_COOKIE_NAME: z.string().default('anyfront_session'),
  /** Forced on (and "false" refused) when NODE_ENV=production. */
  SESSION_COOKIE_SECURE: bool.optional(),
  SESSION_TTL_HOURS: z.coerce.number().positive().default(24 * 7),
  /** Requests allowed per credential (or per client IP when anonymous) per window. */
  RATE_LIMIT_MAX: z.coerce.number().int().positive().default(600),
  RATE_LIMIT_WINDOW_SECONDS: z.coerce.number().int().positive().default(60),
  /** Days a released anycast address stays quarantined before reuse. */
  QUARANTINE_DAYS: z.coerce.number().min(0).default(7),
  /** Lab/demo only: accept documentation and unique-local backend addresses. */
  ALLOW_DOCUMENTATION_ADDRESSES: bool.default(false),
  /** Largest accepted request body, in bytes or with a unit understood by body-parser (e.g. "100kb"). */
  BODY_LIMIT: z.string().default('100kb'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Unset: local-ledger billing (usage rated, local statements, nothing collected). */
  STRIPE_SECRET_KEY: z.string().regex(/^(sk|rk)_(test|live)_/, 'must be a Stripe secret or restricted key (sk_test_..., sk_live_...)').optional(),
  /** Signing secret of the webhook endpoint (whsec_...); webhooks are refused without it. */
  STRIPE_WEBHOOK_SECRET: z.string().min(8).optional(),
  /** Point the SDK elsewhere than api.stripe.com (tests: the Stripe test server). */
  STRIPE_API_HOST: z.string().optional(),
  STRIPE_API_PORT: z.coerce.number().int().min(1).max(65535).optional(),
  STRIPE_API_PROTOCOL: z.enum(['http', 'https']).optional(),
  /** Days between a failed payment and the withdrawal of the organization's services. */
  BILLING_GRACE_DAYS: z.coerce.number().min(0).default(7),
  /** Where Stripe Checkout and the customer portal send the customer back (the portal's billing page). */
  BILLING_RETURN_URL: z.string().url().default('http://localhost:3000/billing'),
});

/**
 * The API's configuration, read and validated once at start-up. Inject it (it is a class, so it
 * works as a Nest token): `constructor(private readonly config: AppConfig) {}`.
 */
export class AppConfig {
  readonly nodeEnv!: string;
  /** "local" in the npm start demo mode. */
  readonly mode!: string | null;
  readonly apiPort!: number;
  readonly databaseUrl!: string;
  readonly redisUrl!: string;
  readonly redisKeyPrefix!: string;
  readonly queuePrefix!: string;
  readonly sessionSecret!: string;
  readonly sessionCookieName!: string;
  readonly sessionCookieSecure!: boolean;
  readonly sessionTtlHours!: number;
  readonly rateLimitMax!: number;
  readonly rateLimitWindowSeconds!: number;
  readonly quarantineDays!: number;
  readonly allowDocumentationAddresses!: boolean;
  readonly bodyLimit!: string;
  readonly logLevel!: string;
  readonly stripeSecretKey!: string | null;
  readonly stripeWebhookSecret!: string | null;
  readonly stripeApiHost!: string | null;
  readonly stripeApiPort!: number | null;
  readonly stripeApiProtocol!: 'http' | 'https' | null;
  readonly billingGraceDays!: number;
  readonly billingReturnUrl!: string;

  constructor(values: AppConfig) {
    Object.assign(this, values);
  }
}

const PROCESS_SESSION_SECRET = randomBytes(32).toString('base64url');

/** Throws one error that lists every bad or missing setting. */
export function loadConfig(env: Record<string, string | undefined> = process.env): AppConfig {
  // Empty strings mean "unset" (e.g. `FOO= npm start`).
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = schema.safeParse(cleaned);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new Error(`Invalid API configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  const devLike = e.NODE_ENV === 'development' || e.NODE_ENV === 'test';
  const refusals = productionRefusals({
    nodeEnv: e.NODE_ENV,
    mode: e.ANYFRONT_MODE,
    sessionSecret: e.SESSION_SECRET,
    allowDocumentationAddresses: e.ALLOW_DOCUMENTATION_ADDRESSES,
    sessionCookieSecure: e.SESSION_COOKIE_SECURE,
  });
  if (!e.SESSION_SECRET && !devLike) refusals.unshift('SESSION_SECRET: required when NODE_ENV is not development or test');
  if (refusals.length) throw new Error(`Invalid API configuration:\n${refusals.map((r) => `  ${r}`).join('\n')}`);
  return new AppConfig({
    nodeEnv: e.NODE_ENV,
    mode: e.ANYFRONT_MODE ?? null,
    apiPort: e.API_PORT,
    databaseUrl: e.DATABASE_URL,
    redisUrl: e.REDIS_URL,
    redisKeyPrefix: e.REDIS_KEY_PREFIX,
    queuePrefix: e.QUEUE_PREFIX,
    // Never a constant: without a secret (development and test only) each process makes its own,
    // so sessions last as long as the process (npm start keeps one in .data/).
    sessionSecret: e.SESSION_SECRET ?? PROCESS_SESSION_SECRET,
    sessionCookieName: e.SESSION_COOKIE_NAME,
    sessionCookieSecure: e.NODE_ENV === 'production' ? true : (e.SESSION_COOKIE_SECURE ?? false),
    sessionTtlHours: e.SESSION_TTL_HOURS,
    rateLimitMax: e.RATE_LIMIT_MAX,
    rateLimitWindowSeconds: e.RATE_LIMIT_WINDOW_SECONDS,
    quarantineDays: e.QUARANTINE_DAYS,
    allowDocumentationAddresses: e.ALLOW_DOCUMENTATION_ADDRESSES,
    bodyLimit: e.BODY_LIMIT,
    logLevel: e.LOG_LEVEL,
    stripeSecretKey: e.STRIPE_SECRET_KEY ?? null,
    stripeWebhookSecret: e.STRIPE_WEBHOOK_SECRET ?? null,
    stripeApiHost: e.STRIPE_API_HOST ?? null,
    stripeApiPort: e.STRIPE_API_PORT ?? null,
    stripeApiProtocol: e.STRIPE_API_PROTOCOL ?? null,
    billingGraceDays: e.BILLING_GRACE_DAYS,
    billingReturnUrl: e.BILLING_RETURN_URL,
  });
}
