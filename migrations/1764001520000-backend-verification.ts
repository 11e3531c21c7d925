import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Issue 8, backend ownership: every backend row gets its own verification token (the tenant gives it
 * to the backend kit), and each edge's report of a backend carries its verification verdict next to
 * its health. Existing backends get a token too (the default: two random UUIDs, 64 hex digits, also for
 * rows written by hand); they are pending until their kit answers.
 */
export class BackendVerification1764001520000 implements MigrationInterface {
  name = 'BackendVerification1764001520000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE backends ADD COLUMN verify_token text NOT NULL
        DEFAULT ('afv_' || replace(gen_random_uuid()::text, '-', '') || replace(gen_random_uuid()::text, '-', ''))
        CHECK (verify_token ~ '^afv_[0-9a-f]{64}$');
      ALTER TABLE edge_node_backend_health
        ADD COLUMN verification text CHECK (verification IN ('pending', 'verified', 'failed')),
        ADD COLUMN verification_reason text,
        ADD COLUMN verification_checked_at timestamptz;
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE edge_node_backend_health DROP COLUMN verification, DROP COLUMN verification_reason, DROP COLUMN verification_checked_at;
      ALTER TABLE backends DROP COLUMN verify_token;
    `);
  }
}
