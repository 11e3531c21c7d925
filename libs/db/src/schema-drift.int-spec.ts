/**
 * Entities are a second description of the schema (the migrations are the first and only source of
 * truth). This test fails when an entity column does not exist in the migrated database, or exists
 * with another type or nullability, so an entity can never silently drift from the migrations.
 * Imports no test harness (libs/testing depends on this library).
 */
import type { DataSource } from 'typeorm';
import type { ColumnMetadata } from 'typeorm/metadata/ColumnMetadata';
import { createDataSource, migrate } from './data-source';

interface DbColumn {
  dataType: string;
  nullable: boolean;
}

function databaseUrl(): string {
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error('Integration tests need DATABASE_URL (run them with `npm test`, which sets it, or export it yourself).');
  return url;
}

/** One line per entity column, as the migrated database should have it: `table.column type [null]`. */
function entityColumns(ds: DataSource): string[] {
  const describe = (table: string, c: ColumnMetadata) =>
    `${table}.${c.databaseName} ${ds.driver.normalizeType(c)}${c.isArray ? '[]' : ''}${c.isNullable ? ' null' : ''}`;
  return ds.entityMetadatas.flatMap((m) => m.columns.map((c) => describe(m.tableName, c))).sort();
}

describe('entities and the migrated schema', () => {
  let ds: DataSource;
  let columns: Map<string, DbColumn>;

  beforeAll(async () => {
    await migrate(databaseUrl());
    ds = createDataSource(databaseUrl(), { poolSize: 1 });
    await ds.initialize();
    const rows: Array<{ table_name: string; column_name: string; data_type: string; udt_name: string; is_nullable: string }> = await ds.query(
      `SELECT table_name, column_name, data_type, udt_name, is_nullable FROM information_schema.columns WHERE table_schema = 'public'`,
    );
    columns = new Map(
      rows.map((r) => [
        `${r.table_name}.${r.column_name}`,
        {
          // Arrays report data_type ARRAY and the element type as udt_name with a leading underscore.
          dataType: r.data_type === 'ARRAY' ? `${r.udt_name.slice(1)}[]` : r.data_type,
          nullable: r.is_nullable === 'YES',
        },
      ]),
    );
  });
  afterAll(() => ds?.destroy());

  it('knows at least the tables the API maps', () => {
    const tables = new Set(ds.entityMetadatas.map((m) => m.tableName));
    expect([...tables].sort()).toEqual(expect.arrayContaining(['services', 'backends', 'pools', 'pool_pops', 'edge_nodes', 'organizations']));
  });

  it('every entity column exists in the migrated database with the same type and nullability', () => {
    const expected = entityColumns(ds);
    const actual = expected.map((line) => {
      const key = line.split(' ')[0];
      const c = columns.get(key);
      if (!c) return `${key} MISSING`;
      return `${key} ${c.dataType}${c.nullable ? ' null' : ''}`;
    });
    // Postgres spells the short names TypeORM normalizes to its long ones; compare in one vocabulary.
    expect(actual.map(normalize)).toEqual(expected.map(normalize));
  });
});

function normalize(line: string): string {
  return line
    .replace(/ int4\b/, ' integer')
    .replace(/ int8\b/, ' bigint')
    .replace(/ int2\b/, ' smallint')
    .replace(/ bool\b/, ' boolean')
    .replace(/ timestamptz\b/, ' timestamp with time zone')
    .replace(/ varchar\b/, ' character varying');
}
