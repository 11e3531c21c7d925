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

/**
 * A fresh, migrated database on the server of `baseUrl` (default DATABASE_URL), for tests and
 * benchmarks that must own the whole schema (e.g. the demo seed with its fixed pools, or workers
 * that pick from every pool they find). Call drop() when done.
 */
export async function createScratchDatabase(tag = 'scratch', baseUrl = testDatabaseUrl()): Promise<{ url: string; drop: () => Promise<void> }> {
  const { Client } = await import('pg');
  const base = new URL(baseUrl);
  const name = `${base.pathname.slice(1) || 'anyfront'}_${tag}_${Math.random().toString(36).slice(2, 8)}`.toLowerCase().replace(/[^a-z0-9_]/g, '_');
  const admin = new URL(base.toString());
  admin.pathname = '/postgres';
  const run = async (sql: string) => {
    const c = new Client({ connectionString: admin.toString() });
    await c.connect();
    try {
      await c.query(sql);
    } finally {
      await c.end();
    }
  };
  await run(`CREATE DATABASE "${name}"`);
  const url = new URL(base.toString());
  url.pathname = `/${name}`;
  await migrate(url.toString());
  return { url: url.toString(), drop: () => run(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`) };
}
