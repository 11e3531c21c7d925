/** The traffic roll-ups (traffic_hourly, organization_usage_hourly) from raw samples, and raw retention. Raw SQL: set-based roll-ups under advisory locks. */
import { retentionCutoff, TRAFFIC_HOUR_LOCK_CLASS, trafficHourLockKey } from '@anyfront/domain';
import { rowsOf, type SqlDatabase } from '../fleet/sql';

const HOUR_MS = 3_600_000;

/**
 * Recomputes one hour's roll-ups from the raw samples and upserts them (never adds to what is
 * there), so running it twice, or after a late report, gives the right totals. Ingests of the hour
 * hold its advisory lock shared (they never wait for each other); this takes it exclusively, so every
 * report of the hour either committed before the recompute (and is counted) or starts after it and
 * marks the hour dirty again.
 */
export async function rollupHour(db: SqlDatabase, hour: Date): Promise<{ services: number; organizations: number }> {
  return db.transaction(async (tx) => {
    await tx.query(`SELECT pg_advisory_xact_lock($1, $2)`, [TRAFFIC_HOUR_LOCK_CLASS, trafficHourLockKey(hour)]);
    await tx.query(`DELETE FROM traffic_dirty_hours WHERE hour = $1`, [hour]);
    const end = new Date(hour.getTime() + HOUR_MS);
    const services = await tx.query(
      `INSERT INTO traffic_hourly (hour, service_id, pop_id, organization_id, bytes, packets)
       SELECT $1, service_id, pop_id, (array_agg(organization_id))[1], sum(bytes), sum(packets)
         FROM traffic_samples
        WHERE kind = 'address' AND service_id IS NOT NULL AND organization_id IS NOT NULL AND interval_start >= $1 AND interval_start < $2
        GROUP BY service_id, pop_id
       ON CONFLICT (hour, service_id, pop_id) DO UPDATE
         SET bytes = EXCLUDED.bytes, packets = EXCLUDED.packets, organization_id = EXCLUDED.organization_id, updated_at = now()
       RETURNING 1`,
      [hour, end],
    );
    const orgs = await tx.query(
      `INSERT INTO organization_usage_hourly (organization_id, hour, bytes, packets)
       SELECT organization_id, $1, sum(bytes), sum(packets)
         FROM traffic_samples
        WHERE kind = 'address' AND organization_id IS NOT NULL AND interval_start >= $1 AND interval_start < $2
        GROUP BY organization_id
       ON CONFLICT (organization_id, hour) DO UPDATE SET bytes = EXCLUDED.bytes, packets = EXCLUDED.packets, updated_at = now()
       RETURNING 1`,
      [hour, end],
    );
    return { services: services.length, organizations: orgs.length };
  });
}

/** Rolls up every hour marked dirty by ingestion (oldest first, at most `limit` per run). */
export async function rollupDirtyHours(db: SqlDatabase, now: Date, retentionDays: number, limit = 200): Promise<number> {
  const cutoff = retentionCutoff(now, retentionDays);
  const rows: Array<{ hour: Date }> = await db.query(`SELECT hour FROM traffic_dirty_hours ORDER BY hour LIMIT $1`, [limit]);
  let done = 0;
  for (const { hour } of rows) {
    if (hour.getTime() < cutoff.getTime()) {
      await db.query(`DELETE FROM traffic_dirty_hours WHERE hour = $1`, [hour]);
      continue;
    }
    await rollupHour(db, hour);
    done++;
  }
  return done;
}

/** Deletes raw reports (and their samples) of whole hours older than the retention, in batches. */
export async function pruneRawTraffic(db: SqlDatabase, now: Date, retentionDays: number, batch = 5000): Promise<number> {
  const cutoff = retentionCutoff(now, retentionDays);
  let total = 0;
  for (;;) {
    const rows = rowsOf(await db.query(
      `DELETE FROM traffic_reports WHERE (edge_node_id, sequence) IN (
         SELECT edge_node_id, sequence FROM traffic_reports WHERE interval_start < $1 LIMIT $2)
       RETURNING 1`,
      [cutoff, batch],
    ));
    total += rows.length;
    if (rows.length < batch) return total;
  }
}
