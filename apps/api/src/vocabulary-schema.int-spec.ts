/**
 * The vocabulary is defined once in code, but the migrations' CHECK constraints repeat the stored
 * enums (migrations are history and cannot import it). This test reads the CHECK constraints of the
 * migrated database and fails when one disagrees with @anyfront/contracts, so adding a value in one
 * place without a migration (or the reverse) cannot pass unnoticed.
 */
import { Client } from 'pg';
import { migrateTestDatabase, testDatabaseUrl } from '@anyfront/testing';
import {
  ADDRESS_STATES,
  EDGE_NODE_STATES,
  ENCAPSULATIONS,
  GUE_PORT_MAX,
  GUE_PORT_MIN,
  HASH_MODES,
  IP_FAMILIES,
  ORGANIZATION_ROLES,
  POOL_SCOPES,
  POOL_STATES,
  SERVICE_STATUSES,
  TRAFFIC_SAMPLE_KINDS,
} from '@anyfront/contracts';

const STORED: Array<[table: string, column: string, values: readonly (string | number)[]]> = [
  ['services', 'status', SERVICE_STATUSES],
  ['services', 'encapsulation', ENCAPSULATIONS],
  ['services', 'hash_mode', HASH_MODES],
  ['anycast_addresses', 'state', ADDRESS_STATES],
  ['pools', 'scope', POOL_SCOPES],
  ['pools', 'state', POOL_STATES],
  ['pools', 'family', IP_FAMILIES],
  ['edge_nodes', 'state', EDGE_NODE_STATES],
  ['memberships', 'role', ORGANIZATION_ROLES],
  ['api_keys', 'role', ORGANIZATION_ROLES],
  ['traffic_samples', 'kind', TRAFFIC_SAMPLE_KINDS],
];

describe('vocabulary and the database CHECK constraints', () => {
  let db: Client;
  let checks: Array<{ table: string; def: string }>;

  beforeAll(async () => {
    await migrateTestDatabase();
    db = new Client({ connectionString: testDatabaseUrl() });
    await db.connect();
    checks = (await db.query(`SELECT conrelid::regclass::text AS table, pg_get_constraintdef(oid) AS def FROM pg_constraint WHERE contype = 'c' AND conrelid <> 0`)).rows;
  });
  afterAll(() => db?.end());

  /** The values of `CHECK (column IN (...))` on the table, as Postgres prints it (`column = ANY (ARRAY[...])`). */
  function allowed(table: string, column: string): Array<string | number> {
    const pattern = new RegExp(`^CHECK \\(\\(${column} = ANY \\(ARRAY\\[(.*)\\]\\)\\)\\)$`);
    const found = checks.filter((c) => c.table === table).map((c) => pattern.exec(c.def)).filter((m): m is RegExpExecArray => m !== null);
    if (found.length !== 1) throw new Error(`expected one CHECK (${column} IN (...)) on ${table}, found ${found.length}`);
    return found[0][1].split(', ').map((v) => {
      const text = /^'(.*)'::text$/.exec(v);
      return text ? text[1] : Number(v);
    });
  }

  it.each(STORED)('%s.%s allows exactly the contract values', (table, column, values) => {
    expect(allowed(table, column)).toEqual([...values]);
  });

  it('services.gue_port has the contract range and is set exactly with encapsulation gue', () => {
    const defs = checks.filter((c) => c.table === 'services').map((c) => c.def);
    expect(defs).toContain(`CHECK (((gue_port >= ${GUE_PORT_MIN}) AND (gue_port <= ${GUE_PORT_MAX})))`);
    expect(defs).toContain(`CHECK (((encapsulation = 'gue'::text) = (gue_port IS NOT NULL)))`);
  });
});
