import { Client } from 'pg';
import { migrate } from '@anyfront/db';

/**
 * A fresh, migrated database next to DATABASE_URL's, for tests and benchmarks whose workers pick
 * from every pool in the database (so other suites' pools must not leak in). Drop it when done.
 */
export async function createScratchDatabase(label: string, baseUrl = process.env.DATABASE_URL): Promise<{ url: string; drop: () => Promise<void> }> {
  if (!baseUrl) throw new Error('DATABASE_URL is not set');
  const name = `${label}_${process.pid}_${Date.now().toString(36)}`.toLowerCase().replace(/[^a-z0-9_]/g, '_');
  const admin = new URL(baseUrl);
  admin.pathname = '/postgres';
  const url = new URL(baseUrl);
  url.pathname = `/${name}`;
  await withClient(admin.toString(), (c) => c.query(`CREATE DATABASE "${name}"`));
  await migrate(url.toString());
  return {
    url: url.toString(),
    drop: () => withClient(admin.toString(), (c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)).then(() => undefined),
  };
}

async function withClient<T>(url: string, fn: (c: Client) => Promise<T>): Promise<T> {
  const c = new Client({ connectionString: url });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}
