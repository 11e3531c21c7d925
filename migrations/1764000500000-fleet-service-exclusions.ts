import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The publish-time filter leaves a service out of one edge node's desired state when the node
 * cannot run it (e.g. the agent would refuse it), instead of publishing a state the agent refuses
 * as a whole. Per node and service, the reason is kept here for the service's deploy status
 * (`failed` on that node and its PoP) until a sync publishes the service again.
 */
export class FleetServiceExclusions1764000500000 implements MigrationInterface {
  name = 'FleetServiceExclusions1764000500000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE edge_node_service_exclusions (
        edge_node_id uuid NOT NULL REFERENCES edge_nodes(id) ON DELETE CASCADE,
        service_id uuid NOT NULL REFERENCES services(id) ON DELETE CASCADE,
        reason text NOT NULL,
        since timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (edge_node_id, service_id)
      )`);
    await q.query(`CREATE INDEX edge_node_service_exclusions_service_idx ON edge_node_service_exclusions (service_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE edge_node_service_exclusions`);
  }
}
