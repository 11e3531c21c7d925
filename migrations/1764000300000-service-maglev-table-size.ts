import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A service's Maglev table size only ever grows. Changing M rehashes every flow (not only the
 * removed backend's), so deleting a backend must not shrink the table; the high-water mark is kept
 * on the service. 0 means no backend was ever added.
 */
export class ServiceMaglevTableSize1764000300000 implements MigrationInterface {
  name = 'ServiceMaglevTableSize1764000300000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE services ADD COLUMN maglev_table_size integer NOT NULL DEFAULT 0 CHECK (maglev_table_size BETWEEN 0 AND 65537)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE services DROP COLUMN maglev_table_size`);
  }
}
