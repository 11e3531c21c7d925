import { migrate } from '@anyfront/db';

/** DATABASE_URL for integration tests (npm test points it at a fresh anyfront_test database). */
export function testDatabaseUrl(): string {
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error('Integration tests need DATABASE_URL (run them with `npm test`, which sets it, or export it yourself).');
  return url;
}

export function testRedisUrl(): string {
  const url = process.env.REDIS_URL;
  if (!url) throw new Error('Integration tests need REDIS_URL (run them with `npm test`, which sets it, or export it yourself).');
  return url;
}

let migrated: Promise<string[]> | undefined;
/** Runs pending migrations once per test process (advisory-locked, so parallel workers are safe). */
export function migrateTestDatabase(): Promise<string[]> {
  migrated ??= migrate(testDatabaseUrl());
  return migrated;
}
