import type { SqlRunner } from '../fleet/sql';
import type { PageRequest, PageRows } from '../pagination';

export interface WebhookEndpointRow {
  id: string;
  organizationId: string;
  url: string;
  description: string | null;
  createdBy: string | null;
  createdAt: Date;
}

/** What the worker needs to send one delivery; null endpoint fields never happen (the row cascades with its endpoint). */
export interface WebhookDeliveryRow {
  id: string;
  endpointId: string;
  url: string;
  secret: string;
  eventId: string;
  eventType: string;
  payload: unknown;
  state: 'pending' | 'delivered' | 'failed';
  attempts: number;
}

const ENDPOINT = `id, organization_id AS "organizationId", url, description, created_by AS "createdBy", created_at AS "createdAt"`;

/**
 * Tenant webhook endpoints and their deliveries (issue 12). Tenant reads and deletes take the
 * organization as a parameter. `insertDeliveries` runs in the event's transaction; the caller puts
 * one deliver-webhook job per returned id into the outbox in the same transaction.
 */
export class WebhooksRepository {
  constructor(private readonly db: SqlRunner) {}

  /** Serialises endpoint creation of one organization (transaction-scoped advisory lock), so a limit on their number holds. */
  async lockOrganizationEndpoints(organizationId: string): Promise<void> {
    await this.db.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`webhooks:${organizationId}`]);
  }

  async countEndpoints(organizationId: string): Promise<number> {
    const [row] = await this.db.query(`SELECT count(*)::int AS n FROM webhook_endpoints WHERE organization_id = $1`, [organizationId]);
    return (row as { n: number }).n;
  }

  async insertEndpoint(e: { organizationId: string; url: string; description: string | null; secret: string; createdBy: string | null }): Promise<WebhookEndpointRow> {
    const [row] = await this.db.query(
      `INSERT INTO webhook_endpoints (organization_id, url, description, secret, created_by) VALUES ($1, $2, $3, $4, $5) RETURNING ${ENDPOINT}`,
      [e.organizationId, e.url, e.description, e.secret, e.createdBy],
    );
    return row as WebhookEndpointRow;
  }

  /** The organization's endpoints in creation order (never their secrets). */
  async page(organizationId: string, req: PageRequest): Promise<PageRows<WebhookEndpointRow>> {
    const rows: WebhookEndpointRow[] = await this.db.query(
      `SELECT ${ENDPOINT} FROM webhook_endpoints
        WHERE organization_id = $1
          AND ($2::timestamptz IS NULL OR (created_at, id) > (COALESCE((SELECT c.created_at FROM webhook_endpoints c WHERE c.id = $3::uuid), $2::timestamptz), $3::uuid))
        ORDER BY created_at, id LIMIT $4`,
      [organizationId, req.after?.createdAt ?? null, req.after?.id ?? null, req.limit + 1],
    );
    const more = rows.length > req.limit;
    return { rows: more ? rows.slice(0, req.limit) : rows, more };
  }

  /** Deletes the organization's endpoint (its pending deliveries go with it); false when there is none. */
  async deleteEndpoint(organizationId: string, id: string): Promise<boolean> {
    const rows: unknown[] = await this.db.query(`WITH d AS (DELETE FROM webhook_endpoints WHERE id = $1 AND organization_id = $2 RETURNING id) SELECT id FROM d`, [id, organizationId]);
    return rows.length > 0;
  }

  /** One delivery of the event per endpoint of the organization; their ids (none without endpoints). */
  async insertDeliveries(organizationId: string, event: { id: string; type: string; payload: unknown }): Promise<string[]> {
    const rows: Array<{ id: string }> = await this.db.query(
      `INSERT INTO webhook_deliveries (endpoint_id, event_id, event_type, payload)
       SELECT id, $2, $3, $4::jsonb FROM webhook_endpoints WHERE organization_id = $1 ORDER BY created_at, id
       ON CONFLICT (endpoint_id, event_id) DO NOTHING RETURNING id`,
      [organizationId, event.id, event.type, JSON.stringify(event.payload)],
    );
    return rows.map((r) => r.id);
  }

  /** The delivery with its endpoint's URL and secret, or null (its endpoint was deleted). */
  async delivery(id: string): Promise<WebhookDeliveryRow | null> {
    const [row] = await this.db.query(
      `SELECT d.id, d.endpoint_id AS "endpointId", e.url, e.secret, d.event_id AS "eventId", d.event_type AS "eventType", d.payload, d.state, d.attempts
         FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id WHERE d.id = $1`,
      [id],
    );
    return (row as WebhookDeliveryRow | undefined) ?? null;
  }

  async markDelivered(id: string, status: number): Promise<void> {
    await this.db.query(`UPDATE webhook_deliveries SET state = 'delivered', delivered_at = now(), attempts = attempts + 1, last_status = $2, last_error = NULL WHERE id = $1`, [id, status]);
  }

  /** Records a failed attempt; `final` marks the delivery failed (no retry follows). */
  async recordFailure(id: string, status: number | null, error: string, final: boolean): Promise<void> {
    await this.db.query(
      `UPDATE webhook_deliveries SET attempts = attempts + 1, last_status = $2, last_error = left($3, 500), state = CASE WHEN $4 THEN 'failed' ELSE state END WHERE id = $1 AND state = 'pending'`,
      [id, status, error, final],
    );
  }
}
