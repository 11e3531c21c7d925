import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { trafficReportSchema } from '@anyfront/contracts';
import { hourOf, TRAFFIC_HOUR_LOCK_CLASS, trafficHourLockKey } from '@anyfront/domain';
import type { z } from 'zod';
import { problems } from '../common/problem';
import { AppConfig } from '../config';

type Report = z.infer<typeof trafficReportSchema>;

/** Agents' clocks may run a little ahead. */
const MAX_FUTURE_MS = 5 * 60_000;

export interface IngestResult {
  accepted: boolean;
  /** The (node, sequence) was stored before: this replay counted nothing. */
  duplicate: boolean;
  sequence: number;
}

/**
 * Stores one traffic report. (edge node, sequence) is the primary key of traffic_reports, so a
 * replay or duplicate counts once; samples keep the report's own interval, so a late report lands
 * in its interval. Addresses and backends are attributed to their service and organization now.
 */
@Injectable()
export class TrafficIngestService {
  readonly retentionDays: number;

  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    config: AppConfig,
  ) {
    this.retentionDays = config.trafficRawRetentionDays;
  }

  async ingest(edgeNodeId: string, r: Report, now = new Date()): Promise<IngestResult> {
    const start = new Date(r.interval_start);
    if (start.getTime() > now.getTime() + MAX_FUTURE_MS) {
      throw problems.field(422, 'interval_start', `${r.interval_start} is in the future; check the edge node's clock`, 'traffic-interval-in-future');
    }
    if (start.getTime() < now.getTime() - this.retentionDays * 86_400_000) {
      throw problems.field(422, 'interval_start', `${r.interval_start} is older than the ${this.retentionDays}-day raw retention; it can no longer be counted`, 'traffic-interval-too-old');
    }
    const seen = new Set<string>();
    r.addresses.forEach((a, i) => {
      if (seen.has(a.address)) throw problems.validation([{ field: `addresses[${i}].address`, message: `${a.address} appears twice; send one delta per address` }]);
      seen.add(a.address);
    });
    const seenBackends = new Set<string>();
    r.backends.forEach((b, i) => {
      if (seenBackends.has(b.backend_id)) throw problems.validation([{ field: `backends[${i}].backend_id`, message: `${b.backend_id} appears twice; send one delta per backend` }]);
      seenBackends.add(b.backend_id);
    });

    const hour = hourOf(start);
    return this.ds.transaction(async (tx) => {
      // Shared: ingests never wait for each other, only for a roll-up of this hour (see rollupHour).
      await tx.query(`SELECT pg_advisory_xact_lock_shared($1, $2)`, [TRAFFIC_HOUR_LOCK_CLASS, trafficHourLockKey(hour)]);
      const inserted = await tx.query(
        `INSERT INTO traffic_reports (edge_node_id, sequence, interval_start, interval_seconds) VALUES ($1, $2, $3, $4)
         ON CONFLICT (edge_node_id, sequence) DO NOTHING RETURNING sequence`,
        [edgeNodeId, r.sequence, start, r.interval_seconds],
      );
      if (!inserted.length) return { accepted: false, duplicate: true, sequence: r.sequence };
      const [node] = await tx.query(`SELECT pop_id FROM edge_nodes WHERE id = $1`, [edgeNodeId]);
      const addresses = r.addresses.filter((a) => a.bytes > 0 || a.packets > 0);
      if (addresses.length) {
        await tx.query(
          `INSERT INTO traffic_samples (edge_node_id, sequence, pop_id, interval_start, kind, address, service_id, organization_id, bytes, packets)
           SELECT $1, $2, $3, $4, 'address', x.addr::inet, a.service_id, s.organization_id, x.bytes, x.packets
             FROM unnest($5::text[], $6::bigint[], $7::bigint[]) AS x(addr, bytes, packets)
             LEFT JOIN anycast_addresses a ON a.address = x.addr::inet AND a.state = 'assigned'
             LEFT JOIN services s ON s.id = a.service_id`,
          [edgeNodeId, r.sequence, node.pop_id, start, addresses.map((a) => a.address), addresses.map((a) => a.bytes), addresses.map((a) => a.packets)],
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
          [edgeNodeId, r.sequence, node.pop_id, start, backends.map((b) => b.backend_id), backends.map((b) => b.bytes), backends.map((b) => b.packets)],
        );
      }
      await tx.query(`INSERT INTO traffic_dirty_hours (hour) VALUES ($1) ON CONFLICT (hour) DO NOTHING`, [hour]);
      return { accepted: true, duplicate: false, sequence: r.sequence };
    });
  }
}
