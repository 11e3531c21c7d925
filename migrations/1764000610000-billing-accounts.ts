import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Billing, part 2: an organization's billing account (plan, standing, Stripe ids, operator settings)
 * and the local-ledger statements (monthly invoices computed here when Stripe is not configured).
 * An organization without an account row is on the free plan and active.
 */
export class BillingAccounts1764000610000 implements MigrationInterface {
  name = 'BillingAccounts1764000610000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE billing_accounts (
        organization_id uuid PRIMARY KEY REFERENCES organizations(id) ON DELETE CASCADE,
        stripe_customer_id text UNIQUE,
        stripe_subscription_id text UNIQUE,
        has_payment_method boolean NOT NULL DEFAULT false,
        -- Set by an operator (custom plans, or any plan in local-ledger mode); wins over the subscription.
        operator_plan text CHECK (operator_plan IN ('free', 'standard', 'custom')),
        -- Operator overrides of the plan's quotas (PlanQuotas keys).
        quota_overrides jsonb NOT NULL DEFAULT '{}',
        operator_hold_reason text,
        operator_hold_at timestamptz,
        -- What was last applied (reconcile's AppliedBillingState) and when the status last changed.
        status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'past_due', 'suspended')),
        plan text NOT NULL DEFAULT 'free' CHECK (plan IN ('free', 'standard', 'custom')),
        grace_until timestamptz,
        status_changed_at timestamptz NOT NULL DEFAULT now(),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CHECK ((operator_hold_reason IS NULL) = (operator_hold_at IS NULL))
      );
      CREATE INDEX billing_accounts_status_idx ON billing_accounts (status) WHERE status <> 'active';

      CREATE TABLE billing_statements (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        organization_id uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
        period_from timestamptz NOT NULL,
        period_to timestamptz NOT NULL,
        plan text NOT NULL,
        currency text NOT NULL,
        lines jsonb NOT NULL,
        subtotal bigint NOT NULL,
        total bigint NOT NULL,
        amount_due bigint NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT billing_statements_period_key UNIQUE (organization_id, period_from)
      );
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE billing_statements; DROP TABLE billing_accounts;`);
  }
}
