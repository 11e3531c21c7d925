import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiQuery, ApiTags } from '@nestjs/swagger';
import { OrganizationId } from '../auth/decorators';
import { IdParam } from '../common/id-param';
import { ApiProblems, ApiSummary, ApiTenantAuth } from '../common/openapi';
import { ServiceTrafficDto, UsageDto } from './traffic.dto';
import { TrafficQueryService } from './traffic-query.service';

/** Tenant traffic (per service, for charts) and hourly usage (per organization). */
@ApiTags('traffic')
@ApiTenantAuth()
@Controller('v1')
export class TrafficController {
  constructor(private readonly queries: TrafficQueryService) {}

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
  @ApiQuery({ name: 'by', required: false, enum: ['pop', 'backend'], description: 'pop: one series per PoP; backend: one per backend (what the edges sent it; inside the raw retention)' })
  traffic(
    @IdParam('id', 'service') id: string,
    @OrganizationId() org: string,
    @Query() q: Record<string, unknown>,
  ): Promise<ServiceTrafficDto> {
    return this.queries.serviceTraffic(id, org, q);
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
  usage(@OrganizationId() org: string, @Query() q: Record<string, unknown>): Promise<UsageDto> {
    return this.queries.usage(org, q);
  }
}
