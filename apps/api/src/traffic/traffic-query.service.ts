import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { backendAddresses, liveServiceStatus, organizationUsageHours, popCodes, serviceTrafficBuckets, type TrafficGrouping } from '@anyfront/db';
import { bucketStart, parseTimeRange, retentionCutoff } from '@anyfront/domain';
import { problems } from '../common/problem';
import type { ServiceTrafficDto, UsageDto } from './traffic.dto';
import { TrafficIngestService } from './traffic-ingest.service';

export interface TrafficPoint {
  t: string;
  bytes: number;
  packets: number;
}

export interface TrafficSeries {
  pop_id: string | null;
  pop_code: string | null;
  backend_id: string | null;
  backend_address: string | null;
  points: TrafficPoint[];
}

const GROUPINGS: Record<string, TrafficGrouping> = { pop: 'pop', backend: 'backend' };

const MIN_STEP_SECONDS = 10;

/** Tenant traffic (per service, for charts) and hourly usage (per organization). */
@Injectable()
export class TrafficQueryService {
  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    private readonly ingest: TrafficIngestService,
  ) {}

  /**
   * Bytes and packets that reached the service's anycast addresses, per step. Ranges inside the raw
   * retention come from raw samples (any step >= 10 s, up to date); older ranges from the hourly
   * roll-ups (step a multiple of 1 h).
   */
  async serviceTraffic(id: string, org: string, q: Record<string, unknown>): Promise<ServiceTrafficDto> {
    const unknown = Object.keys(q).filter((k) => !['from', 'to', 'step', 'by'].includes(k));
    if (unknown.length) throw problems.validation(unknown.map((k) => ({ field: `query.${k}`, message: 'is not a known parameter; use from, to, step, by' })));
    const group = q.by === undefined ? 'none' : typeof q.by === 'string' ? GROUPINGS[q.by] : undefined;
    if (!group) throw problems.validation([{ field: 'query.by', message: 'must be "pop", "backend" or omitted' }]);
    const range = parseTimeRange(q, { defaultStep: 3600, minStep: MIN_STEP_SECONDS, now: new Date() });
    if (!range.ok) throw problems.validation([{ field: range.field, message: range.message }]);
    if (!(await liveServiceStatus(this.ds, org, id))) throw problems.notFound('service', id);

    const rawFrom = Date.now() - this.ingest.retentionDays * 86_400_000;
    const useRaw = range.from.getTime() >= rawFrom;
    if (!useRaw && group === 'backend') {
      throw problems.validation([{ field: 'query.from', message: `per-backend traffic is kept for the ${this.ingest.retentionDays}-day raw retention; start the range inside it` }]);
    }
    if (!useRaw && range.stepSeconds % 3600 !== 0) {
      throw problems.validation([{ field: 'query.step', message: `ranges older than the ${this.ingest.retentionDays}-day raw retention come from hourly figures; use a step that is a multiple of 1h` }]);
    }
    const rows = await serviceTrafficBuckets(this.ds, { serviceId: id, from: range.from, to: range.to, stepSeconds: range.stepSeconds, group, source: useRaw ? 'raw' : 'hourly' });
    const keys = [...new Set(rows.map((r) => r.key).filter((k): k is string => k !== null))];
    const names = group === 'pop' ? await popCodes(this.ds, keys) : group === 'backend' ? await backendAddresses(this.ds, keys) : new Map<string, string>();

    // Zero-filled grid aligned to the epoch, so charts need no gap handling.
    const first = bucketStart(range.from, range.stepSeconds).getTime();
    const grid: number[] = [];
    for (let t = first; t < range.to.getTime(); t += range.stepSeconds * 1000) grid.push(t);
    // Series by name (PoP code, backend address; a deleted backend's samples sort last), then id.
    const seriesKeys: Array<string | null> = group === 'none' ? [null] : keys.sort((a, b) => (names.get(a) ?? '\uffff').localeCompare(names.get(b) ?? '\uffff') || a.localeCompare(b));
    const series: TrafficSeries[] = seriesKeys.map((key) => {
      const at = new Map(rows.filter((r) => r.key === key).map((r) => [Number(r.t) * 1000, r]));
      const name = key ? (names.get(key) ?? null) : null;
      return {
        pop_id: group === 'pop' ? key : null,
        pop_code: group === 'pop' ? name : null,
        backend_id: group === 'backend' ? key : null,
        backend_address: group === 'backend' ? name : null,
        points: grid.map((t) => ({ t: new Date(t).toISOString(), bytes: Number(at.get(t)?.bytes ?? 0), packets: Number(at.get(t)?.packets ?? 0) })),
      };
    });
    const total = rows.reduce((acc, r) => ({ bytes: acc.bytes + Number(r.bytes), packets: acc.packets + Number(r.packets) }), { bytes: 0, packets: 0 });
    return { service_id: id, from: range.from.toISOString(), to: range.to.toISOString(), step_seconds: range.stepSeconds, source: useRaw ? 'raw' : 'hourly', total, series };
  }

  /**
   * The organization's hourly usage (bytes and packets to its anycast addresses). Hours inside the
   * raw retention are summed from the raw samples (up to date, and equal to what the roll-up
   * stores); older hours come from the hourly roll-ups.
   */
  async usage(org: string, q: Record<string, unknown>): Promise<UsageDto> {
    const unknown = Object.keys(q).filter((k) => !['from', 'to'].includes(k));
    if (unknown.length) throw problems.validation(unknown.map((k) => ({ field: `query.${k}`, message: 'is not a known parameter; use from and to' })));
    const range = parseTimeRange({ from: q.from, to: q.to }, { defaultStep: 3600, minStep: 3600, now: new Date() });
    if (!range.ok) throw problems.validation([{ field: range.field, message: range.message }]);
    const cutoff = retentionCutoff(new Date(), this.ingest.retentionDays);
    const rows = await organizationUsageHours(this.ds, org, bucketStart(range.from, 3600), range.to, cutoff);
    const hours = rows.map((r) => ({ hour: r.hour.toISOString(), bytes: Number(r.bytes), packets: Number(r.packets) }));
    const total = hours.reduce((acc, h) => ({ bytes: acc.bytes + h.bytes, packets: acc.packets + h.packets }), { bytes: 0, packets: 0 });
    return { organization_id: org, from: range.from.toISOString(), to: range.to.toISOString(), total, hours };
  }
}
