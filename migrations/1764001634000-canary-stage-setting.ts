import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Fleet-wide switch of the staged rollout (libs/domain/src/fleet/canary.ts): off, every edge takes a
 * change at once (no PoP canary). On by default; the propagation benchmark measures both in one run.
 */
export class CanaryStageSetting1764001634000 implements MigrationInterface {
  name = 'CanaryStageSetting1764001634000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE fleet_settings ADD COLUMN canary_stage boolean NOT NULL DEFAULT true`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE fleet_settings DROP COLUMN canary_stage`);
  }
}
