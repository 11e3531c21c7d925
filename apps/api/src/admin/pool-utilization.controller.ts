import { Controller, Get, Injectable, Query } from '@nestjs/common';
import { ApiOkResponse, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { InjectDataSource } from '@nestjs/typeorm';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';
import { poolHeldSeries, poolPrefix } from '@anyfront/db';
import { slotCapacity } from '@anyfront/domain';
import type { DataSource } from 'typeorm';
import { Roles } from '../auth/decorators';
import { IdParam } from '../common/id-param';
import { ApiOperatorAuth, ApiProblems, ApiSummary } from '../common/openapi';
import { problems } from '../common/problem';

export class PoolUtilizationQueryDto {
  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 90, default: 7, description: 'How many days back (hourly points up to 7 days, daily beyond)' })
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'must be a whole number of days' })
  @Min(1, { message: 'must be at least 1' })
  @Max(90, { message: 'must be at most 90' })
  days?: number;
}

export class PoolHeldPointDto {
  @ApiProperty({ format: 'date-time' }) at!: string;
  @ApiProperty({ description: 'Addresses held by services at that moment' }) assigned!: number;
}

export class PoolUtilizationSeriesDto {
  @ApiProperty({ format: 'uuid' }) pool_id!: string;
  @ApiProperty({ example: '192.0.2.0/24' }) prefix!: string;
  @ApiProperty({ description: 'Addresses the pool can hand out (IPv6: approximate)' }) capacity!: number;
  @ApiProperty({ description: 'Seconds between points (3600 or 86400)' }) step_seconds!: number;
  @ApiProperty({ type: [PoolHeldPointDto] }) points!: PoolHeldPointDto[];
}

@Injectable()
export class PoolUtilizationService {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  async series(id: string, days: number): Promise<PoolUtilizationSeriesDto> {
    const prefix = await poolPrefix(this.ds, id);
    if (!prefix) throw problems.notFound('pool', id);
    const step = days <= 7 ? 3600 : 86_400;
    // Points on whole hours (days), and now.
    const to = new Date();
    const from = new Date(Math.floor(to.getTime() / 1000 / step) * step * 1000 - days * 86_400_000);
    const points = await poolHeldSeries(this.ds, id, { from, to, stepSeconds: step });
    return {
      pool_id: id,
      prefix,
      capacity: Number(slotCapacity(prefix)),
      step_seconds: step,
      points: points.map((p) => ({ at: p.at.toISOString(), assigned: p.assigned })),
    };
  }
}

@ApiTags('admin')
@ApiOperatorAuth()
@Roles('operator')
@Controller('v1/admin/pools')
export class PoolUtilizationController {
  constructor(private readonly utilization: PoolUtilizationService) {}

  @Get(':id/utilization')
  @ApiSummary('A pool\'s held addresses over time', 'Replayed from the address holding history: hourly points for up to 7 days, daily beyond.')
  @ApiProblems(400, 404)
  @ApiOkResponse({ type: PoolUtilizationSeriesDto })
  get(@IdParam('id', 'pool') id: string, @Query() q: PoolUtilizationQueryDto): Promise<PoolUtilizationSeriesDto> {
    return this.utilization.series(id, q.days ?? 7);
  }
}
