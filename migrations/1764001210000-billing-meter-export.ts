import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Billing, part 4: the Stripe meter export. `meter_export_events` is the outbox of Stripe meter
 * events: a row's identifier and value are fixed when the hour is measured (one transaction with the
 * watermark), and the sender only delivers rows, so a Stripe outage delays the export without
 * recomputing or losing anything; Stripe's identifier dedupe makes a resend count once.
 * `meter_export_state` is each organization's watermark: hours in [exported_from, exported_until) are measured.
 */
export class BillingMeterExport1764001210000 implements MigrationInterface {
  name = 'BillingMeterExport1764001210000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE meter_export_events (
        identifier text PRIMARY KEY,
        organization_id uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
        stripe_customer_id text NOT NULL,
        event_name text NOT NULL,
        hour timestamptz NOT NULL,
        value numeric(20, 0) NOT NULL CHECK (value > 0),
        created_at timestamptz NOT NULL DEFAULT now(),
        sent_at timestamptz,
        attempts integer NOT NULL DEFAULT 0,
        next_attempt_at timestamptz NOT NULL DEFAULT now(),
        last_error text
      );
      CREATE INDEX meter_export_events_unsent_idx ON meter_export_events (next_attempt_at, hour) WHERE sent_at IS NULL;
      CREATE INDEX meter_export_events_org_hour_idx ON meter_export_events (organization_id, hour);

      CREATE TABLE meter_export_state (
        organization_id uuid PRIMARY KEY REFERENCES organizations(id) ON DELETE CASCADE,
        -- The first hour ever measured (re-measuring for late traffic never goes before it).
        exported_from timestamptz NOT NULL,
        exported_until timestamptz NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now()
      );
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE meter_export_state; DROP TABLE meter_export_events;`);
  }
}
