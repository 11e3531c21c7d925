import { z } from 'zod';
import { DEFAULT_QUEUE_PREFIX } from '@anyfront/contracts';
import { DEFAULT_TRAFFIC_RAW_RETENTION_DAYS, LOCAL_MODE, productionRefusals } from '@anyfront/domain';
import { LOG_LEVELS, type LogLevel } from '@anyfront/logging';

const schema = z.object({
  DATABASE_URL: z.string().min(1, 'DATABASE_URL is required (e.g. postgres://postgres@127.0.0.1:5432/anyfront)'),
  REDIS_URL: z.string().min(1).default('redis://127.0.0.1:6379'),
  QUEUE_PREFIX: z.string().min(1).default(DEFAULT_QUEUE_PREFIX),
  /** Days a deleted service's addresses stay in quarantine before reuse. */
  QUARANTINE_DAYS: z.coerce.number().min(0).max(3650).default(7),
  /** Jobs one worker process runs at once. */
  WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(256).default(4),
  /** How often services waiting for pool capacity (or stuck pending) are retried. */
  SLOT_RETRY_INTERVAL_SECONDS: z.coerce.number().int().min(1).max(86400).default(30),
  /** The outbox relay's poll when no LISTEN notification arrives (normally it is woken at each commit). */
  OUTBOX_POLL_INTERVAL_MS: z.coerce.number().int().min(50).max(60_000).default(1000),
  /** Outbox rows moved to BullMQ per transaction. */
  OUTBOX_BATCH_SIZE: z.coerce.number().int().min(1).max(10_000).default(500),
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(100).default(10),
  LOG_LEVEL: z.enum(LOG_LEVELS).default('info'),
  // Read only for the production guard: the worker shares the API's environment in a deployment,
  // and must not run a production fleet from a demo database or with demo settings either.
  NODE_ENV: z.string().default('development'),
  ANYFRONT_MODE: z.enum([LOCAL_MODE]).optional(),
  ALLOW_DOCUMENTATION_ADDRESSES: z.enum(['true', 'false', '1', '0', 'yes', 'no']).optional(),
  SESSION_SECRET: z.string().optional(),
  /** Unset: local-ledger billing (the worker closes local monthly statements). */
  STRIPE_SECRET_KEY: z.string().optional(),
  /** Days from a failed payment until the organization is suspended (fractions allowed: tests and the lab). */
  BILLING_GRACE_DAYS: z.coerce.number().min(0).max(365).default(7),
  /** How often past-due organizations are checked for the end of their grace period. */
  BILLING_SWEEP_INTERVAL_SECONDS: z.coerce.number().int().min(1).max(86400).default(60),
  /** Parallel fleet-sync jobs per worker process (pushes are I/O bound). */
  FLEET_SYNC_CONCURRENCY: z.coerce.number().int().min(1).max(256).default(16),
  /** How often nodes whose state is out of date are re-enqueued (repairs lost jobs, e.g. a killed worker). */
  FLEET_SWEEP_INTERVAL_SECONDS: z.coerce.number().int().min(1).max(3600).default(10),
  /** How often every node's state is recomputed regardless of notifications (identical states change nothing). */
  FLEET_FULL_RESYNC_SECONDS: z.coerce.number().int().min(10).max(86400).default(300),
  /** A node whose agent has not confirmed its newest generation is pushed again after this long without a push attempt. */
  FLEET_REPUSH_AFTER_SECONDS: z.coerce.number().int().min(1).max(86400).default(60),
  /** Timeout of one push to an agent. */
  FLEET_PUSH_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(10_000),
  TRAFFIC_ROLLUP_INTERVAL_SECONDS: z.coerce.number().int().min(1).max(3600).default(60),
  TRAFFIC_PRUNE_INTERVAL_SECONDS: z.coerce.number().int().min(60).max(86400).default(3600),
  /** Raw traffic samples older than this are pruned (the API refuses older reports with the same setting). */
  TRAFFIC_RAW_RETENTION_DAYS: z.coerce.number().min(1).max(3650).default(DEFAULT_TRAFFIC_RAW_RETENTION_DAYS),
  /** Days a suspended organization's addresses stay reserved; then they are released through quarantine. */
  BILLING_ADDRESS_RESERVE_DAYS: z.coerce.number().min(0).max(3650).default(30),
  /** Point the SDK elsewhere than api.stripe.com (tests: the Stripe test server). */
  STRIPE_API_HOST: z.string().optional(),
  STRIPE_API_PORT: z.coerce.number().int().min(1).max(65535).optional(),
  STRIPE_API_PROTOCOL: z.enum(['http', 'https']).optional(),
  /** An hour's usage is exported to Stripe this long after it closed (traffic roll-up lag). */
  BILLING_EXPORT_DELAY_MINUTES: z.coerce.number().int().min(0).max(1440).default(10),
  /** How often closed hours are measured into meter events and the export outbox is drained. */
  BILLING_EXPORT_INTERVAL_SECONDS: z.coerce.number().int().min(1).max(86400).default(300),
  /** How often relocations whose notice has ended are looked for (a shortened notice is released at once through the outbox). */
  RELOCATION_SWEEP_INTERVAL_SECONDS: z.coerce.number().int().min(1).max(86400).default(60),
});

