import type { Queryable } from './billing.repository';

/**
 * Stripe webhook events as received (verified before they get here), each stored once by id and
 * applied once by the worker: the row is locked and marked processed in the transaction that applies it.
 */
export class StripeEventsRepository {
  constructor(private readonly db: Queryable) {}

  /** Stores a verified event, or counts a redelivery; whether this delivery was the first and whether it was applied already. */
  async receive(e: { id: string; type: string; created: number; livemode: boolean; payload: string }): Promise<{ inserted: boolean; processed: boolean } | null> {
    const rows: Array<{ inserted: boolean; processed: boolean }> = await this.db.query(
      `INSERT INTO stripe_events (id, type, created, livemode, payload)
       VALUES ($1, $2, to_timestamp($3), $4, $5)
       ON CONFLICT (id) DO UPDATE SET deliveries = stripe_events.deliveries + 1
       RETURNING (xmax = 0) AS inserted, processed_at IS NOT NULL AS processed`,
      [e.id, e.type, e.created, e.livemode, e.payload],
    );
    return rows[0] ?? null;
  }

  /** The event locked for processing (FOR UPDATE), or null when it is not stored. */
  async lock(id: string): Promise<{ payload: unknown; processed: boolean } | null> {
    const [row] = await this.db.query<Array<{ payload: unknown; processed_at: Date | null }>>(`SELECT payload, processed_at FROM stripe_events WHERE id = $1 FOR UPDATE`, [id]);
    return row ? { payload: row.payload, processed: row.processed_at !== null } : null;
  }

  async markProcessed(id: string, organizationId: string | null, outcome: string): Promise<void> {
    await this.db.query(`UPDATE stripe_events SET processed_at = now(), organization_id = $2, outcome = $3 WHERE id = $1`, [id, organizationId, outcome]);
  }

  /** Stored events no job processed (an enqueue lost after the webhook answered): their ids, oldest first. */
  async unprocessedIds(olderThanSeconds: number): Promise<string[]> {
    const rows: Array<{ id: string }> = await this.db.query(
      `SELECT id FROM stripe_events WHERE processed_at IS NULL AND received_at < now() - make_interval(secs => $1) ORDER BY received_at LIMIT 1000`,
      [olderThanSeconds],
    );
    return rows.map((r) => r.id);
  }

  /** The organization whose billing account has this Stripe customer, or null. */
  async organizationOfCustomer(customerId: string): Promise<string | null> {
    const [row] = await this.db.query<Array<{ organization_id: string }>>(`SELECT organization_id FROM billing_accounts WHERE stripe_customer_id = $1`, [customerId]);
    return row?.organization_id ?? null;
  }

  async organizationExists(id: string): Promise<boolean> {
    const rows: unknown[] = await this.db.query(`SELECT 1 FROM organizations WHERE id = $1`, [id]);
    return rows.length > 0;
  }
}
