import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Pool announcements staged through the PoP canary (libs/domain/src/fleet/canary.ts, canaryPoolGate):
 * per node, the generation that first announced each pool (`pool_generations`, pool id -> generation;
 * the canary verified a pool when its verified generation reached it) and the pools a non-canary node
 * holds back for its canary (`held_pools`). Pools announced before this migration count as proven
 * (generation 0): staging starts with the next pool that is added.
 */
export class CanaryPoolStaging1764001700000 implements MigrationInterface {
  name = 'CanaryPoolStaging1764001700000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE edge_node_fleet_states
        ADD COLUMN pool_generations jsonb NOT NULL DEFAULT '{}'::jsonb,
        ADD COLUMN held_pools uuid[] NOT NULL DEFAULT '{}';
      UPDATE edge_node_fleet_states
         SET pool_generations = (SELECT coalesce(jsonb_object_agg(p->>'id', 0), '{}'::jsonb) FROM jsonb_array_elements(desired_state->'pools') p)
       WHERE jsonb_typeof(desired_state->'pools') = 'array';
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE edge_node_fleet_states DROP COLUMN pool_generations, DROP COLUMN held_pools`);
  }
}
