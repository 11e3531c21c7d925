import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiQuery, ApiTags } from '@nestjs/swagger';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { bucketStart, parseTimeRange, retentionCutoff } from '@anyfront/domain';
import { OrganizationId } from '../auth/decorators';
import { IdParam } from '../common/id-param';
import { ApiProblems, ApiSummary, ApiTenantAuth } from '../common/openapi';
import { problems } from '../common/problem';
import { ServiceTrafficDto, UsageDto } from './traffic.dto';
import { TrafficIngestService } from './traffic-ingest.service';

export interface TrafficPoint {
  t: string;
  bytes: number;
  packets: number;
}

export interface TrafficSeries {
  pop_id: string | null;
  pop_code: string | null;
  points: TrafficPoint[];
}

const MIN_STEP_SECONDS = 10;

/** Tenant traffic (per service, for charts) and hourly usage (per organization). */
@ApiTags('traffic')
@ApiTenantAuth()
@Controller('v1')
export class TrafficController {
  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    private readonly ingest: TrafficIngestService,
  ) {}

  /**
   * Bytes and packets that reached the service's anycast addresses, per step. Ranges inside the raw
   * retention come from raw samples (any step >= 10 s, up to date); older ranges from the hourly
   * roll-ups (step a multiple of 1 h).
   */
  @Get('services/:id/traffic')
  @ApiSummary('Get the traffic to a service\'s anycast addresses over time (for charts)')
  @ApiProblems(400, 404)
  @ApiOkResponse({ type: ServiceTrafficDto })
  @ApiQuery({ name: 'from', type: String, format: 'date-time', required: false, description: 'ISO 8601; default to - 24 h' })
  @ApiQuery({ name: 'to', type: String, format: 'date-time', required: false, description: 'ISO 8601; default now' })
  @ApiQuery({ name: 'step', type: String, example: '5m', required: false, description: 'seconds or 10s/5m/1h/1d; default 1h' })
  @ApiQuery({ name: 'by', required: false, enum: ['pop'] })
  async traffic(
    @IdParam('id', 'service') id: string,
    @OrganizationId() org: string,
    @Query() q: Record<string, unknown>,
  ): Promise<ServiceTrafficDto> {
    const unknown = Object.keys(q).filter((k) => !['from', 'to', 'step', 'by'].includes(k));
    if (unknown.length) throw problems.validation(unknown.map((k) => ({ field: `query.${k}`, message: 'is not a known parameter; use from, to, step, by' })));
    if (q.by !== undefined && q.by !== 'pop') throw problems.validation([{ field: 'query.by', message: 'must be "pop" or omitted' }]);
    const range = parseTimeRange(q, { defaultStep: 3600, minStep: MIN_STEP_SECONDS, now: new Date() });
    if (!range.ok) throw problems.validation([{ field: range.field, message: range.message }]);
    const svc = await this.ds.query(`SELECT 1 FROM services WHERE id = $1 AND organization_id = $2 AND deleted_at IS NULL`, [id, org]);
    if (!svc.length) throw problems.notFound('service', id);

    const byPop = q.by === 'pop';
    const rawFrom = Date.now() - this.ingest.retentionDays * 86_400_000;
    const useRaw = range.from.getTime() >= rawFrom;
    if (!useRaw && range.stepSeconds % 3600 !== 0) {
      throw problems.validation([{ field: 'query.step', message: `ranges older than the ${this.ingest.retentionDays}-day raw retention come from hourly figures; use a step that is a multiple of 1h` }]);
    }
    const popCol = byPop ? 'pop_id' : 'NULL::uuid';
    const sql = useRaw
      ? `SELECT floor(extract(epoch FROM interval_start) / $4) * $4 AS t, ${popCol} AS pop_id, sum(bytes)::text AS bytes, sum(packets)::text AS packets
           FROM traffic_samples WHERE service_id = $1 AND kind = 'address' AND interval_start >= $2 AND interval_start < $3
          GROUP BY 1, 2`
      : `SELECT floor(extract(epoch FROM hour) / $4) * $4 AS t, ${popCol} AS pop_id, sum(bytes)::text AS bytes, sum(packets)::text AS packets
           FROM traffic_hourly WHERE service_id = $1 AND hour >= $2 AND hour < $3
          GROUP BY 1, 2`;
    const rows: Array<{ t: string; pop_id: string | null; bytes: string; packets: string }> = await this.ds.query(sql, [id, range.from, range.to, range.stepSeconds]);
    const popCodes = new Map<string, string>(
      byPop ? (await this.ds.query(`SELECT id, code FROM pops WHERE id = ANY($1::uuid[])`, [[...new Set(rows.map((r) => r.pop_id))]])).map((p: { id: string; code: string }) => [p.id, p.code]) : [],
    );

    // Zero-filled grid aligned to the epoch, so charts need no gap handling.
    const first = bucketStart(range.from, range.stepSeconds).getTime();
    const grid: number[] = [];
    for (let t = first; t < range.to.getTime(); t += range.stepSeconds * 1000) grid.push(t);
    const seriesKeys = byPop ? [...new Set(rows.map((r) => r.pop_id as string))].sort((a, b) => (popCodes.get(a)! < popCodes.get(b)! ? -1 : 1)) : [null];
    const series: TrafficSeries[] = seriesKeys.map((pop) => {
      const at = new Map(rows.filter((r) => r.pop_id === pop).map((r) => [Number(r.t) * 1000, r]));
      return {
        pop_id: pop,
        pop_code: pop ? (popCodes.get(pop) ?? null) : null,
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
  @Get('usage')
  @ApiSummary("Get the organization's hourly usage")
  @ApiProblems(400)
  @ApiOkResponse({ type: UsageDto })
  @ApiQuery({ name: 'from', type: String, format: 'date-time', required: false, description: 'ISO 8601; default to - 24 h' })
  @ApiQuery({ name: 'to', type: String, format: 'date-time', required: false, description: 'ISO 8601; default now' })
  async usage(@OrganizationId() org: string, @Query() q: Record<string, unknown>): Promise<UsageDto> {
    const unknown = Object.keys(q).filter((k) => !['from', 'to'].includes(k));
    if (unknown.length) throw problems.validation(unknown.map((k) => ({ field: `query.${k}`, message: 'is not a known parameter; use from and to' })));
    const range = parseTimeRange({ from: q.from, to: q.to }, { defaultStep: 3600, minStep: 3600, now: new Date() });
    if (!range.ok) throw problems.validation([{ field: range.field, message: range.message }]);
    const cutoff = retentionCutoff(new Date(), this.ingest.retentionDays);
    const rows: Array<{ hour: Date; bytes: string; packets: string }> = await this.ds.query(
      `SELECT hour, bytes::text, packets::text FROM organization_usage_hourly
        WHERE organization_id = $1 AND hour >= $2 AND hour < $3 AND hour < $4
       UNION ALL
       SELECT date_bin('1 hour', interval_start, 'epoch'::timestamptz) AS hour, sum(bytes)::text, sum(packets)::text
         FROM traffic_samples
        WHERE organization_id = $1 AND kind = 'address' AND interval_start >= greatest($2, $4) AND interval_start < $3
        GROUP BY 1
       ORDER BY 1`,
      [org, bucketStart(range.from, 3600), range.to, cutoff],
    );
    const hours = rows.map((r) => ({ hour: r.hour.toISOString(), bytes: Number(r.bytes), packets: Number(r.packets) }));
    const total = hours.reduce((acc, h) => ({ bytes: acc.bytes + h.bytes, packets: acc.packets + h.packets }), { bytes: 0, packets: 0 });
    return { organization_id: org, from: range.from.toISOString(), to: range.to.toISOString(), total, hours };
  }
}
