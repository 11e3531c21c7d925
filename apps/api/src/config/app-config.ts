import { randomBytes } from 'node:crypto';
import { DEFAULT_TRAFFIC_RAW_RETENTION_DAYS, LOCAL_MODE, MAX_QUOTA, productionRefusals, type Quotas } from '@anyfront/domain';
import * as ipaddr from 'ipaddr.js';
import { z } from 'zod';

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

/** TRUST_PROXY → the value for Express's "trust proxy" setting; "!message" when invalid. */
export function parseTrustProxy(value: string): false | number | string {
  const v = value.trim().toLowerCase();
  if (v === '' || v === 'false' || v === '0' || v === 'no') return false;
  if (v === 'true') return '!"true" would let any client choose its address; name the proxies (addresses, CIDRs, "loopback") or a hop count';
  if (/^\d+$/.test(v)) return Number(v);
  const named = new Set(['loopback', 'linklocal', 'uniquelocal']);
  const items = v.split(',').map((s) => s.trim()).filter(Boolean);
  const bad = items.filter((i) => !named.has(i) && !ipaddr.isValid(i) && !isCidr(i));
  return bad.length ? `!not an address, CIDR or loopback/linklocal/uniquelocal: ${bad.join(', ')}` : items.join(',');
}

function isCidr(s: string): boolean {
  try {
    ipaddr.parseCIDR(s);
    return true;
  } catch {
    return false;
  }
}

const quota = z.coerce.number().int().min(0).max(MAX_QUOTA);

