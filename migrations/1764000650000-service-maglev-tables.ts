import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Each service's compiled Maglev table (issue 9 §4): the control plane compiles the next table from
 * the previous one (minimal-disruption fill), so the previous one is kept with the service. Entries
 * are stored exactly as shipped in the desired state (`encoded`, base64 bit-packed indexes into
 * `backend_ids`, the service's backends sorted by id); `input_key` is the digest of M and every
 * backend's id and effective weight the table was compiled for.
 */
export class ServiceMaglevTables1764000650000 implements MigrationInterface {
  name = 'ServiceMaglevTables1764000650000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE service_maglev_tables (
        service_id uuid PRIMARY KEY REFERENCES services(id) ON DELETE CASCADE,
        input_key text NOT NULL,
        table_size integer NOT NULL CHECK (table_size BETWEEN 2 AND 65537),
        backend_ids uuid[] NOT NULL,
        encoded text NOT NULL,
        compiled_at timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE service_maglev_tables');
  }
}
