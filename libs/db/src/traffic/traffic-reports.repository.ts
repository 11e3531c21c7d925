import type { SqlDatabase } from '../fleet/sql';

/** One agent report as stored: per-address and per-backend deltas of one interval (zero rows left out). */
export interface StoredTrafficReport {
  sequence: number;
  intervalStart: Date;
  intervalSeconds: number;
  addresses: Array<{ address: string; bytes: number; packets: number }>;
  backends: Array<{ backend_id: string; bytes: number; packets: number }>;
}

/**
 * Traffic reports of edge nodes. (edge node, sequence) is the primary key of traffic_reports, so a
 * replay counts once; samples are attributed to the address's or backend's service and
 * organization at ingest, and the report's hour is marked for the roll-up.
 */
export class TrafficReportsRepository {
  constructor(private readonly db: SqlDatabase) {}

  /**
   * Stores the report unless (node, sequence) is stored already; false for such a duplicate.
   * `hour.lock` is the roll-up's advisory lock of the report's hour, taken shared: ingests never
   * wait for each other, only for a roll-up of that hour.
   */
  store(edgeNodeId: string, r: StoredTrafficReport, hour: { start: Date; lock: [number, number] }): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      await tx.query(`SELECT pg_advisory_xact_lock_shared($1, $2)`, hour.lock);
      const inserted: unknown[] = await tx.query(
        `INSERT INTO traffic_reports (edge_node_id, sequence, interval_start, interval_seconds) VALUES ($1, $2, $3, $4)
         ON CONFLICT (edge_node_id, sequence) DO NOTHING RETURNING sequence`,
        [edgeNodeId, r.sequence, r.intervalStart, r.intervalSeconds],
      );
      if (!inserted.length) return false;
      const [node] = (await tx.query(`SELECT pop_id FROM edge_nodes WHERE id = $1`, [edgeNodeId])) as Array<{ pop_id: string }>;
      const addresses = r.addresses.filter((a) => a.bytes > 0 || a.packets > 0);
      if (addresses.length) {
        await tx.query(
          `INSERT INTO traffic_samples (edge_node_id, sequence, pop_id, interval_start, kind, address, service_id, organization_id, bytes, packets)
           SELECT $1, $2, $3, $4, 'address', x.addr::inet, a.service_id, s.organization_id, x.bytes, x.packets
             FROM unnest($5::text[], $6::bigint[], $7::bigint[]) AS x(addr, bytes, packets)
             LEFT JOIN anycast_addresses a ON a.address = x.addr::inet AND a.state = 'assigned'
             LEFT JOIN services s ON s.id = a.service_id`,
          [edgeNodeId, r.sequence, node?.pop_id, r.intervalStart, addresses.map((a) => a.address), addresses.map((a) => a.bytes), addresses.map((a) => a.packets)],
        );
      }
      const backends = r.backends.filter((b) => b.bytes > 0 || b.packets > 0);
      if (backends.length) {
        await tx.query(
          `INSERT INTO traffic_samples (edge_node_id, sequence, pop_id, interval_start, kind, backend_id, service_id, organization_id, bytes, packets)
           SELECT $1, $2, $3, $4, 'backend', x.backend_id, b.service_id, s.organization_id, x.bytes, x.packets
             FROM unnest($5::uuid[], $6::bigint[], $7::bigint[]) AS x(backend_id, bytes, packets)
             LEFT JOIN backends b ON b.id = x.backend_id
             LEFT JOIN services s ON s.id = b.service_id`,
          [edgeNodeId, r.sequence, node?.pop_id, r.intervalStart, backends.map((b) => b.backend_id), backends.map((b) => b.bytes), backends.map((b) => b.packets)],
        );
      }
      await tx.query(`INSERT INTO traffic_dirty_hours (hour) VALUES ($1) ON CONFLICT (hour) DO NOTHING`, [hour.start]);
      return true;
    });
  }
}
