import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Tenant webhooks (issue 12): an organization registers endpoints; every event for it (a relocation
 * notice, ...) becomes one delivery row per endpoint, written in the event's transaction together
 * with its outbox job. The signing secret is stored as is (the worker signs with it; the API shows
 * it once). One delivery per (endpoint, event): a retried or duplicated job sends the same row.
 */
export class TenantWebhooks1764001500000 implements MigrationInterface {
  name = 'TenantWebhooks1764001500000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE webhook_endpoints (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        organization_id uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
        url text NOT NULL CHECK (length(url) BETWEEN 1 AND 2000),
        description text CHECK (description IS NULL OR length(description) <= 200),
        secret text NOT NULL,
        created_by uuid,
        created_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX webhook_endpoints_org_idx ON webhook_endpoints (organization_id, created_at, id);

      CREATE TABLE webhook_deliveries (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        endpoint_id uuid NOT NULL REFERENCES webhook_endpoints(id) ON DELETE CASCADE,
        event_id uuid NOT NULL,
        event_type text NOT NULL,
        payload jsonb NOT NULL,
        state text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivered', 'failed')),
        attempts int NOT NULL DEFAULT 0,
        last_status int,
        last_error text,
        created_at timestamptz NOT NULL DEFAULT now(),
        delivered_at timestamptz,
        UNIQUE (endpoint_id, event_id),
        CHECK ((state = 'delivered') = (delivered_at IS NOT NULL))
      );
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE webhook_deliveries; DROP TABLE webhook_endpoints;`);
  }
}
