import { loadWorkerConfig } from './config';

describe('loadWorkerConfig', () => {
  it('applies defaults', () => {
    expect(loadWorkerConfig({ DATABASE_URL: 'postgres://x/y' })).toEqual({
      databaseUrl: 'postgres://x/y',
      redisUrl: 'redis://127.0.0.1:6379',
      queuePrefix: 'anyfront',
      quarantineDays: 7,
      concurrency: 4,
      slotRetryIntervalSeconds: 30,
      databasePoolSize: 10,
      logLevel: 'info',
      stripeSecretKey: null,
    });
  });
  it('reads overrides', () => {
    expect(loadWorkerConfig({ DATABASE_URL: 'postgres://x/y', WORKER_CONCURRENCY: '16', QUARANTINE_DAYS: '1.5', QUEUE_PREFIX: 'p' })).toMatchObject({
      concurrency: 16,
      quarantineDays: 1.5,
      queuePrefix: 'p',
    });
  });
  it('lists every bad setting', () => {
    expect(() => loadWorkerConfig({ WORKER_CONCURRENCY: '0' })).toThrow(/DATABASE_URL[\s\S]*WORKER_CONCURRENCY/);
  });
});
