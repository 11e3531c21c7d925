import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { trafficReportSchema } from '@anyfront/contracts';
import { TrafficReportsRepository } from '@anyfront/db';
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
    const stored = await new TrafficReportsRepository(this.ds).store(
      edgeNodeId,
      { sequence: r.sequence, intervalStart: start, intervalSeconds: r.interval_seconds, addresses: r.addresses, backends: r.backends },
      { start: hour, lock: [TRAFFIC_HOUR_LOCK_CLASS, trafficHourLockKey(hour)] },
    );
    return { accepted: stored, duplicate: !stored, sequence: r.sequence };
  }
}
