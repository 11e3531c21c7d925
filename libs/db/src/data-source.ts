import { readdirSync } from 'node:fs';
import path from 'node:path';
import { DataSource, DataSourceOptions, MigrationInterface } from 'typeorm';
import { ENTITIES } from './entities';
import { SnakeNamingStrategy } from './naming-strategy';

/** Repository root: libs/db/src → ../../.. (also right for dist/libs/db/src). */
export const MIGRATIONS_DIR = path.resolve(__dirname, '..', '..', '..', 'migrations');

type MigrationClass = new () => MigrationInterface;

/**
 * Loads every migration class from migrations/*.ts (or *.js in a build) with require(), so the
 * same code works under Jest, the SWC register hook and compiled output. Sorted by file name,
 * which starts with the timestamp.
 */
export function loadMigrations(dir = MIGRATIONS_DIR): MigrationClass[] {
  const files = readdirSync(dir)
    .filter((f) => /\.(ts|js)$/.test(f) && !f.endsWith('.d.ts') && !/\.(spec|int-spec)\./.test(f))
    .sort();
  const classes: MigrationClass[] = [];
  for (const file of files) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const mod = require(path.join(dir, file)) as Record<string, unknown>;
    for (const value of Object.values(mod)) {
      if (typeof value === 'function' && typeof value.prototype?.up === 'function') classes.push(value as MigrationClass);
    }
  }
  return classes;
}

/**
 * The database URL of a CLI's environment (apps read theirs through their validated config and
 * pass it in: this library reads no environment itself).
 */
export function databaseUrlFrom(env: Record<string, string | undefined>): string {
  if (!env.DATABASE_URL) throw new Error('DATABASE_URL is not set (e.g. postgres://postgres@127.0.0.1:5432/anyfront).');
  return env.DATABASE_URL;
}

/** TypeORM options for `url`; `overrides` e.g. `{ poolSize }` (default 10 connections). */
export function dataSourceOptions(url: string, overrides: Partial<DataSourceOptions> = {}): DataSourceOptions {
  return {
    type: 'postgres',
    url,
    entities: ENTITIES,
    migrations: loadMigrations(),
    migrationsTableName: 'migrations',
    migrationsTransactionMode: 'each',
    synchronize: false,
    migrationsRun: false,
    namingStrategy: new SnakeNamingStrategy(),
    poolSize: 10,
    ...overrides,
  } as DataSourceOptions;
}

export function createDataSource(url: string, overrides: Partial<DataSourceOptions> = {}): DataSource {
  return new DataSource(dataSourceOptions(url, overrides));
}

/** Fixed advisory lock id so concurrent migrators (several test files, api + worker) run one at a time. */
const MIGRATION_LOCK = 7_464_021_001;

/** Runs pending migrations under a Postgres advisory lock; returns the names that ran. */
export async function migrate(url: string): Promise<string[]> {
  const ds = createDataSource(url, { poolSize: 2 });
  await ds.initialize();
  const runner = ds.createQueryRunner();
  try {
    await runner.connect();
    await runner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    try {
      const ran = await ds.runMigrations({ transaction: 'each' });
      return ran.map((m) => m.name);
    } finally {
      await runner.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]);
    }
  } finally {
    await runner.release();
    await ds.destroy();
  }
}
