import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Issue 9 §5: an edge reports why a backend fails its checks (e.g. its path MTU is below 1500), and
 * the API shows it with the backend's health per PoP.
 */
export class BackendHealthReason1764001710000 implements MigrationInterface {
  name = 'BackendHealthReason1764001710000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE edge_node_backend_health ADD COLUMN health_reason text`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE edge_node_backend_health DROP COLUMN health_reason`);
  }
}
