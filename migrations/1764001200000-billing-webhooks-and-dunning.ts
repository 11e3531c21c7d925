import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Billing, part 3: Stripe webhooks and dunning.
 * - stripe_events: every verified webhook event by its id (a redelivery is a no-op insert), processed
 *   once by the worker's billing job (processed_at set in the transaction that applied it);
 * - billing_invoices / billing_subscriptions: the mirrors of libs/billing's InvoiceMirror and
 *   SubscriptionMirror (merged snapshots, independent of delivery order);
 * - billing_accounts.suspended_at: when the organization's services were withdrawn (its addresses
 *   stay reserved for BILLING_ADDRESS_RESERVE_DAYS from then).
 */
export class BillingWebhooksAndDunning1764001200000 implements MigrationInterface {
  name = 'BillingWebhooksAndDunning1764001200000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE stripe_events (
        id text PRIMARY KEY,
        type text NOT NULL,
        created timestamptz NOT NULL,
        livemode boolean NOT NULL DEFAULT false,
        payload jsonb NOT NULL,
        received_at timestamptz NOT NULL DEFAULT now(),
        deliveries integer NOT NULL DEFAULT 1,
        processed_at timestamptz,
        organization_id uuid REFERENCES organizations(id) ON DELETE SET NULL,
        -- What processing did: applied, ignored (with why), unmatched (no organization).
        outcome text
      );
      CREATE INDEX stripe_events_unprocessed_idx ON stripe_events (received_at) WHERE processed_at IS NULL;

      CREATE TABLE billing_invoices (
        id text PRIMARY KEY,
        organization_id uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
        status text NOT NULL CHECK (status IN ('draft', 'open', 'paid', 'uncollectible', 'void')),
        created bigint NOT NULL,
        currency text NOT NULL,
        amount_due bigint NOT NULL,
        amount_paid bigint NOT NULL,
        period_start bigint NOT NULL,
        period_end bigint NOT NULL,
        subscription_id text,
        hosted_invoice_url text,
        event_id text NOT NULL,
        event_created bigint NOT NULL,
        first_failed_at bigint,
        updated_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX billing_invoices_org_idx ON billing_invoices (organization_id, created DESC);

      CREATE TABLE billing_subscriptions (
        id text PRIMARY KEY,
        organization_id uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
        status text NOT NULL,
        created bigint NOT NULL,
        plan text NOT NULL CHECK (plan IN ('free', 'standard', 'custom')),
        current_period_start bigint,
        current_period_end bigint,
        cancel_at_period_end boolean NOT NULL DEFAULT false,
        event_id text NOT NULL,
        event_created bigint NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX billing_subscriptions_org_idx ON billing_subscriptions (organization_id);

      ALTER TABLE billing_accounts ADD COLUMN suspended_at timestamptz;
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE billing_accounts DROP COLUMN suspended_at; DROP TABLE billing_subscriptions; DROP TABLE billing_invoices; DROP TABLE stripe_events;`);
  }
}
