import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Fault isolation on the edges (issue 9 §1): an agent reports its kernel's capabilities (probed at
 * start) and the services of its applied generation it had to skip, with the reason. The deploy
 * status shows those as `failed` per node and PoP; the API refuses an encapsulation that no edge of
 * a service's PoPs can program.
 */
export class EdgeCapabilitiesAndFailures1764000700000 implements MigrationInterface {
  name = 'EdgeCapabilitiesAndFailures1764000700000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE edge_node_fleet_states ADD COLUMN capabilities jsonb`);
    await q.query(`ALTER TABLE edge_node_fleet_states ADD COLUMN failed_services jsonb NOT NULL DEFAULT '[]'::jsonb`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE edge_node_fleet_states DROP COLUMN failed_services`);
    await q.query(`ALTER TABLE edge_node_fleet_states DROP COLUMN capabilities`);
  }
}
