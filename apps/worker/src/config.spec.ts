import { loadWorkerConfig } from './config';

describe('loadWorkerConfig', () => {
  it('applies defaults', () => {
    expect(loadWorkerConfig({ DATABASE_URL: 'postgres://x/y' })).toEqual({
      databaseUrl: 'postgres://x/y',
      redisUrl: 'redis://127.0.0.1:6379',
      relocationSweepIntervalSeconds: 60,
      queuePrefix: 'anyfront',
      quarantineDays: 7,
      concurrency: 4,
      slotRetryIntervalSeconds: 30,
      databasePoolSize: 10,
      outboxPollIntervalMs: 1000,
      outboxBatchSize: 500,
      logLevel: 'info',
      nodeEnv: 'development',
      stripeSecretKey: null,
      billingGraceSeconds: 7 * 86_400,
      billingSweepIntervalSeconds: 60,
      syncConcurrency: 16,
      sweepIntervalSeconds: 10,
      fullResyncSeconds: 300,
      pushTimeoutMs: 10_000,
      pushLabMode: false,
      webhookLocalMode: false,
      repushAfterSeconds: 60,
      rollupIntervalSeconds: 60,
      pruneIntervalSeconds: 3600,
      rawRetentionDays: 7,
      billingAddressReserveSeconds: 30 * 86_400,
      stripeApi: {},
      billingExportDelaySeconds: 600,
      billingExportIntervalSeconds: 300,
    });
  });
  it('reads overrides', () => {
    expect(loadWorkerConfig({ DATABASE_URL: 'postgres://x/y', WORKER_CONCURRENCY: '16', QUARANTINE_DAYS: '1.5', QUEUE_PREFIX: 'p' })).toMatchObject({
      concurrency: 16,
      quarantineDays: 1.5,
      queuePrefix: 'p',
    });
  });
  it('refuses demo settings in production', () => {
    const prod = { DATABASE_URL: 'postgres://x/y', NODE_ENV: 'production' };
    expect(loadWorkerConfig(prod).nodeEnv).toBe('production');
    expect(() => loadWorkerConfig({ ...prod, ANYFRONT_MODE: 'local' })).toThrow(/ANYFRONT_MODE/);
    expect(() => loadWorkerConfig({ ...prod, ALLOW_DOCUMENTATION_ADDRESSES: 'true' })).toThrow(/ALLOW_DOCUMENTATION_ADDRESSES/);
    expect(() => loadWorkerConfig({ ...prod, SESSION_SECRET: 'anyfront-development-session-secret' })).toThrow(/SESSION_SECRET/);
    expect(loadWorkerConfig({ DATABASE_URL: 'postgres://x/y', ANYFRONT_MODE: 'local', ALLOW_DOCUMENTATION_ADDRESSES: 'true' }).nodeEnv).toBe('development');
  });
  it('lists every bad setting, fleet and traffic ones included (one loader for the whole worker)', () => {
    expect(() => loadWorkerConfig({ WORKER_CONCURRENCY: '0', FLEET_SYNC_CONCURRENCY: 'many', TRAFFIC_RAW_RETENTION_DAYS: '0' })).toThrow(
      /DATABASE_URL[\s\S]*WORKER_CONCURRENCY[\s\S]*FLEET_SYNC_CONCURRENCY[\s\S]*TRAFFIC_RAW_RETENTION_DAYS/,
    );
  });
  it('treats an empty string as unset for every setting', () => {
    expect(loadWorkerConfig({ DATABASE_URL: 'postgres://x/y', WORKER_CONCURRENCY: '', FLEET_SYNC_CONCURRENCY: '', TRAFFIC_RAW_RETENTION_DAYS: '', OUTBOX_POLL_INTERVAL_MS: '' })).toMatchObject({
      concurrency: 4,
      syncConcurrency: 16,
      rawRetentionDays: 7,
      outboxPollIntervalMs: 1000,
    });
  });
});
