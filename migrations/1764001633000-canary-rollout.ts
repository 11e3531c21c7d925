import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Staged rollout (issue 9 §1, libs/domain/src/fleet/canary.ts): each PoP's canary edge records the
 * newest generation it applied and judged healthy (`canary_verified_generation`) or the one it failed
 * with the reason; the PoP's other edges record which changed services wait for the canary
 * (`edge_node_service_holds`, with the content hash that waits).
 */
export class CanaryRollout1764001633000 implements MigrationInterface {
  name = 'CanaryRollout1764001633000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE edge_node_fleet_states
        ADD COLUMN canary_verified_generation bigint NOT NULL DEFAULT 0,
        ADD COLUMN canary_failed_generation bigint,
        ADD COLUMN canary_failed_reason text,
        ADD COLUMN canary_checked_at timestamptz;
      CREATE TABLE edge_node_service_holds (
        edge_node_id uuid NOT NULL REFERENCES edge_nodes(id) ON DELETE CASCADE,
        service_id uuid NOT NULL REFERENCES services(id) ON DELETE CASCADE,
        content_hash text NOT NULL,
        since timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (edge_node_id, service_id)
      );
      CREATE INDEX edge_node_service_holds_service_idx ON edge_node_service_holds (service_id);
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE edge_node_service_holds`);
    await q.query(`
      ALTER TABLE edge_node_fleet_states
        DROP COLUMN canary_verified_generation, DROP COLUMN canary_failed_generation, DROP COLUMN canary_failed_reason, DROP COLUMN canary_checked_at`);
  }
}
