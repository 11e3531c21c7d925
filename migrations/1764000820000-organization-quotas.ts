import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Per-organization quota overrides set by an operator (issue 8). Absent keys take the deployment's
 * defaults (config; later the billing plan's): see effectiveQuotas in libs/domain.
 */
export class OrganizationQuotas1764000820000 implements MigrationInterface {
  name = 'OrganizationQuotas1764000820000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE organizations ADD COLUMN quota_overrides jsonb NOT NULL DEFAULT '{}'::jsonb CONSTRAINT organizations_quota_overrides_object CHECK (jsonb_typeof(quota_overrides) = 'object')`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE organizations DROP COLUMN quota_overrides`);
  }
}