export interface WorkerConfig {
  databaseUrl: string;
  redisUrl: string;
  queuePrefix: string;
  quarantineDays: number;
  concurrency: number;
  slotRetryIntervalSeconds: number;
  databasePoolSize: number;
  outboxPollIntervalMs: number;
  outboxBatchSize: number;
  /** pino level of the worker's log (default info). */
  logLevel?: LogLevel;
  /** NODE_ENV; "production" makes main refuse to start while demo credentials are usable. */
  nodeEnv?: string;
  /** Stripe mode when set; local-ledger mode (local statements) when absent. */
  stripeSecretKey?: string | null;
  /** Grace period after a failed payment, in seconds (default 7 days). */
  billingGraceSeconds?: number;
  billingSweepIntervalSeconds?: number;
  syncConcurrency: number;
  sweepIntervalSeconds: number;
  fullResyncSeconds: number;
  pushTimeoutMs: number;
  /** Lab/local mode (ANYFRONT_MODE=local or ALLOW_DOCUMENTATION_ADDRESSES): pushes may use plain HTTP and loopback. */
  pushLabMode: boolean;
  /** ANYFRONT_MODE=local: tenant webhooks may go to http:// and loopback/private receivers. */
  webhookLocalMode: boolean;
  repushAfterSeconds: number;
  rollupIntervalSeconds: number;
  pruneIntervalSeconds: number;
  rawRetentionDays: number;
  billingAddressReserveSeconds?: number;
  stripeApi?: { host?: string; port?: number; protocol?: 'http' | 'https' };
  billingExportDelaySeconds?: number;
  billingExportIntervalSeconds?: number;
  relocationSweepIntervalSeconds?: number;
}

export const WORKER_CONFIG = Symbol('WORKER_CONFIG');
/** The control plane's desired-state signing key (StateSigningKeys from @anyfront/state-signing); the API loads the same one. */
export const STATE_SIGNING_KEYS = Symbol('STATE_SIGNING_KEYS');

/**
 * The worker's one configuration, read once at start (main) from the environment and validated as
 * a whole: every bad setting is listed. An empty string means unset (e.g. `FOO= npm start`).
 */

export function loadWorkerConfig(env: NodeJS.ProcessEnv = process.env): WorkerConfig {
  const parsed = schema.safeParse(Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== '')));
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`).join('\n');
    throw new Error(`worker configuration is invalid:\n${lines}`);
  }
  const e = parsed.data;
  const refusals = productionRefusals({
    nodeEnv: e.NODE_ENV,
    mode: e.ANYFRONT_MODE,
    sessionSecret: e.SESSION_SECRET,
    allowDocumentationAddresses: ['true', '1', 'yes'].includes(e.ALLOW_DOCUMENTATION_ADDRESSES ?? 'false'),
  });
  if (refusals.length) throw new Error(`worker configuration is invalid:\n${refusals.map((r) => `  ${r}`).join('\n')}`);
  return {
    databaseUrl: e.DATABASE_URL,
    redisUrl: e.REDIS_URL,
    queuePrefix: e.QUEUE_PREFIX,
    quarantineDays: e.QUARANTINE_DAYS,
    concurrency: e.WORKER_CONCURRENCY,
    slotRetryIntervalSeconds: e.SLOT_RETRY_INTERVAL_SECONDS,
    databasePoolSize: e.DATABASE_POOL_SIZE,
    outboxPollIntervalMs: e.OUTBOX_POLL_INTERVAL_MS,
    outboxBatchSize: e.OUTBOX_BATCH_SIZE,
    logLevel: e.LOG_LEVEL,
    nodeEnv: e.NODE_ENV,
    stripeSecretKey: e.STRIPE_SECRET_KEY || null,
    billingGraceSeconds: Math.round(e.BILLING_GRACE_DAYS * 86_400),
    billingSweepIntervalSeconds: e.BILLING_SWEEP_INTERVAL_SECONDS,
    syncConcurrency: e.FLEET_SYNC_CONCURRENCY,
    sweepIntervalSeconds: e.FLEET_SWEEP_INTERVAL_SECONDS,
    fullResyncSeconds: e.FLEET_FULL_RESYNC_SECONDS,
    pushTimeoutMs: e.FLEET_PUSH_TIMEOUT_MS,
    webhookLocalMode: e.ANYFRONT_MODE === LOCAL_MODE,
    pushLabMode: e.ANYFRONT_MODE === LOCAL_MODE || ['true', '1', 'yes'].includes(e.ALLOW_DOCUMENTATION_ADDRESSES ?? 'false'),
    repushAfterSeconds: e.FLEET_REPUSH_AFTER_SECONDS,
    rollupIntervalSeconds: e.TRAFFIC_ROLLUP_INTERVAL_SECONDS,
    pruneIntervalSeconds: e.TRAFFIC_PRUNE_INTERVAL_SECONDS,
    rawRetentionDays: e.TRAFFIC_RAW_RETENTION_DAYS,
    billingAddressReserveSeconds: Math.round(e.BILLING_ADDRESS_RESERVE_DAYS * 86_400),
    relocationSweepIntervalSeconds: e.RELOCATION_SWEEP_INTERVAL_SECONDS,
    stripeApi: {
      ...(e.STRIPE_API_HOST ? { host: e.STRIPE_API_HOST } : {}),
      ...(e.STRIPE_API_PORT ? { port: e.STRIPE_API_PORT } : {}),
      ...(e.STRIPE_API_PROTOCOL ? { protocol: e.STRIPE_API_PROTOCOL } : {}),
    },
    billingExportDelaySeconds: e.BILLING_EXPORT_DELAY_MINUTES * 60,
    billingExportIntervalSeconds: e.BILLING_EXPORT_INTERVAL_SECONDS,
  };
}
