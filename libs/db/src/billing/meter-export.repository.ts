import type { MeterEventParams } from '@anyfront/billing';
import type { Queryable } from './billing.repository';

/** A meter event waiting for delivery to Stripe (hour and value as exact decimal strings). */
export interface PendingMeterEvent {
  identifier: string;
  stripe_customer_id: string;
  event_name: string;
  hour: string;
  value: string;
  attempts: number;
}

/**
 * The Stripe meter export: a watermark per organization (meter_export_state) and the export outbox
 * of measured events (meter_export_events, unique by identifier). Times are epoch seconds.
 */
export class MeterExportRepository {
  constructor(private readonly db: Queryable) {}

  /** Organizations with a Stripe Customer, by id. */
  customers(): Promise<Array<{ organization_id: string; stripe_customer_id: string }>> {
    return this.db.query(`SELECT organization_id, stripe_customer_id FROM billing_accounts WHERE stripe_customer_id IS NOT NULL ORDER BY 1`);
  }

  /**
   * The organization's export window, locked for this run; a new organization starts at the
   * beginning of the month of `now` (the subscription's period).
   */
  async lockWatermark(organizationId: string, now: number): Promise<{ from: number; until: number }> {
    await this.db.query(
      `INSERT INTO meter_export_state (organization_id, exported_from, exported_until)
       SELECT $1, m, m FROM (SELECT date_trunc('month', to_timestamp($2) AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' AS m) x ON CONFLICT DO NOTHING`,
      [organizationId, now],
    );
    const [state] = await this.db.query<Array<{ f: string; t: string }>>(
      `SELECT extract(epoch FROM exported_from)::bigint::text AS f, extract(epoch FROM exported_until)::bigint::text AS t FROM meter_export_state WHERE organization_id = $1 FOR UPDATE`,
      [organizationId],
    );
    if (!state) throw new Error(`meter_export_state of ${organizationId} vanished inside its transaction`);
    return { from: Number(state.f), until: Number(state.t) };
  }

  async advanceWatermark(organizationId: string, until: number): Promise<void> {
    await this.db.query(`UPDATE meter_export_state SET exported_until = to_timestamp($2), updated_at = now() WHERE organization_id = $1`, [organizationId, until]);
  }

  /** What was already exported per hour and event name in [from, to). */
  async exportedTotals(organizationId: string, from: number, to: number): Promise<Map<number, Map<string, bigint>>> {
    const rows: Array<{ event_name: string; hour: string; total: string }> = await this.db.query(
      `SELECT event_name, extract(epoch FROM hour)::bigint::text AS hour, sum(value)::text AS total
         FROM meter_export_events WHERE organization_id = $1 AND hour >= to_timestamp($2) AND hour < to_timestamp($3) GROUP BY 1, 2`,
      [organizationId, from, to],
    );
    const exported = new Map<number, Map<string, bigint>>();
    for (const d of rows) {
      const m = exported.get(Number(d.hour)) ?? new Map<string, bigint>();
      m.set(d.event_name, BigInt(d.total));
      exported.set(Number(d.hour), m);
    }
    return exported;
  }

  /** Adds measured events to the export outbox, due at `dueAt`; an identifier already there is skipped. How many were new. */
  async insertEvents(organizationId: string, events: MeterEventParams[], dueAt: number): Promise<number> {
    const inserted: unknown[] = await this.db.query(
      `INSERT INTO meter_export_events (identifier, organization_id, stripe_customer_id, event_name, hour, value, next_attempt_at)
       SELECT e->>'identifier', $1, e->'payload'->>'stripe_customer_id', e->>'event_name', to_timestamp((e->>'timestamp')::bigint), (e->'payload'->>'value')::numeric, to_timestamp($3)
         FROM jsonb_array_elements($2::jsonb) AS e
       ON CONFLICT (identifier) DO NOTHING RETURNING 1`,
      [organizationId, JSON.stringify(events), dueAt],
    );
    return inserted.length;
  }

  /** Unsent events due at `now`, oldest hour first. */
  due(now: number, limit: number): Promise<PendingMeterEvent[]> {
    return this.db.query(
      `SELECT identifier, stripe_customer_id, event_name, extract(epoch FROM hour)::bigint::text AS hour, value::text AS value, attempts
         FROM meter_export_events WHERE sent_at IS NULL AND next_attempt_at <= to_timestamp($1) ORDER BY hour, identifier LIMIT $2`,
      [now, limit],
    );
  }

  async markSent(identifiers: string[], note: string | null = null): Promise<void> {
    if (identifiers.length) await this.db.query(`UPDATE meter_export_events SET sent_at = now(), last_error = $2 WHERE identifier = ANY($1::text[])`, [identifiers, note]);
  }

  async markFailed(identifier: string, nextAttemptAt: number, error: string): Promise<void> {
    await this.db.query(`UPDATE meter_export_events SET attempts = attempts + 1, next_attempt_at = to_timestamp($2), last_error = $3 WHERE identifier = $1`, [identifier, nextAttemptAt, error.slice(0, 1000)]);
  }

  async pendingCount(): Promise<number> {
    const [row] = await this.db.query<Array<{ n: number }>>(`SELECT count(*)::int AS n FROM meter_export_events WHERE sent_at IS NULL`);
    return row?.n ?? 0;
  }
}
