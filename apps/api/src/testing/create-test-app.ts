import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { getDataSourceToken } from '@nestjs/typeorm';
import { deleteRedisKeys, HARNESS_LIMITS, migrateTestDatabase, testDatabaseUrl, testRedisUrl, uniqueSuffix, type TestTarget } from '@anyfront/testing';
import request from 'supertest';
import type { DataSource } from 'typeorm';
import { AppModule } from '../app.module';
import { AppConfig, loadConfig } from '../config';
import { configureApp } from '../setup';

export interface TestApp extends TestTarget {
  app: INestApplication;
  config: AppConfig;
  /** Unauthenticated supertest client. */
  http: () => ReturnType<typeof request>;
  close: () => Promise<void>;
}

/**
 * Boots the real API (real Postgres from DATABASE_URL, migrated; real Redis from REDIS_URL) on
 * an ephemeral port with the same HTTP setup as main.ts. Each app gets its own Redis key and
 * queue prefix so tests never share rate-limit counters or queues. `env` overrides settings,
 * e.g. `{ RATE_LIMIT_MAX: '5' }`.
 */
export async function createTestApp(opts: { env?: Record<string, string> } = {}): Promise<TestApp> {
  await migrateTestDatabase();
  const id = uniqueSuffix();
  const config = loadConfig({
    ...process.env,
    NODE_ENV: 'test',
    DATABASE_URL: testDatabaseUrl(),
    REDIS_URL: testRedisUrl(),
    LOG_LEVEL: 'silent',
    REDIS_KEY_PREFIX: `test:${id}:`,
    QUEUE_PREFIX: `test-${id}`,
    ALLOW_DOCUMENTATION_ADDRESSES: 'true',
    // Suites sign up many organizations from 127.0.0.1 and create many resources; the specs of
    // these limits (quotas, signup) set their own values.
    ...HARNESS_LIMITS,
    ...opts.env,
  });
  const app = await NestFactory.create(AppModule.register(config), { bodyParser: false, logger: ['error'], abortOnError: false });
  configureApp(app, config);
  await app.listen(0, '127.0.0.1');
  const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  return {
    app,
    config,
    url,
    dataSource: app.get<DataSource>(getDataSourceToken()),
    http: () => request(url),
    close: async () => {
      await app.close();
      await deleteRedisKeys(config.redisUrl, [`${config.redisKeyPrefix}*`, `${config.queuePrefix}:*`]);
    },
  };
}