const schema = z.object({
  NODE_ENV: z.string().default('development'),
  /** "local": the npm start demo mode (demo seed, documentation addresses); refused in production. */
  ANYFRONT_MODE: z.enum([LOCAL_MODE]).optional(),
  API_PORT: z.coerce.number().int().min(0).max(65535).default(4000),
  DATABASE_URL: z.string({ error: 'is required, e.g. postgres://postgres@127.0.0.1:5432/anyfront' }).regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL'),
  REDIS_URL: z.string({ error: 'is required, e.g. redis://127.0.0.1:6379' }).regex(/^rediss?:\/\//, 'must be a redis:// URL'),
  /** Postgres connections of this API process. */
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(100).default(10),
  /** Days raw traffic samples are kept; older agent reports are refused (422). The worker prunes with the same setting. */
  TRAFFIC_RAW_RETENTION_DAYS: z.coerce.number().min(1).max(3650).default(DEFAULT_TRAFFIC_RAW_RETENTION_DAYS),
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
  /** Default notice before a relocated address is released (an operator may give another per relocation, or shorten it). */
  RELOCATION_NOTICE_DAYS: z.coerce.number().positive().max(365).default(7),
  /** Lab/demo only: accept documentation and unique-local backend addresses. */
  ALLOW_DOCUMENTATION_ADDRESSES: bool.default(false),
  /** Largest accepted request body, in bytes or with a unit understood by body-parser (e.g. "100kb"). */
  BODY_LIMIT: z.string().default('100kb'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Per-organization quota defaults (an operator overrides them per organization; later the billing plan). */
  QUOTA_SERVICES: quota.default(10),
  QUOTA_IPV4_ADDRESSES: quota.default(24),
  QUOTA_BACKENDS_PER_SERVICE: quota.default(64),
  QUOTA_BACKENDS_PER_ORGANIZATION: quota.default(256),
  QUOTA_API_KEYS: quota.default(25),
  /**
   * Which peers may set the client address with X-Forwarded-For: "false" (default: none, the TCP
   * peer is the client), a hop count, or addresses/CIDRs/"loopback"/"uniquelocal" separated by commas.
   */
  TRUST_PROXY: z.string().default('false').transform((v, ctx) => {
    const r = parseTrustProxy(v);
    if (typeof r === 'string' && r.startsWith('!')) {
      ctx.addIssue({ code: 'custom', message: r.slice(1) });
      return z.NEVER;
    }
    return r;
  }),
  /** Requests per organization (all its credentials together) per window, on top of RATE_LIMIT_MAX per credential. */
  RATE_LIMIT_ORG_MAX: z.coerce.number().int().positive().default(3000),
  /** Failed logins of one account before it is locked; each further failure doubles the lock (15 s first). */
  LOGIN_FREE_FAILURES: z.coerce.number().int().min(1).default(5),
  LOGIN_BACKOFF_MAX_SECONDS: z.coerce.number().int().min(1).default(900),
  /** Origins (besides the API's own) allowed to make cookie-authenticated changes, comma-separated, e.g. the portal's. */
  ALLOWED_ORIGINS: z.string().default('').transform((v, ctx) => {
    const out: string[] = [];
    for (const item of v.split(',').map((s) => s.trim()).filter(Boolean)) {
      let origin: string | null = null;
      try {
        const u = new URL(item);
        origin = (u.protocol === 'http:' || u.protocol === 'https:') && u.origin === item.replace(/\/$/, '') ? u.origin : null;
      } catch {
        origin = null;
      }
      if (!origin) ctx.addIssue({ code: 'custom', message: `"${item}" is not an origin such as https://portal.example.com` });
      else out.push(origin);
    }
    return out;
  }),
  /** Signups accepted from one client address (IPv6: its /64) per hour and per day. */
  SIGNUP_LIMIT_PER_HOUR: z.coerce.number().int().min(1).default(5),
  SIGNUP_LIMIT_PER_DAY: z.coerce.number().int().min(1).default(20),
  /** Organizations one account may own (each has its own quotas, so this bounds what one signup can hold). */
  ORGANIZATIONS_PER_ACCOUNT: z.coerce.number().int().min(1).default(3),
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
  /** Days a suspended organization's anycast addresses stay reserved for it. */
  BILLING_ADDRESS_RESERVE_DAYS: z.coerce.number().min(0).max(3650).default(30),
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
  readonly databasePoolSize!: number;
  readonly trafficRawRetentionDays!: number;
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
  readonly relocationNoticeDays!: number;
  readonly allowDocumentationAddresses!: boolean;
  readonly bodyLimit!: string;
  readonly logLevel!: string;
  /** Per-organization quota defaults; read them through QuotasService (effectiveQuotas), never directly. */
  readonly quotas!: Quotas;
  readonly signupLimitPerHour!: number;
  /** Express "trust proxy": false (default), a hop count, or a comma-separated list. */
  readonly trustProxy!: false | number | string;
  readonly rateLimitOrgMax!: number;
  readonly loginFreeFailures!: number;
  readonly loginBackoffMaxSeconds!: number;
  readonly allowedOrigins!: string[];
  readonly signupLimitPerDay!: number;
  readonly organizationsPerAccount!: number;
  readonly stripeSecretKey!: string | null;
  readonly stripeWebhookSecret!: string | null;
  readonly stripeApiHost!: string | null;
  readonly stripeApiPort!: number | null;
  readonly stripeApiProtocol!: 'http' | 'https' | null;
  readonly billingGraceDays!: number;
  readonly billingReturnUrl!: string;
  readonly billingAddressReserveDays!: number;

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
    databasePoolSize: e.DATABASE_POOL_SIZE,
    trafficRawRetentionDays: e.TRAFFIC_RAW_RETENTION_DAYS,
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
    relocationNoticeDays: e.RELOCATION_NOTICE_DAYS,
    allowDocumentationAddresses: e.ALLOW_DOCUMENTATION_ADDRESSES,
    bodyLimit: e.BODY_LIMIT,
    logLevel: e.LOG_LEVEL,
    quotas: {
      services: e.QUOTA_SERVICES,
      ipv4_addresses: e.QUOTA_IPV4_ADDRESSES,
      backends_per_service: e.QUOTA_BACKENDS_PER_SERVICE,
      backends_per_organization: e.QUOTA_BACKENDS_PER_ORGANIZATION,
      api_keys: e.QUOTA_API_KEYS,
    },
    signupLimitPerHour: e.SIGNUP_LIMIT_PER_HOUR,
    trustProxy: e.TRUST_PROXY,
    rateLimitOrgMax: e.RATE_LIMIT_ORG_MAX,
    loginFreeFailures: e.LOGIN_FREE_FAILURES,
    loginBackoffMaxSeconds: e.LOGIN_BACKOFF_MAX_SECONDS,
    allowedOrigins: e.ALLOWED_ORIGINS,
    signupLimitPerDay: e.SIGNUP_LIMIT_PER_DAY,
    organizationsPerAccount: e.ORGANIZATIONS_PER_ACCOUNT,
    stripeSecretKey: e.STRIPE_SECRET_KEY ?? null,
    stripeWebhookSecret: e.STRIPE_WEBHOOK_SECRET ?? null,
    stripeApiHost: e.STRIPE_API_HOST ?? null,
    stripeApiPort: e.STRIPE_API_PORT ?? null,
    stripeApiProtocol: e.STRIPE_API_PROTOCOL ?? null,
    billingGraceDays: e.BILLING_GRACE_DAYS,
    billingReturnUrl: e.BILLING_RETURN_URL,
    billingAddressReserveDays: e.BILLING_ADDRESS_RESERVE_DAYS,
  });
}
