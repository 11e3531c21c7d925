import type { SqlRunner } from '../fleet/sql';

/** One bucket of a service's traffic series (`t`: bucket start, epoch seconds; counters as text: bigint sums); `key` is the PoP or backend id when grouped. */
export interface TrafficBucketRow {
  t: string;
  key: string | null;
  bytes: string;
  packets: string;
}

/** How a service's traffic is split into series: one in all, per PoP, or per backend (what the edges sent to each). */
export type TrafficGrouping = 'none' | 'pop' | 'backend';

/**
 * Bytes and packets per step (`stepSeconds`, aligned to the epoch): to the service's anycast
 * addresses, in all or per PoP, from raw samples (`source: 'raw'`) or the hourly roll-ups; or per
 * backend, from raw samples only (the roll-ups keep no backend).
 */
export function serviceTrafficBuckets(
  db: SqlRunner,
  q: { serviceId: string; from: Date; to: Date; stepSeconds: number; group: TrafficGrouping; source: 'raw' | 'hourly' },
): Promise<TrafficBucketRow[]> {
  if (q.group === 'backend' && q.source !== 'raw') throw new Error('per-backend traffic exists in raw samples only');
  const keyCol = q.group === 'pop' ? 'pop_id' : q.group === 'backend' ? 'backend_id' : 'NULL::uuid';
  const kind = q.group === 'backend' ? 'backend' : 'address';
  const sql = q.source === 'raw'
    ? `SELECT floor(extract(epoch FROM interval_start) / $4) * $4 AS t, ${keyCol} AS key, sum(bytes)::text AS bytes, sum(packets)::text AS packets
         FROM traffic_samples WHERE service_id = $1 AND kind = '${kind}' AND interval_start >= $2 AND interval_start < $3
        GROUP BY 1, 2`
    : `SELECT floor(extract(epoch FROM hour) / $4) * $4 AS t, ${keyCol} AS key, sum(bytes)::text AS bytes, sum(packets)::text AS packets
         FROM traffic_hourly WHERE service_id = $1 AND hour >= $2 AND hour < $3
        GROUP BY 1, 2`;
  return db.query(sql, [q.serviceId, q.from, q.to, q.stepSeconds]) as Promise<TrafficBucketRow[]>;
}

/** Addresses of backends by id (also of backends deleted since: their samples outlive them, the address then is null). */
export async function backendAddresses(db: SqlRunner, backendIds: string[]): Promise<Map<string, string>> {
  if (!backendIds.length) return new Map();
  const rows: Array<{ id: string; address: string }> = await db.query(`SELECT id, host(address) AS address FROM backends WHERE id = ANY($1::uuid[])`, [backendIds]);
  return new Map(rows.map((r) => [r.id, r.address]));
}

/** PoP codes by id. */
export async function popCodes(db: SqlRunner, popIds: string[]): Promise<Map<string, string>> {
  if (!popIds.length) return new Map();
  const rows: Array<{ id: string; code: string }> = await db.query(`SELECT id, code FROM pops WHERE id = ANY($1::uuid[])`, [popIds]);
  return new Map(rows.map((p) => [p.id, p.code]));
}

/**
 * The organization's hourly usage in [from, to): hours before `rawCutoff` from the roll-ups, later
 * ones summed from raw samples (up to date, and equal to what the roll-up stores).
 */
export function organizationUsageHours(db: SqlRunner, organizationId: string, from: Date, to: Date, rawCutoff: Date): Promise<Array<{ hour: Date; bytes: string; packets: string }>> {
  return db.query(
    `SELECT hour, bytes::text, packets::text FROM organization_usage_hourly
      WHERE organization_id = $1 AND hour >= $2 AND hour < $3 AND hour < $4
     UNION ALL
     SELECT date_bin('1 hour', interval_start, 'epoch'::timestamptz) AS hour, sum(bytes)::text, sum(packets)::text
       FROM traffic_samples
      WHERE organization_id = $1 AND kind = 'address' AND interval_start >= greatest($2, $4) AND interval_start < $3
      GROUP BY 1
     ORDER BY 1`,
    [organizationId, from, to, rawCutoff],
  ) as Promise<Array<{ hour: Date; bytes: string; packets: string }>>;
}
