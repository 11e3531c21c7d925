import { createDataSource } from '@anyfront/db';
import type { DataSource } from 'typeorm';
import { type Agent, operator, type TestTarget } from './accounts';
import { migrateTestDatabase, testDatabaseUrl } from './database';
import { FleetFixtures } from './fleet-fixtures';

/**
 * Set-ups many integration suites share, registered as the describe block's beforeAll/afterAll.
 * Read the fields inside tests or later hooks (they exist once beforeAll ran). Jest runs afterAll
 * hooks in the order they were declared: a suite whose own afterAll needs these (e.g. stops a worker
 * before the fixtures go) declares its own set-up instead.
 */

/** A migrated test database, a DataSource on it and FleetFixtures; afterAll removes the fixtures and closes the connection. */
export function fleetDatabaseSuite(opts: { poolSize?: number } = {}): { readonly ds: DataSource; readonly fx: FleetFixtures } {
  let ds: DataSource | undefined;
  let fx: FleetFixtures | undefined;
  beforeAll(async () => {
    await migrateTestDatabase();
    ds = createDataSource(testDatabaseUrl(), { poolSize: opts.poolSize ?? 2 });
    await ds.initialize();
    fx = new FleetFixtures(ds);
  });
  afterAll(async () => {
    await fx?.cleanup();
    await ds?.destroy();
  });
  return {
    get ds() { return ready(ds); },
    get fx() { return ready(fx); },
  };
}

/** An app started by `start` (e.g. the API in-process), an operator session on it and FleetFixtures on its database; afterAll cleans up and closes it. */
export function operatorFleetSuite<T extends TestTarget & { close(): Promise<void> }>(start: () => Promise<T>): { readonly t: T; readonly op: Agent; readonly fx: FleetFixtures } {
  let t: T | undefined;
  let op: Agent | undefined;
  let fx: FleetFixtures | undefined;
  beforeAll(async () => {
    t = await start();
    op = (await operator(t)).session;
    fx = new FleetFixtures(t.dataSource);
  });
  afterAll(async () => {
    await fx?.cleanup();
    await t?.close();
  });
  return {
    get t() { return ready(t); },
    get op() { return ready(op); },
    get fx() { return ready(fx); },
  };
}

function ready<V>(v: V | undefined): V {
  if (v === undefined) throw new Error('read a suite fixture inside a test or a later hook: its beforeAll has not run yet');
  return v;
}
