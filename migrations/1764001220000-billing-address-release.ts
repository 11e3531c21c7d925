import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Billing, part 5: a suspended organization's addresses are released (through quarantine) once
 * BILLING_ADDRESS_RESERVE_DAYS have passed since the suspension; `addresses_released_at` records
 * when, so the release happens once and the API can say so. Cleared when the organization is restored.
 */
export class BillingAddressRelease1764001220000 implements MigrationInterface {
  name = 'BillingAddressRelease1764001220000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE billing_accounts ADD COLUMN addresses_released_at timestamptz`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE billing_accounts DROP COLUMN addresses_released_at`);
  }
}
